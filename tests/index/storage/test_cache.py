from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedding.base import Vectors
from index.storage.cache import CACHE_NAME, PassageCache


class CountingEmbedder:
    """Deterministic 2-d vectors from the text's length; records every text it embeds."""

    model_id = "counting"
    dim = 2

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.encode_passages(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_encode_embeds_each_distinct_text_once_and_keeps_the_order(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    cache = PassageCache(tmp_path / CACHE_NAME)
    vectors, new = cache.encode(embedder, ["ab", "abcd", "ab", "a"])
    assert embedder.embedded == ["ab", "abcd", "a"]
    assert new == 3
    assert vectors.tolist() == [[2.0, 1.0], [4.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    vectors, new = cache.encode(embedder, ["a", "xyz"])
    assert embedder.embedded == ["ab", "abcd", "a", "xyz"]
    assert (new, vectors.tolist()) == (1, [[1.0, 1.0], [3.0, 1.0]])


def test_encode_reuses_vectors_across_restarts_and_separates_models(tmp_path: Path) -> None:
    PassageCache(tmp_path / CACHE_NAME).encode(CountingEmbedder(), ["ab", "abc"])
    restarted = CountingEmbedder()
    vectors, new = PassageCache(tmp_path / CACHE_NAME).encode(restarted, ["abc", "ab"])
    assert (restarted.embedded, new, vectors.tolist()) == ([], 0, [[3.0, 1.0], [2.0, 1.0]])
    other = CountingEmbedder()
    other.model_id = "another-model"
    PassageCache(tmp_path / CACHE_NAME).encode(other, ["ab"])
    assert other.embedded == ["ab"]


def test_encode_of_nothing(tmp_path: Path) -> None:
    vectors, new = PassageCache(tmp_path / CACHE_NAME).encode(CountingEmbedder(), [])
    assert (vectors.shape, new) == ((0, 2), 0)
