"""An embedder wrapper that remembers recent query vectors (search and answer share one)
and embeds the queries of concurrent requests together."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.embedding.base import Embedder, Vectors

__all__ = ["QueryBatcher", "QueryMemo"]


@dataclass(eq=False)
class _Waiting:
    """The texts one caller waits for, and what it gets."""

    texts: list[str]
    result: Vectors | None = None
    error: BaseException | None = None
    done: bool = field(default=False)


class QueryBatcher:
    """Calls `encode` for the queries of several threads at once.

    One call runs at a time. A caller that arrives while one runs queues its texts; the
    first of the queued callers to get the next turn encodes every queued text in one call
    and hands each caller its rows. No one waits for a batch to fill: a caller alone is
    encoded at once, and under concurrent load the model sees fewer, larger batches (which
    cost little more than one query each).
    """

    def __init__(self, encode: Callable[[Sequence[str]], Vectors]) -> None:
        self._encode = encode
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        self._turn = threading.Lock()
        self.calls = 0  # model calls made (for tests and benchmarks)

    @property
    def waiting(self) -> int:
        """How many callers are queued for the next call."""
        with self._queue_lock:
            return len(self._queue)

    def __call__(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self._encode([])
        waiting = _Waiting(list(texts))
        with self._queue_lock:
            self._queue.append(waiting)
        with self._turn:
            if not waiting.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._run(batch)
        if waiting.error is not None:
            raise waiting.error
        assert waiting.result is not None
        return waiting.result

    def _run(self, batch: list[_Waiting]) -> None:
        texts = list(dict.fromkeys(t for w in batch for t in w.texts))
        try:
            self.calls += 1
            rows = dict(zip(texts, self._encode(texts), strict=True))
            for w in batch:
                w.result = np.stack([rows[t] for t in w.texts])
        except BaseException as exc:  # every caller of the batch gets the model's error
            for w in batch:
                w.error = exc
        finally:
            for w in batch:
                w.done = True


class QueryMemo:
    """An `Embedder` that remembers its recent query vectors and batches concurrent ones.

    The answerer embeds the question that its searcher has just embedded; sharing one
    `QueryMemo` between the two makes that one model call instead of two. Queries of
    requests running at the same time go to the model together (`QueryBatcher`).
    """

    def __init__(self, inner: Embedder, size: int = 32) -> None:
        self.inner = inner
        self._size = size
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.batcher = QueryBatcher(inner.encode_queries)

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.encode_queries([])
        with self._lock:
            known = {t: self._memo[t] for t in texts if t in self._memo}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self.batcher(missing), strict=True))
        with self._lock:
            for text in texts:
                self._memo[text] = known[text]
                self._memo.move_to_end(text)
            while len(self._memo) > self._size:
                self._memo.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)
