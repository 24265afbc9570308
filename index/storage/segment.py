"""A segment: an immutable slice of the index — its documents, their chunks, the chunks'
vectors and their BM25 postings — written once and never changed.

Layout of a segment directory::

    segment.json      its chunk count, each document's rows, its vector index's spec
    vectors.faiss     the chunks' vectors under their chunk ids (`index.storage.vectors`)
    chunks.jsonl      one chunk per line; row i is the i-th line
    documents.jsonl   the documents the chunks cite (text included)
    postings/         the chunks' BM25 postings (`index.storage.lexical.LexicalPart`)

A document's chunks are consecutive rows (`Segment.spans`), so deleting a document from a
segment (which the commit records, `index.storage.snapshot`) is a range of rows.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from index.config import VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.errors import IndexMismatchError, IndexNotFoundError
from index.storage.files import fsync_dir, fsync_file
from index.storage.lexical import LexicalPart
from index.storage.vectors import VectorIndex, VectorSpec, build_vectors, load_vectors

__all__ = [
    "SEGMENT_FORMAT",
    "Segment",
    "SegmentMemo",
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

Ids = npt.NDArray[np.int64]
T = TypeVar("T")
# The BM25 terms of chunks (`terms[i]` of `chunks[i]`), made by the write path's analysis.
TermsOf = Callable[[Sequence[Chunk], Mapping[str, Document]], list[list[str]]]


@dataclass(frozen=True, eq=False)
class Segment:
    """Documents, their chunks in row order, the chunks' vectors and BM25 postings.

    `spans[doc_id]` are the rows `(start, stop)` of the document's chunks (empty for a
    document that has none). Derived lookups (`by_id`, `ids`) are made on first use.
    """

    name: str
    chunks: tuple[Chunk, ...] = field(repr=False)
    documents: Mapping[str, Document] = field(repr=False)
    spans: Mapping[str, tuple[int, int]] = field(repr=False)
    vectors: VectorIndex = field(repr=False)
    lexical: LexicalPart = field(repr=False)

    def __post_init__(self) -> None:
        n = len(self.chunks)
        if self.vectors.ntotal != n or len(self.lexical) != n:
            raise ValueError(
                f"Segment {self.name}: {n} chunks, {self.vectors.ntotal} vectors and "
                f"{len(self.lexical)} BM25 rows; make them from the same chunks."
            )

    def __len__(self) -> int:
        return len(self.chunks)

    @cached_property
    def ids(self) -> Ids:
        """The chunk id of each row."""
        return np.fromiter((c.id for c in self.chunks), dtype=np.int64, count=len(self.chunks))

    @cached_property
    def by_id(self) -> Mapping[int, Chunk]:
        """Chunk id → chunk."""
        return {c.id: c for c in self.chunks}

    def rows_of(self, document_ids: Sequence[str]) -> Ids:
        """The rows of the chunks of `document_ids` (those of this segment), ascending."""
        ranges = [range(*self.spans[d]) for d in document_ids if d in self.spans]
        if not ranges:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate([np.arange(r.start, r.stop) for r in ranges]))


class SegmentMemo(Generic[T]):
    """What `compute` derives from a segment, computed once per segment (a segment never
    changes, so every snapshot holding it shares the result) and forgotten with it."""

    def __init__(self, compute: Callable[[Segment], T]) -> None:
        self._compute = compute
        self._found: weakref.WeakKeyDictionary[Segment, T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, segment: Segment) -> T:
        with self._lock:
            if segment in self._found:
                return self._found[segment]
        found = self._compute(segment)
        with self._lock:
            self._found[segment] = found
        return found


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
    _write_jsonl(directory / _CHUNKS, (_row(c) for c in segment.chunks))
    _write_jsonl(directory / _DOCUMENTS, (_row(d) for d in segment.documents.values()))
    written = segment.lexical.save(directory / _POSTINGS)
    meta = {
        "format": SEGMENT_FORMAT,
        "chunks": len(segment.chunks),
        "spans": {d: list(s) for d, s in segment.spans.items()},
        "vectors": segment.vectors.spec.to_json(),
    }
    (directory / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    for path in [directory / n for n in (_VECTORS, _CHUNKS, _DOCUMENTS, _META)] + written:
        fsync_file(path)
    fsync_dir(directory / _POSTINGS)
    fsync_dir(directory)


def read_segment(directory: Path, *, mmap: bool = True, terms_of: TermsOf | None = None) -> Segment:
    """The segment saved in `directory`; raises `IndexNotFoundError` when it is unreadable.

    Postings of another analysis version (`LEXICAL_VERSION`) are made anew in memory from
    `terms_of(chunks, documents)`; without `terms_of` that raises `IndexMismatchError`."""
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        spec = VectorSpec.from_json(meta["vectors"])
        vectors = load_vectors(directory / _VECTORS, spec, mmap=mmap)
        chunks = tuple(
            Chunk(**{**row, "regions": tuple(row["regions"])})
            for row in _read_jsonl(directory / _CHUNKS)
        )
        documents = [_document(row) for row in _read_jsonl(directory / _DOCUMENTS)]
        spans = {d: (int(s[0]), int(s[1])) for d, s in meta["spans"].items()}
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
        raise IndexNotFoundError(
            f"The index segment at {directory} is unreadable ({exc}). "
            "Rebuild the index: clustersearch build --force"
        ) from exc
    ids = np.fromiter((c.id for c in chunks), dtype=np.int64, count=len(chunks))
    lexical = LexicalPart.load(directory / _POSTINGS, ids, mmap=mmap)
    if lexical is None:
        if terms_of is None:
            raise IndexMismatchError(
                f"The BM25 postings of the index segment at {directory} are of another "
                "analysis version. Load it with index.load_index, which makes them anew, or "
                "rebuild the index: clustersearch build --force"
            )
        by_id = {d.id: d for d in documents}
        lexical = LexicalPart.build(ids.tolist(), terms_of(chunks, by_id))
    return Segment(
        name=directory.name,
        chunks=chunks,
        documents=MappingProxyType({d.id: d for d in documents}),
        spans=MappingProxyType(spans),
        vectors=vectors,
        lexical=lexical,
    )


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


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
