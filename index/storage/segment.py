"""A segment: an immutable slice of the index — its documents, their chunks, the chunks'
vectors and their BM25 postings — written once and never changed.

Layout of a segment directory::

    segment.json      its chunk count, each document's rows, its vector index's spec
    vectors.faiss     the chunks' vectors under their chunk ids (`index.storage.vectors`)
    ids.npy           the chunk id of each row
    chunks.jsonl      one chunk per line; row i is the i-th line (and .offsets.npy: where
                      each line starts)
    documents.jsonl   the documents the chunks cite (text included), in the order of
                      segment.json's spans (and .offsets.npy)
    postings/         the chunks' BM25 postings and chunk ids (`index.storage.lexical`)
    summary/          its rows by language and Land, its words (`index.storage.summary`)

A document's chunks are consecutive rows (`Segment.spans`), so deleting a document from a
segment (which the commit records, `index.storage.snapshot`) is a range of rows.

A segment read from disk parses a chunk or document when it is looked up
(`index.storage.rows`): opening one costs what its postings, vectors and summary cost to
map, not a parse of every passage.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from index.config import VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.errors import IndexMismatchError, IndexNotFoundError
from index.storage.files import fsync_dir, fsync_file
from index.storage.lexical_part import LexicalPart
from index.storage.rows import StoredMapping, StoredRows, write_rows
from index.storage.summary import SegmentSummary, read_summary, summarise, write_summary
from index.storage.vectors import VectorIndex, VectorSpec, build_vectors, load_vectors

__all__ = [
    "SEGMENT_FORMAT",
    "Segment",
    "TermsOf",
    "make_segment",
    "new_segment_name",
    "read_segment",
    "write_segment",
]

SEGMENT_FORMAT = 1
_META = "segment.json"
_VECTORS = "vectors.faiss"
_CHUNKS = "chunks.jsonl"
_DOCUMENTS = "documents.jsonl"
_POSTINGS = "postings"
_IDS = "ids.npy"

Ids = npt.NDArray[np.int64]
# The BM25 terms of chunks (`terms[i]` of `chunks[i]`), made by the write path's analysis.
TermsOf = Callable[[Sequence[Chunk], Mapping[str, Document]], list[list[str]]]


@dataclass(frozen=True, eq=False)
class Segment:
    """Documents, their chunks in row order, the chunks' vectors and BM25 postings.

    `spans[doc_id]` are the rows `(start, stop)` of the document's chunks (empty for a
    document that has none); the chunk id of each row is `ids` (the BM25 part's). Derived
    lookups (`by_id`, `summary`) are made on first use unless the segment was read with them.
    """

    name: str
    chunks: Sequence[Chunk] = field(repr=False)
    documents: Mapping[str, Document] = field(repr=False)
    spans: Mapping[str, tuple[int, int]] = field(repr=False)
    vectors: VectorIndex = field(repr=False)
    lexical: LexicalPart = field(repr=False)
    stored_summary: SegmentSummary | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.chunks)
        if self.vectors.ntotal != n or len(self.lexical) != n:
            raise ValueError(
                f"Segment {self.name}: {n} chunks, {self.vectors.ntotal} vectors and "
                f"{len(self.lexical)} BM25 rows; make them from the same chunks."
            )

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def ids(self) -> Ids:
        """The chunk id of each row."""
        return self.lexical.ids

    @cached_property
    def by_id(self) -> Mapping[int, Chunk]:
        """Chunk id → chunk (looked up in the sorted ids, nothing made per chunk)."""
        return _ChunksById(self.ids, self.chunks)

    @cached_property
    def summary(self) -> SegmentSummary:
        """Its rows by language and Land and its words (read with it, or made from it)."""
        if self.stored_summary is not None:
            return self.stored_summary
        return summarise(self.chunks, self.documents)

    def rows_of(self, document_ids: Sequence[str]) -> Ids:
        """The rows of the chunks of `document_ids` (those of this segment), ascending."""
        ranges = [range(*self.spans[d]) for d in document_ids if d in self.spans]
        if not ranges:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate([np.arange(r.start, r.stop) for r in ranges]))


class _ChunksById(Mapping[int, Chunk]):
    """Chunk id → the chunk of that row, by binary search in the sorted ids."""

    def __init__(self, ids: Ids, chunks: Sequence[Chunk]) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]
        self._chunks = chunks

    def _row(self, chunk_id: object) -> int | None:
        if not isinstance(chunk_id, int | np.integer) or not len(self._sorted):
            return None
        at = int(np.searchsorted(self._sorted, chunk_id))
        if at < len(self._sorted) and self._sorted[at] == chunk_id:
            return int(self._order[at])
        return None

    def __getitem__(self, chunk_id: int) -> Chunk:
        row = self._row(chunk_id)
        if row is None:
            raise KeyError(chunk_id)
        return self._chunks[row]

    def __contains__(self, chunk_id: object) -> bool:
        return self._row(chunk_id) is not None

    def __iter__(self) -> Iterator[int]:
        return iter(self._sorted.tolist())

    def __len__(self) -> int:
        return len(self._sorted)


def new_segment_name() -> str:
    return uuid.uuid4().hex[:16]


def make_segment(
    chunks: Sequence[Chunk],
    vectors: Vectors,
    documents: Sequence[Document],
    terms: Sequence[Sequence[str]],
    vector_config: VectorConfig,
) -> Segment:
    """A new segment of `documents`: `chunks[i]` with the vector `vectors[i]` and the BM25
    terms `terms[i]`, put in the order of their documents in `documents`, each
    document's chunks together (in the order given)."""
    if vectors.ndim != 2 or vectors.shape[0] != len(chunks) or len(terms) != len(chunks):
        raise ValueError(
            f"{len(chunks)} chunks, {len(terms)} term lists and vectors of shape {vectors.shape}"
        )
    order = _document_order(chunks, documents)
    ordered = tuple(chunks[i] for i in order)
    ids = np.fromiter((c.id for c in ordered), dtype=np.int64, count=len(ordered))
    index = build_vectors(ids, vectors[order] if order else vectors, vector_config)
    counts = Counter(c.document_id for c in ordered)
    spans: dict[str, tuple[int, int]] = {}
    row = 0
    for doc in documents:
        spans[doc.id] = (row, row + counts[doc.id])
        row += counts[doc.id]
    return Segment(
        name=new_segment_name(),
        chunks=ordered,
        documents=MappingProxyType({d.id: d for d in documents}),
        spans=MappingProxyType(spans),
        vectors=index,
        lexical=LexicalPart.build(ids.tolist(), [terms[i] for i in order]),
    )


def _document_order(chunks: Sequence[Chunk], documents: Sequence[Document]) -> list[int]:
    """Positions of `chunks` sorted by their document's place in `documents`, stable."""
    place = {d.id: i for i, d in enumerate(documents)}
    missing = {c.document_id for c in chunks} - place.keys()
    if missing:
        raise ValueError(f"Chunks of documents the segment does not hold: {sorted(missing)[:3]}")
    return sorted(range(len(chunks)), key=lambda i: place[chunks[i].document_id])


def write_segment(segment: Segment, directory: Path) -> None:
    """Write `segment` into `directory` (created; must not exist) and flush it to disk."""
    directory.mkdir(parents=True)
    segment.vectors.save(directory / _VECTORS)
    written = write_rows(directory / _CHUNKS, (_row(c) for c in segment.chunks))
    documents = (_row(segment.documents[d]) for d in segment.spans)
    written += write_rows(directory / _DOCUMENTS, documents)
    np.save(directory / _IDS, np.ascontiguousarray(segment.ids, dtype=np.int64))
    written += [directory / _IDS, *segment.lexical.save(directory / _POSTINGS)]
    written += write_summary(segment.summary, directory)
    meta = {
        "format": SEGMENT_FORMAT,
        "chunks": len(segment.chunks),
        "spans": {d: list(s) for d, s in segment.spans.items()},
        "vectors": segment.vectors.spec.to_json(),
    }
    (directory / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    for path in [directory / n for n in (_VECTORS, _META)] + written:
        fsync_file(path)
    for sub in {p.parent for p in written} - {directory}:
        fsync_dir(sub)
    fsync_dir(directory)


def read_segment(directory: Path, *, mmap: bool = True, terms_of: TermsOf | None = None) -> Segment:
    """The segment saved in `directory`; raises `IndexNotFoundError` when it is unreadable.

    Chunks and documents are parsed when looked up (`index.storage.rows`). Postings of
    another analysis version (`LEXICAL_VERSION`) are made anew in memory from
    `terms_of(chunks, documents)`; without `terms_of` that raises `IndexMismatchError`."""
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        spec = VectorSpec.from_json(meta["vectors"])
        vectors = load_vectors(directory / _VECTORS, spec, mmap=mmap)
        chunks: StoredRows[Chunk] = StoredRows(directory / _CHUNKS, _chunk)
        spans = {d: (int(s[0]), int(s[1])) for d, s in meta["spans"].items()}
        documents = StoredMapping(StoredRows(directory / _DOCUMENTS, _document), list(spans))
        summary = read_summary(directory, mmap=mmap)
        if len(chunks) != meta["chunks"]:
            raise ValueError(f"{len(chunks)} chunks stored, {meta['chunks']} expected")
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
        raise IndexNotFoundError(
            f"The index segment at {directory} is unreadable ({exc}). "
            "Rebuild the index: clustersearch build --force"
        ) from exc
    ids = _stored_ids(directory, mmap) if (directory / _IDS).exists() else _chunk_ids(chunks)
    lexical = LexicalPart.load(directory / _POSTINGS, ids, mmap=mmap)
    if lexical is None:
        if terms_of is None:
            raise IndexMismatchError(
                f"The BM25 postings of the index segment at {directory} are of another "
                "analysis version. Load it with index.load_index, which makes them anew, or "
                "rebuild the index: clustersearch build --force"
            )
        listed = list(chunks)
        lexical = LexicalPart.build(_chunk_ids(listed).tolist(), terms_of(listed, documents))
    return Segment(
        name=directory.name,
        chunks=chunks,
        documents=documents,
        spans=MappingProxyType(spans),
        vectors=vectors,
        lexical=lexical,
        stored_summary=summary,
    )


def _stored_ids(directory: Path, mmap: bool) -> Ids:
    try:
        ids: Ids = np.load(directory / _IDS, mmap_mode="r" if mmap else None)
    except (OSError, ValueError) as exc:
        raise IndexNotFoundError(
            f"The chunk ids of the index segment at {directory} are unreadable ({exc}). "
            "Rebuild the index: clustersearch build --force"
        ) from exc
    return ids


def _chunk_ids(chunks: Iterable[Chunk]) -> Ids:
    return np.fromiter((c.id for c in chunks), dtype=np.int64)


def _chunk(row: dict[str, Any]) -> Chunk:
    return Chunk(**{**row, "regions": tuple(row["regions"])})


def _document(row: dict[str, Any]) -> Document:
    return Document(
        **{**row, "regions": tuple(row["regions"]), "pages": tuple(row.get("pages", ()))}
    )


def _row(item: Any) -> dict[str, Any]:
    """A chunk's or document's fields as JSON values (tuples as lists)."""
    return {
        name: list(v) if isinstance(v := getattr(item, name), tuple) else v
        for name in _field_names(item)
    }


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(item: Any) -> tuple[str, ...]:
    cls = type(item)
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = tuple(f.name for f in fields(item))
    return _FIELD_NAMES[cls]
