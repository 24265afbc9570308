"""What the write path has computed before, kept across runs: vectors and BM25 terms.

`PassageCache` holds passage vectors by (model id, SHA-256 of the embedded text) and
BM25 terms by analysed text, in one SQLite file beside the index (WAL journal): writes
are atomic, a killed process loses nothing that was committed, and several processes may
share it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from index.config import EMBED_BATCH
from index.embedding.base import Embedder, Vectors
from index.embedding.combined import combined_parts

__all__ = ["CACHE_NAME", "PassageCache", "content_key"]

CACHE_NAME = "cache.sqlite"


T = TypeVar("T")


class PassageCache:
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
        model, ever. Returns the vectors in order and how many distinct texts were new.

        A combined model's parts are cached each under its own id, so the parts' vectors
        serve any combination of them (the count is the most any part embedded)."""
        combined = combined_parts(embedder)
        if combined is not None:
            per_part = [self.encode(part, texts) for part, _ in combined.parts]
            joined = combined.join([vectors for vectors, _ in per_part])
            return joined, max(new for _, new in per_part)
        keys = [content_key(t) for t in texts]
        found = self.vectors(embedder.model_id, keys)
        first = {k: i for i, k in reversed(list(enumerate(keys)))}  # one index per text
        todo = sorted(i for k, i in first.items() if k not in found)
        fresh: dict[str, Vectors] = {}
        for part in _batches(todo, EMBED_BATCH):
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


def content_key(text: str) -> str:
    """The cache key of a text: its SHA-256, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
