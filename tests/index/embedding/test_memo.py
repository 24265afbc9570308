"""QueryMemo: search and answer share one model call per question."""

from __future__ import annotations

from index.embedding.base import Embedder
from index.embedding.memo import QueryMemo


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
