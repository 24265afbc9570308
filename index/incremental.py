"""Incremental index updates: a new snapshot from the old one and the new document list.

`update_snapshot(old, documents, ...)` compares the documents of `old` with `documents` by
id and content; only the chunks of documents that were added, changed or removed are
touched. The old snapshot is never modified (searches may still be using it): its FAISS
index is cloned, the removed documents' chunks are taken out (`remove_ids`) and the new
chunks put in (`add_with_ids`).

Vectors of new chunks come from `EmbeddingCache` when the same passage text was embedded
by the same model before (keyed by SHA-256 of the embedded text and the model id), else
from the embedder; the cache is an SQLite file beside the index, so it survives restarts
and crashes. BM25 is rebuilt from every chunk's cached terms (`index.lexical`), which costs
a fraction of a second at 10,000 chunks, instead of re-analysing all text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import faiss
import numpy as np

from index.chunk import Chunk, ChunkerConfig, chunk_document
from index.embed import Embedder, Vectors
from index.errors import ChunkingError
from index.lexical import (
    LEXICAL_VERSION,
    LexicalIndex,
    lexical_from_terms,
    lexical_text,
    passage_terms,
)
from index.load import Document
from index.pipeline import passage_text
from index.store import IndexSnapshot, create_snapshot

__all__ = ["CACHE_NAME", "EmbeddingCache", "UpdateStats", "update_snapshot"]

CACHE_NAME = "cache.sqlite"
T = TypeVar("T")
_EMBED_BATCH = 64


@dataclass(frozen=True, slots=True)
class UpdateStats:
    """What an update did: chunks kept as they were, removed, added; vectors embedded anew
    (the rest of the added chunks' vectors came from the cache)."""

    kept: int
    removed: int
    added: int
    embedded: int


class EmbeddingCache:
    """Vectors by (model id, SHA-256 of the embedded text) and BM25 terms by analysed text.

    One SQLite file (WAL journal): writes are atomic, a killed process loses nothing that
    was committed, and several processes may share it.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, dim INTEGER, "
                "vector BLOB, PRIMARY KEY (model, key))"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS terms (key TEXT PRIMARY KEY, terms TEXT)")
        self._terms: dict[str, list[str]] = {}
        # In memory only: terms of the chunks of recent snapshots (see `_lexical`).
        self.chunk_terms: dict[tuple[Chunk, str, str], list[str]] = {}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def vectors(self, model_id: str, keys: Sequence[str]) -> dict[str, Vectors]:
        """The cached vectors among `keys` for `model_id`."""
        found: dict[str, Vectors] = {}
        with self._lock:
            for part in _batches(list(dict.fromkeys(keys)), 500):
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key, dim, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                    [model_id, *part],
                ).fetchall()
                for key, dim, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).reshape(dim)
        return found

    def put_vectors(self, model_id: str, items: Mapping[str, Vectors]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                [
                    (model_id, k, int(v.shape[0]), np.asarray(v, np.float32).tobytes())
                    for k, v in items.items()
                ],
            )

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> tuple[Vectors, int]:
        """`embedder.encode_passages(texts)` through the cache: a text is embedded once per
        model, ever. Returns the vectors in order and how many distinct texts were new."""
        keys = [_sha(t) for t in texts]
        found = self.vectors(embedder.model_id, keys)
        first = {k: i for i, k in reversed(list(enumerate(keys)))}  # one index per text
        todo = sorted(i for k, i in first.items() if k not in found)
        fresh: dict[str, Vectors] = {}
        for part in _batches(todo, _EMBED_BATCH):
            encoded = embedder.encode_passages([texts[i] for i in part])
            fresh.update({keys[i]: encoded[j] for j, i in enumerate(part)})
        if fresh:
            self.put_vectors(embedder.model_id, fresh)
        found.update(fresh)
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32), 0
        rows = np.vstack([found[k] for k in keys]).astype(np.float32)
        return np.ascontiguousarray(rows), len(fresh)

    def terms(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """The cached BM25 terms among `keys` (memory first, then the file)."""
        found = {k: self._terms[k] for k in keys if k in self._terms}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        with self._lock:
            for part in _batches(missing, 500):
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key, terms FROM terms WHERE key IN ({marks})", part
                ).fetchall()
                for key, terms in rows:
                    found[key] = self._terms[key] = json.loads(terms)
        return found

    def put_terms(self, items: Mapping[str, list[str]]) -> None:
        self._terms.update(items)
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO terms VALUES (?, ?)",
                [(k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()],
            )


def update_snapshot(
    old: IndexSnapshot | None,
    documents: Sequence[Document],
    embedder: Embedder,
    chunker: ChunkerConfig,
    cache: EmbeddingCache,
    *,
    corpus_hash: str,
) -> tuple[IndexSnapshot, UpdateStats]:
    """The snapshot of `documents`, reusing every chunk of `old` whose document is unchanged."""
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
        )
    index = faiss.clone_index(old.faiss_index)
    if removed:
        index.remove_ids(np.asarray(removed, dtype=np.int64))  # type: ignore[arg-type]
    if added:
        index.add_with_ids(vectors, np.asarray([c.id for c in added], dtype=np.int64))
    manifest = dataclasses.replace(
        old.manifest,
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
        lexical=_lexical(all_chunks, by_id, cache),
    )
    stats = UpdateStats(kept=len(kept), removed=len(removed), added=len(added), embedded=embedded)
    return snapshot, stats


def _lexical(
    chunks: Sequence[Chunk], documents: Mapping[str, Document], cache: EmbeddingCache
) -> LexicalIndex:
    # Chunks kept from the last snapshot are the same objects: their terms are remembered
    # by (chunk, title, language) without hashing their text again.
    memo = cache.chunk_terms
    wanted = [
        (c, documents[c.document_id].title, documents[c.document_id].language) for c in chunks
    ]
    todo = [w for w in wanted if w not in memo]
    texts = [(lexical_text(c, documents[c.document_id]), lang) for c, _, lang in todo]
    keys = [_sha(f"{LEXICAL_VERSION}\x00{lang}\x00{text}") for text, lang in texts]
    found = cache.terms(keys)
    fresh = {
        keys[i]: passage_terms(text, lang)
        for i, (text, lang) in enumerate(texts)
        if keys[i] not in found
    }
    if fresh:
        cache.put_terms(fresh)
    found.update(fresh)
    memo.update({w: found[k] for w, k in zip(todo, keys, strict=True)})
    corpus = [memo[w] for w in wanted]
    if len(memo) > 2 * len(wanted) + 1000:
        cache.chunk_terms = dict(zip(wanted, corpus, strict=True))
    return lexical_from_terms([c.id for c in chunks], corpus)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
