"""An embedder wrapper that remembers recent query vectors (search and answer share one)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.embedding.base import Embedder

__all__ = ["QueryMemo"]


class QueryMemo:
    """An `Embedder` that remembers its recent query vectors.

    The answerer embeds the question that its searcher has just embedded; sharing one
    `QueryMemo` between the two makes that one model call instead of two.
    """

    def __init__(self, inner: Embedder, size: int = 32) -> None:
        self.inner = inner
        self._size = size
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._memo[t] for t in texts if t in self._memo}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            encoded = self.inner.encode_queries(missing)
            known.update(zip(missing, encoded, strict=True))
        with self._lock:
            for text in texts:
                self._memo[text] = known[text]
                self._memo.move_to_end(text)
            while len(self._memo) > self._size:
                self._memo.popitem(last=False)
        if not texts:
            return self.inner.encode_queries([])
        return np.stack([known[t] for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)
