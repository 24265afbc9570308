from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.embedding import backends
from index.embedding.backends import load_embedder
from index.embedding.base import Embedder, Vectors, normalise
from index.embedding.combined import CombinedEmbedder, combined_parts, split_spec
from index.embedding.memo import QueryMemo
from index.errors import EmbedderError
from index.storage.cache import PassageCache

E5, USE = "multilingual-e5-small", "use-multilingual-v3"


class Fixed:
    """An embedder whose vectors are fixed per text; it counts the passages it embeds."""

    def __init__(self, name: str, table: dict[str, list[float]]) -> None:
        self.model_id = name
        self.dim = len(next(iter(table.values())))
        self._table = table
        self.embedded: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return normalise([self._table[t] for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        return normalise([self._table[t] for t in texts])


def _pair() -> tuple[Fixed, Fixed]:
    a = Fixed("a", {"x": [1.0, 0.0], "y": [0.0, 1.0]})
    b = Fixed("b", {"x": [0.0, 0.0, 1.0], "y": [0.0, 0.0, 1.0]})
    return a, b


def test_joined_vectors_score_the_shared_sum_of_cosines() -> None:
    a, b = _pair()
    combined = CombinedEmbedder([(a, 0.2), (b, 0.8)])
    x, y = combined.encode_passages(["x", "y"])
    (q,) = combined.encode_queries(["x"])
    assert combined.dim == 5
    np.testing.assert_allclose(x, [np.sqrt(0.2), 0, 0, 0, np.sqrt(0.8)], rtol=1e-6)
    # cosine under a: 1 with x, 0 with y; under b: 1 with both
    assert float(q @ x) == pytest.approx(1.0)
    assert float(q @ y) == pytest.approx(0.8)


def test_shares_are_scaled_to_sum_to_one_and_named_in_the_model_id() -> None:
    a, b = _pair()
    combined = CombinedEmbedder([(a, 1.0), (b, 3.0)])
    assert [share for _, share in combined.parts] == [0.25, 0.75]
    assert combined.model_id == "a*0.25+b*0.75"


@pytest.mark.parametrize(
    ("shares", "message"),
    [((1.0,), "at least two models"), ((1.0, 0.0), "must be positive")],
)
def test_bad_combinations_say_what_is_wrong(shares: tuple[float, ...], message: str) -> None:
    a, b = _pair()
    parts: list[tuple[Embedder, float]] = list(zip((a, b), shares, strict=False))
    with pytest.raises(EmbedderError, match=message):
        CombinedEmbedder(parts)


def test_a_model_named_twice_is_refused() -> None:
    a, _ = _pair()
    with pytest.raises(EmbedderError, match="names a model twice: a\\+a"):
        CombinedEmbedder([(a, 0.5), (a, 0.5)])


def test_join_wants_one_block_per_part() -> None:
    a, b = _pair()
    with pytest.raises(EmbedderError, match="expected 2 parts' vectors, got 1"):
        CombinedEmbedder([(a, 0.5), (b, 0.5)]).join([np.ones((1, 2), np.float32)])


def test_split_spec_takes_shares_from_the_table() -> None:
    assert split_spec("a+b", {"a": 0.3}) == [("a", 0.3), ("b", 1.0)]
    with pytest.raises(EmbedderError, match="empty model name"):
        split_spec("a+", {})


def test_combined_parts_sees_through_the_query_memo() -> None:
    a, b = _pair()
    combined = CombinedEmbedder([(a, 0.5), (b, 0.5)])
    assert combined_parts(QueryMemo(combined)) is combined
    assert combined_parts(QueryMemo(a)) is None


def test_the_cache_keeps_each_parts_vectors_so_new_shares_embed_nothing(
    tmp_path: Path,
) -> None:
    a, b = _pair()
    cache = PassageCache(tmp_path / "cache.sqlite")
    first, new = cache.encode(QueryMemo(CombinedEmbedder([(a, 0.5), (b, 0.5)])), ["x", "y", "x"])
    assert new == 2
    assert a.embedded == ["x", "y"] and b.embedded == ["x", "y"]
    other = CombinedEmbedder([(a, 0.1), (b, 0.9)])
    second, new = cache.encode(other, ["y", "x"])
    assert new == 0
    assert a.embedded == ["x", "y"]
    np.testing.assert_allclose(
        second, other.join([a.encode_queries(["y", "x"]), b.encode_queries(["y", "x"])])
    )
    np.testing.assert_allclose(first[0], first[2])


def test_load_embedder_joins_models_named_with_plus() -> None:
    combined = load_embedder("multilingual-e5-small+use-multilingual-v3")
    assert isinstance(combined, CombinedEmbedder)
    assert combined.model_id == "multilingual-e5-small*0.8+use-multilingual-v3*0.2"
    vectors = combined.encode_passages(["Clusterpolitik in Sachsen"])
    assert vectors.shape == (1, 384 + 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [1.0], rtol=1e-5)


def test_only_the_first_part_gets_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _pair()
    seen: dict[str, int] = {}

    def stand_in(name: str, model: Fixed) -> Callable[[int], Fixed]:
        def make(threads: int) -> Fixed:
            seen[name] = threads
            return model

        return make

    monkeypatch.setattr(backends, "E5Embedder", stand_in(E5, a))
    monkeypatch.setattr(backends, "UseEmbedder", stand_in(USE, b))
    combined = load_embedder(f"{E5}+{USE}", threads=2)
    assert seen == {E5: 2, USE: 1}
    assert isinstance(combined, CombinedEmbedder)
    assert [model for model, _ in combined.parts] == [a, b]


def test_load_embedder_names_the_unknown_part() -> None:
    with pytest.raises(EmbedderError, match="Unknown model 'bert'"):
        load_embedder("use-multilingual-v3+bert")
