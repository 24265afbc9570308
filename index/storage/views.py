"""The index as one: the live segments of a commit read as one set of chunks, documents and
vectors.

A `LiveSegment` is a segment with the documents a later commit deleted from it. The views
answer a lookup by asking the segments, newest first, and skip deleted rows, so making them
costs nothing per chunk: a commit that adds one document makes a snapshot as fast at a
million passages as at ten.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.storage.segment import Segment

__all__ = ["ChunkView", "DocumentView", "LiveSegment", "SegmentFilter", "SegmentVectors"]

Ids = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class SegmentFilter:
    """Some of a segment's chunks: a FAISS selector of their ids, and their share of the
    segment's chunks (deleted ones included)."""

    selector: Any
    share: float


@dataclass(frozen=True, eq=False)
class LiveSegment:
    """A segment and the ids of its documents deleted since it was written."""

    segment: Segment
    deleted: frozenset[str] = frozenset()

    def deleting(self, document_ids: Sequence[str]) -> LiveSegment:
        """This segment with `document_ids` (those it holds) deleted as well."""
        mine = {d for d in document_ids if d in self.segment.documents}
        if not mine - self.deleted:
            return self
        return LiveSegment(self.segment, self.deleted | mine)

    def holds(self, document_id: str) -> bool:
        """Whether the document is in this segment and not deleted."""
        return document_id in self.segment.documents and document_id not in self.deleted

    @cached_property
    def dead_rows(self) -> Ids:
        """The rows of the deleted documents' chunks, ascending."""
        return self.segment.rows_of(sorted(self.deleted))

    @cached_property
    def alive(self) -> Mask | None:
        """Whether each row is alive (None: all are)."""
        if not len(self.dead_rows):
            return None
        mask = np.ones(len(self.segment), dtype=bool)
        mask[self.dead_rows] = False
        return mask

    @property
    def size(self) -> int:
        """The number of live chunks."""
        return len(self.segment) - len(self.dead_rows)

    @property
    def document_count(self) -> int:
        """The number of live documents (`deleted` holds only the segment's own)."""
        return len(self.segment.documents) - len(self.deleted)

    @cached_property
    def _not_dead(self) -> Any:
        """A FAISS selector of the live chunk ids (None: all are live)."""
        if not len(self.dead_rows):
            return None
        dead = np.ascontiguousarray(self.segment.ids[self.dead_rows])
        batch = faiss.IDSelectorBatch(dead)
        selector = faiss.IDSelectorNot(batch)
        selector.referenced = batch  # type: ignore[attr-defined]
        return selector

    def selector(self, wanted: Any) -> Any:
        """`wanted` (a FAISS selector or None) narrowed to this segment's live chunks."""
        if self._not_dead is None:
            return wanted
        if wanted is None:
            return self._not_dead
        both = faiss.IDSelectorAnd(wanted, self._not_dead)
        both.referenced = (wanted, self._not_dead)  # type: ignore[attr-defined]
        return both

    def ref(self) -> dict[str, Any]:
        """How a commit names this segment."""
        return {"name": self.segment.name, "chunks": len(self.segment),
                "deleted": sorted(self.deleted)}  # fmt: skip


class ChunkView(Mapping[int, Chunk]):
    """Chunk id → chunk over live segments (the newest holding a live chunk of that id)."""

    def __init__(self, segments: Sequence[LiveSegment]) -> None:
        self._segments = tuple(reversed(segments))
        self._len = sum(s.size for s in segments)
        whole = len(segments) == 1 and not segments[0].deleted
        # one segment without deletions (a fresh build): its own map, looked up directly
        self._only: Mapping[int, Chunk] | None = segments[0].segment.by_id if whole else None

    def __getitem__(self, chunk_id: int) -> Chunk:
        if self._only is not None:
            return self._only[chunk_id]
        for live in self._segments:
            chunk = live.segment.by_id.get(chunk_id)
            if chunk is not None and chunk.document_id not in live.deleted:
                return chunk
        raise KeyError(chunk_id)

    def __iter__(self) -> Iterator[int]:
        for live in reversed(self._segments):
            ids = live.segment.ids if live.alive is None else live.segment.ids[live.alive]
            yield from ids.tolist()

    def __len__(self) -> int:
        return self._len


class DocumentView(Mapping[str, Document]):
    """Document id → document over live segments."""

    def __init__(self, segments: Sequence[LiveSegment]) -> None:
        self._segments = tuple(reversed(segments))
        self._len = sum(s.document_count for s in segments)

    def __getitem__(self, document_id: str) -> Document:
        for live in self._segments:
            if live.holds(document_id):
                return live.segment.documents[document_id]
        raise KeyError(document_id)

    def __iter__(self) -> Iterator[str]:
        for live in reversed(self._segments):
            for document_id in live.segment.documents:
                if document_id not in live.deleted:
                    yield document_id

    def __len__(self) -> int:
        return self._len


class SegmentVectors:
    """The vectors of live segments, searched like one `faiss.Index` (and like
    `VectorIndex.search`: `params.sel` restricts the search to those chunk ids)."""

    def __init__(self, segments: Sequence[LiveSegment], dim: int) -> None:
        self._segments = tuple(s for s in segments if s.size)
        self.d = dim
        self.ntotal = sum(s.size for s in self._segments)

    def search(
        self,
        x: Vectors,
        k: int,
        *,
        params: Any = None,
        within: Mapping[str, SegmentFilter | None] | None = None,
    ) -> tuple[Vectors, Ids]:
        """The `k` best (scores, ids) of each row of `x` over every live chunk, best first;
        -1 fills places nothing filled. `within`, when given, restricts the search per
        segment instead: `within[name]` selects the chunks of segment `name` it may return
        (None: all of them), and a segment it does not name is not searched."""
        wanted = params.sel if params is not None else None
        found_scores, found_ids = [], []
        for live in self._segments:
            if within is not None and live.segment.name not in within:
                continue
            only = within[live.segment.name] if within is not None else None
            selector = live.selector(only.selector if only is not None else wanted)
            inner = faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]
            scores, ids = live.segment.vectors.search(
                x, min(k, live.size), params=inner, admitted=only.share if only else None
            )
            found_scores.append(scores)
            found_ids.append(ids)
        return _best(found_scores, found_ids, len(x), k)

    def reconstruct(self, chunk_id: int) -> Vectors:
        """The stored vector of the live chunk `chunk_id`; KeyError if there is none."""
        for live in reversed(self._segments):
            chunk = live.segment.by_id.get(chunk_id)
            if chunk is not None and chunk.document_id not in live.deleted:
                return live.segment.vectors.reconstruct(chunk_id)
        raise KeyError(chunk_id)


def _best(scores: Sequence[Vectors], ids: Sequence[Ids], rows: int, k: int) -> tuple[Vectors, Ids]:
    """The `k` best of several (scores, ids) lists per row; ties by chunk id."""
    out_scores = np.full((rows, k), -np.inf, dtype=np.float32)
    out_ids = np.full((rows, k), -1, dtype=np.int64)
    if not scores:
        return out_scores, out_ids
    all_scores = np.hstack(scores)
    all_ids = np.hstack(ids)
    for r in range(rows):
        valid = all_ids[r] >= 0
        s, i = all_scores[r][valid], all_ids[r][valid]
        order = np.lexsort((i, -s))[:k]
        out_scores[r, : len(order)] = s[order]
        out_ids[r, : len(order)] = i[order]
    return out_scores, out_ids
