"""The offline pipeline end to end: corpus → chunks → vectors → saved index."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.config import EMBED_BATCH, ChunkerConfig, VectorConfig
from index.documents.chunk import chunk_corpus
from index.documents.corpus import Document, load_corpus
from index.documents.passage import passage_text
from index.embedding.base import Embedder
from index.errors import IndexMismatchError, IndexNotFoundError
from index.ingest.lexical import cached_terms, passage_terms_of
from index.storage.cache import CACHE_NAME, PassageCache
from index.storage.snapshot import (
    IndexSnapshot,
    check_compatible,
    create_snapshot,
    read_manifest,
    save_index,
)

__all__ = [
    "BuildReport",
    "build_index",
    "build_snapshot",
]

Progress = Callable[[int, int], None]
# Told the id of a document left out of a build and why.
Skip = Callable[[str, str], None]

log = logging.getLogger("clustersearch.ingest")
# Embedding batches per cache write during a build: progress and a resumable build
# without a transaction per batch.
_CACHED_SLICES = 8


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What `build_index` did: `built` a new index or found it `up-to-date`; `skipped`
    holds (document id, reason) of each document left without passages."""

    status: str
    index_dir: Path
    documents: int
    chunks: int
    seconds: float
    skipped: tuple[tuple[str, str], ...] = ()


def build_snapshot(
    documents: Sequence[Document],
    embedder: Embedder,
    chunker: ChunkerConfig,
    *,
    corpus_hash: str,
    progress: Progress | None = None,
    on_skip: Skip | None = None,
    vector_config: VectorConfig | None = None,
    cache: PassageCache | None = None,
) -> IndexSnapshot:
    """Chunk and embed `documents` into an in-memory snapshot (nothing is written to the
    index); the vector index is the one `vector_config` picks for the number of chunks.

    With `cache`, vectors and BM25 terms come from it where it has them and go into it
    where not, so the writes that follow (`index.ingest.update`) analyse and embed only
    their own passages, and a rebuild only what changed.

    A document that cannot be cut into passages does not stop the build: it is logged,
    told to `on_skip`, and kept in the snapshot without passages."""

    def skip(document: Document, error: Exception) -> None:
        reason = f"it could not be cut into passages ({type(error).__name__}: {error})"
        log.warning("Skipped document %s: %s", document.id, reason)
        if on_skip is not None:
            on_skip(document.id, reason)

    chunks = chunk_corpus(documents, chunker, on_error=skip)
    by_id = {d.id: d for d in documents}
    texts = [passage_text(c, by_id[c.document_id]) for c in chunks]
    # through the cache in slices, each written when done: an interrupted build keeps its work
    step = EMBED_BATCH if cache is None else EMBED_BATCH * _CACHED_SLICES
    parts = []
    for i in range(0, len(texts), step):
        part = texts[i : i + step]
        parts.append(
            embedder.encode_passages(part) if cache is None else cache.encode(embedder, part)[0]
        )
        if progress:
            progress(min(i + step, len(texts)), len(texts))
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    terms = passage_terms_of(chunks, by_id) if cache is None else cached_terms(chunks, by_id, cache)
    return create_snapshot(
        chunks,
        vectors,
        documents,
        model_id=embedder.model_id,
        chunker=chunker.as_dict(),
        corpus_hash=corpus_hash,
        terms=terms,
        vector_config=vector_config,
    )


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunker: ChunkerConfig,
    *,
    force: bool = False,
    progress: Progress | None = None,
    vector_config: VectorConfig | None = None,
) -> BuildReport:
    """Build the index of `corpus_dir` into `index_dir`, unless it is already up to date.

    Vectors and BM25 terms go through the passage cache beside the index (the one the
    library's updates use), so the first update after a build re-analyses nothing."""
    started = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    if not force:
        try:
            manifest = read_manifest(index_dir)
            check_compatible(
                manifest, model_id=embedder.model_id, chunker=chunker.as_dict(), index_dir=index_dir
            )
        except (IndexNotFoundError, IndexMismatchError):
            pass
        else:
            if manifest.corpus_hash == corpus.content_hash:
                return BuildReport(
                    "up-to-date",
                    index_dir,
                    manifest.document_count,
                    manifest.chunk_count,
                    time.perf_counter() - started,
                )
    skipped: list[tuple[str, str]] = []
    cache = PassageCache(index_dir / CACHE_NAME)
    try:
        snapshot = build_snapshot(
            corpus.documents,
            embedder,
            chunker,
            corpus_hash=corpus.content_hash,
            progress=progress,
            on_skip=lambda document_id, reason: skipped.append((document_id, reason)),
            vector_config=vector_config,
            cache=cache,
        )
    finally:
        cache.close()
    save_index(snapshot, index_dir)
    return BuildReport(
        "built",
        index_dir,
        snapshot.manifest.document_count,
        snapshot.manifest.chunk_count,
        time.perf_counter() - started,
        tuple(skipped),
    )
