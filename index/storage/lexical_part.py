"""One segment's share of the BM25 index: its postings, the chunk id of each row, and which
rows are still alive. Immutable: a deletion makes a new part sharing the postings."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.errors import IndexMismatchError
from index.storage.postings import Postings, sorted_membership

__all__ = ["LexicalPart", "Mask", "Rows"]


# Row numbers of the index (`row_ids[row]` is the chunk), as int64.
Rows = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


class _IdLookup:
    """Chunk id → local row of a part's ids: the ids sorted, with their rows (16 bytes a
    row, where a dict took over 100), built on first use and shared by the parts that
    differ only by their deletions (same postings, same ids)."""

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table: tuple[Rows, Rows] | None = None

    def find(self, ids: Rows, wanted: Rows) -> tuple[Mask, Rows]:
        """For each of `wanted`, whether `ids` hold it, and its row there (where held)."""
        if self._table is None:
            order = np.argsort(ids, kind="stable")
            self._table = (ids[order], order)
        ordered, rows = self._table
        if not len(ordered):
            return np.zeros(len(wanted), dtype=bool), np.zeros(len(wanted), dtype=np.int64)
        at, held = sorted_membership(ordered, wanted)
        return held, rows[at]


@dataclass(frozen=True, eq=False)
class LexicalPart:
    """One segment's share of the BM25 index: its `postings`, the chunk id of each local
    row (`ids`, unique within the part), and which rows are alive (`alive`, None: all)."""

    postings: Postings
    ids: Rows
    alive: Mask | None = None
    _lookup: _IdLookup = field(default_factory=_IdLookup, repr=False)

    def __post_init__(self) -> None:
        rows = len(self.postings)
        if len(self.ids) != rows or (self.alive is not None and len(self.alive) != rows):
            alive = "all" if self.alive is None else len(self.alive)
            raise IndexMismatchError(
                f"A BM25 part of {rows} rows was given {len(self.ids)} chunk ids and "
                f"{alive} alive flags: its files do not belong together; rebuild the index "
                "(`clustersearch build`)."
            )

    def __len__(self) -> int:
        """The number of rows, deleted ones included."""
        return len(self.postings)

    @classmethod
    def build(cls, chunk_ids: Sequence[int], corpus: Sequence[Sequence[str]]) -> LexicalPart:
        """The part of chunks given their terms (`corpus[i]` are those of `chunk_ids[i]`)."""
        if len(chunk_ids) != len(corpus):
            raise ValueError(f"{len(chunk_ids)} chunk ids for {len(corpus)} rows of terms")
        return cls(Postings.build(corpus), np.asarray(chunk_ids, dtype=np.int64).reshape(-1))

    def deleting(self, deleted: Collection[int] | Mask) -> LexicalPart:
        """This part with more rows deleted: those of the chunk ids `deleted` (ids the part
        does not hold are ignored), or a boolean per local row (True: delete). Shares the
        postings; returns `self` when nothing changes."""
        if isinstance(deleted, np.ndarray) and deleted.dtype == np.bool_:
            if len(deleted) != len(self):
                raise ValueError(f"{len(deleted)} deletion flags for a part of {len(self)} rows")
            gone = deleted
        else:
            wanted = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
            held, rows = self._lookup.find(self.ids, wanted)
            gone = np.zeros(len(self), dtype=bool)
            gone[rows[held]] = True
        alive = ~gone if self.alive is None else self.alive & ~gone
        if bool(alive.all()) if self.alive is None else np.array_equal(alive, self.alive):
            return self
        return LexicalPart(self.postings, self.ids, alive, self._lookup)

    @cached_property
    def alive_count(self) -> int:
        """The number of alive rows."""
        return len(self) if self.alive is None else int(np.count_nonzero(self.alive))

    @cached_property
    def alive_length(self) -> int:
        """The number of terms of the alive rows (empty strings included, as bm25s)."""
        lengths = self.postings.lengths
        kept = lengths if self.alive is None else lengths[self.alive]
        return int(kept.sum(dtype=np.int64))

    def local_rows(self, chunk_ids: Sequence[int]) -> tuple[list[int], Rows]:
        """Those of `chunk_ids` alive in this part, and their local rows."""
        wanted = np.asarray(chunk_ids, dtype=np.int64).reshape(-1)
        held, rows = self._lookup.find(self.ids, wanted)
        if self.alive is not None:
            held[held] = self.alive[rows[held]]
        return wanted[held].tolist(), rows[held]

    def held_count(self, term: str) -> int:
        """How many alive rows hold `term` (its document frequency in this part)."""
        a, b = self.postings.span(term)
        if self.alive is None or b == a:
            return b - a
        return int(np.count_nonzero(self.alive[self.postings.rows[a:b]]))

    def postings_at(self, term: str, rows: Rows) -> tuple[Rows, npt.NDArray[np.int32]]:
        """Those of the local `rows` (ascending) alive and holding `term`, and its frequency
        in each: one binary search per row, not a read of the term's postings."""
        a, b = self.postings.span(term)
        if b == a or not len(rows):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        at, held = sorted_membership(self.postings.rows[a:b], rows)
        if self.alive is not None:
            held &= self.alive[rows]
        return rows[held], np.asarray(self.postings.tf[a:b])[at[held]]

    def postings_of(self, term: str) -> tuple[Rows, npt.NDArray[np.int32]]:
        """The alive local rows holding `term` (ascending) and its frequency in each."""
        a, b = self.postings.span(term)
        rows = np.asarray(self.postings.rows[a:b], dtype=np.int64)
        tf = np.asarray(self.postings.tf[a:b])
        if self.alive is not None and len(rows):
            kept = self.alive[rows]
            rows, tf = rows[kept], tf[kept]
        return rows, tf

    def save(self, directory: Path) -> list[Path]:
        """Write the postings into `directory` (ids and deletions are the caller's to
        keep); returns the files written."""
        return self.postings.save(directory)

    @classmethod
    def load(
        cls, directory: Path, ids: Sequence[int] | Rows, alive: Mask | None = None, *,
        mmap: bool = True,
    ) -> LexicalPart | None:  # fmt: skip
        """The part saved in `directory` with these chunk `ids` and `alive` flags, or None
        when absent or of another analysis version (see `Postings.load`)."""
        postings = Postings.load(directory, mmap=mmap)
        if postings is None:
            return None
        return cls(postings, np.asarray(ids, dtype=np.int64).reshape(-1), alive)
