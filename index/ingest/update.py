"""Incremental index updates: a new snapshot from the old one and the new document list.

`update_snapshot(old, documents, ...)` compares the documents of `old` with `documents` by
id and content; only the chunks of documents that were added, changed or removed are
touched. The old snapshot is never modified (searches may still be using it): its vector
index is copied, the removed documents' chunks are taken out (`remove_ids`) and the new
chunks put in (`add_with_ids`); exact and IVF indexes both do that in place. When the new
number of chunks calls for the other index type (`VectorConfig.exact_max`), the vector index
is built afresh from the kept and the new vectors (`VectorIndex.updated`).

Vectors of new chunks come from `PassageCache` when the same passage text was embedded
by the same model before (keyed by SHA-256 of the embedded text and the model id), else
from the embedder; the cache is an SQLite file beside the index, so it survives restarts
and crashes. BM25 is rebuilt from every chunk's cached terms (`cached_lexical`), which costs
a fraction of a second at 10,000 chunks, instead of re-analysing all text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

import numpy as np

from index.config import ChunkerConfig, VectorConfig
from index.documents.chunk import Chunk, chunk_document
from index.documents.corpus import Document
from index.documents.passage import passage_text
from index.embedding.base import Embedder
from index.errors import ChunkingError
from index.ingest.lexical import cached_lexical
from index.storage.cache import PassageCache
from index.storage.lexical import lexical_from_terms
from index.storage.snapshot import FORMAT_VERSION, IndexSnapshot, create_snapshot

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
) -> tuple[IndexSnapshot, UpdateStats]:
    """The snapshot of `documents`, reusing every chunk of `old` whose document is unchanged;
    the vector index changes type when `vector_config` calls for another at the new size."""
    old_docs: Mapping[str, Document] = old.documents if old is not None else {}
    by_id = {d.id: d for d in documents}
    unchanged = {i for i, d in by_id.items() if old_docs.get(i) == d}
    old_chunks: Mapping[int, Chunk] = old.chunks if old is not None else {}
    kept = [c for c in old_chunks.values() if c.document_id in unchanged]
    removed = [cid for cid, c in old_chunks.items() if c.document_id not in unchanged]
    added = [c for d in documents if d.id not in unchanged for c in chunk_document(d, chunker)]
    ids = [c.id for c in kept] + [c.id for c in added]
    if len(set(ids)) != len(ids):
        raise ChunkingError("Two chunks share an id; this is a bug in chunk_id, please report it.")
    vectors, embedded = cache.encode(
        embedder, [passage_text(c, by_id[c.document_id]) for c in added]
    )
    all_chunks = kept + added
    if old is None:
        old = create_snapshot(
            [],
            np.zeros((0, embedder.dim), dtype=np.float32),
            [],
            model_id=embedder.model_id,
            chunker=chunker.as_dict(),
            corpus_hash="",
            lexical=lexical_from_terms([], []),
            vector_config=vector_config,
        )
    index = old.faiss_index.updated(
        removed, [c.id for c in added], vectors, vector_config or VectorConfig()
    )
    manifest = dataclasses.replace(
        old.manifest,
        vectors=index.spec.to_json(),
        format_version=FORMAT_VERSION,
        corpus_hash=corpus_hash,
        chunk_count=len(all_chunks),
        document_count=len(documents),
        build_time=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    snapshot = IndexSnapshot(
        manifest=manifest,
        faiss_index=index,
        chunks=MappingProxyType({c.id: c for c in all_chunks}),
        documents=MappingProxyType(dict(by_id)),
        lexical=cached_lexical(all_chunks, by_id, cache),
    )
    stats = UpdateStats(kept=len(kept), removed=len(removed), added=len(added), embedded=embedded)
    return snapshot, stats
