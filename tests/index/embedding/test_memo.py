"""QueryMemo: search and answer share one model call per question."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from index.embedding.base import Embedder, Vectors
from index.embedding.memo import QueryBatcher, QueryMemo
from index.errors import EmbedderError


def test_query_memo_embeds_each_question_once(embedder: Embedder) -> None:
    calls: list[list[str]] = []

    class Counting:
        model_id, dim = embedder.model_id, embedder.dim

        def encode_queries(self, texts: list[str]) -> object:
            calls.append(list(texts))
            return embedder.encode_queries(texts)

        def encode_passages(self, texts: list[str]) -> object:
            return embedder.encode_passages(texts)

    memo = QueryMemo(Counting(), size=2)  # type: ignore[arg-type]
    first = memo.encode_queries(["a", "b"])
    again = memo.encode_queries(["b", "a"])
    assert calls == [["a", "b"]]
    assert (again[0] == first[1]).all() and (again[1] == first[0]).all()
    memo.encode_queries(["c"])  # evicts the least recently used ("b")
    memo.encode_queries(["a"])
    memo.encode_queries(["b"])
    assert calls == [["a", "b"], ["c"], ["b"]]
    assert memo.model_id == embedder.model_id and memo.dim == embedder.dim


def _fake(dim: int = 3) -> tuple[list[list[str]], threading.Event, Callable[..., Vectors]]:
    """An encoder whose first call waits for the returned event; rows are the texts' lengths."""
    calls: list[list[str]] = []
    release = threading.Event()

    def encode(texts: Sequence[str]) -> Vectors:
        calls.append(list(texts))
        if len(calls) == 1:
            assert release.wait(30)
        if "boom" in texts:
            raise EmbedderError("the model failed")
        return np.array([[len(t)] * dim for t in texts], dtype=np.float32).reshape(-1, dim)

    return calls, release, encode


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the callers never queued"
        time.sleep(0.005)


def test_concurrent_queries_share_one_model_call() -> None:
    calls, release, encode = _fake()
    batcher = QueryBatcher(encode)
    results: dict[str, Vectors] = {}

    def ask(*texts: str) -> None:
        results[texts[0]] = batcher(list(texts))

    first = threading.Thread(target=ask, args=("a",))
    first.start()
    _wait_for(lambda: len(calls) == 1)  # the model is busy with "a"
    others = [threading.Thread(target=ask, args=t) for t in [("bb",), ("ccc", "bb"), ("dddd",)]]
    for thread in others:
        thread.start()
    _wait_for(lambda: batcher.waiting == 3)
    release.set()
    for thread in [first, *others]:
        thread.join(30)
    assert calls[0] == ["a"] and sorted(calls[1]) == ["bb", "ccc", "dddd"]  # once each
    assert (len(calls), batcher.calls) == (2, 2)
    assert results["ccc"].tolist() == [[3.0] * 3, [2.0] * 3]
    assert results["bb"].tolist() == [[2.0] * 3] and results["dddd"].tolist() == [[4.0] * 3]
    assert batcher([]).shape == (0, 3)


def test_every_caller_of_a_failed_batch_gets_the_error() -> None:
    calls, release, encode = _fake()
    batcher = QueryBatcher(encode)
    errors: list[str] = []

    def ask(text: str) -> None:
        try:
            batcher([text])
        except EmbedderError as exc:
            errors.append(f"{text}: {exc}")

    threads = [threading.Thread(target=ask, args=(t,)) for t in ("a", "boom", "ok")]
    threads[0].start()
    _wait_for(lambda: len(calls) == 1)
    for thread in threads[1:]:
        thread.start()
    _wait_for(lambda: batcher.waiting == 2)
    release.set()
    for thread in threads:
        thread.join(30)
    assert sorted(errors) == ["boom: the model failed", "ok: the model failed"]
    assert batcher(["ok"]).tolist() == [[2.0] * 3]  # the next call is fine
