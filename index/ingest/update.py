"""Incremental index updates: a new snapshot from the old one and the new document list.

`update_snapshot(old, documents, ...)` compares the documents of `old` with `documents` by
id and content. The added and changed documents become one new segment (their chunks,
vectors and BM25 postings); the changed and removed ones are recorded as deleted from the
segments that hold them. The old snapshot is never modified (searches may still be using
it), and nothing it holds is copied: the work grows with the documents that changed, plus
one comparison per document.

Vectors of new chunks come from `PassageCache` when the same passage text was embedded
by the same model before (keyed by SHA-256 of the embedded text and the model id), else
from the embedder; their BM25 terms likewise (`cached_terms`). The cache is an SQLite file
beside the index, so it survives restarts and crashes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from index.config import ChunkerConfig, VectorConfig
from index.documents.chunk import Chunk, chunk_document
from index.documents.corpus import Document
from index.documents.passage import passage_text
from index.embedding.base import Embedder
from index.errors import ChunkingError
from index.ingest.lexical import cached_terms
from index.storage.cache import PassageCache
from index.storage.segment import make_segment
from index.storage.snapshot import IndexSnapshot, create_snapshot, make_manifest

__all__ = [
    "UpdateStats",
    "update_snapshot",
]


@dataclass(frozen=True, slots=True)
class UpdateStats:
    """What an update did: chunks kept as they were, removed, added; vectors embedded anew
    (the rest of the added chunks' vectors came from the cache)."""

    kept: int
    removed: int
    added: int
    embedded: int


def update_snapshot(
    old: IndexSnapshot | None,
    documents: Sequence[Document],
    embedder: Embedder,
    chunker: ChunkerConfig,
    cache: PassageCache,
    *,
    corpus_hash: str,
    vector_config: VectorConfig | None = None,
    touched: Collection[str] | None = None,
) -> tuple[IndexSnapshot, UpdateStats]:
    """The snapshot of `documents`: `old`'s segments, less the documents changed or gone,
    plus a segment of the documents new or changed.

    `touched` names the documents a write added, replaced or removed when the caller knows
    that `old` indexes exactly the others (`Library` after its own commit): only those are
    compared, instead of every document."""
    config = vector_config or VectorConfig()
    old_docs: Mapping[str, Document] = old.documents if old is not None else {}
    if touched is None or old is None:
        by_id = {d.id: d for d in documents}
        fresh = [d for d in documents if old_docs.get(d.id) != d]
        gone = [i for i in old_docs if i not in by_id or old_docs[i] != by_id[i]]
    else:
        asked = set(touched)
        by_id = {d.id: d for d in documents if d.id in asked}
        fresh = [d for d in by_id.values() if old_docs.get(d.id) != d]
        gone = [i for i in asked if i in old_docs and old_docs[i] != by_id.get(i)]
    added = [c for d in fresh for c in chunk_document(d, chunker)]
    vectors, embedded = cache.encode(
        embedder, [passage_text(c, by_id[c.document_id]) for c in added]
    )
    terms = cached_terms(added, by_id, cache)
    if old is None:
        snapshot = create_snapshot(
            added, vectors, fresh, model_id=embedder.model_id, chunker=chunker.as_dict(),
            corpus_hash=corpus_hash, terms=terms, vector_config=config,
        )  # fmt: skip
        return snapshot, UpdateStats(kept=0, removed=0, added=len(added), embedded=embedded)
    removed = sum(old.chunk_count(d) for d in gone)
    _check_unique(old, gone, added)
    segment = make_segment(added, vectors, fresh, terms, config) if fresh else None
    base = old.changed(gone, segment, old.manifest)
    manifest = make_manifest(
        base.segments, model_id=old.manifest.model_id, dim=old.manifest.dim,
        chunker=old.manifest.chunker, corpus_hash=corpus_hash,
    )  # fmt: skip
    snapshot = IndexSnapshot(manifest, base.segments)
    kept = manifest.chunk_count - len(added)
    return snapshot, UpdateStats(kept=kept, removed=removed, added=len(added), embedded=embedded)


def _check_unique(old: IndexSnapshot, gone: Sequence[str], added: Sequence[Chunk]) -> None:
    """Raise `ChunkingError` if a new chunk's id is that of a chunk that stays."""
    leaving = set(gone)
    ids = [c.id for c in added]
    clash = len(set(ids)) != len(ids) or any(
        (c := old.chunks.get(cid)) is not None and c.document_id not in leaving for cid in ids
    )
    if clash:
        raise ChunkingError("Two chunks share an id; this is a bug in chunk_id, please report it.")
