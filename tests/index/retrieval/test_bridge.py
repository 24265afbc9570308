from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.config import BridgeConfig, RankingConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.retrieval.bridge import WordBridge, _most_held
from index.retrieval.searcher import Searcher
from index.text.analysis import query_analysis

# Hand-made 3-d "meanings": words on the same axis mean the same thing.
MEANING = {
    "mitarbeiter": (1.0, 0.0, 0.0),
    "employees": (0.9, 0.1, 0.0),
    "zuversicht": (0.0, 1.0, 0.0),
    "trust": (0.0, 0.7, 0.7),
    "rostock": (0.0, 0.0, 1.0),
}


class FakeEmbedder:
    model_id = "fake"
    dim = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def _encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        rows = np.array([MEANING.get(t, (0.3, 0.3, 0.3)) for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


DOCS = {
    "en": Document(id="en", title="T", language="en", source="s", text="x"),
    "de": Document(id="de", title="T", language="de", source="s", text="x"),
}
CHUNKS = [
    Chunk(1, "en", 0, 0, 1, "The 16 employees in Rostock and the trust of it.", None),
    Chunk(2, "de", 0, 0, 1, "Zuversicht ist gut.", None),
]


def test_build_collects_each_languages_words_without_stop_words_or_short_ones() -> None:
    bridge = WordBridge.build(CHUNKS, DOCS, FakeEmbedder())
    assert bridge.words == {"de": ("zuversicht",), "en": ("employees", "rostock", "trust")}


def test_build_embeds_the_words_with_the_given_encoder() -> None:
    embedder = FakeEmbedder()
    encoded: list[list[str]] = []

    def encode(words: Sequence[str]) -> Vectors:
        encoded.append(list(words))
        return FakeEmbedder().encode_passages(words)

    bridge = WordBridge.build(CHUNKS, DOCS, embedder, encode=encode)
    assert encoded == [["zuversicht"], ["employees", "rostock", "trust"]]
    assert embedder.calls == []  # words only through `encode`; the query word below is not
    analysed = query_analysis("Mitarbeiter")
    expanded = bridge.expand(analysed, BridgeConfig())
    assert (sorted(expanded[0].terms - analysed[0].terms), embedder.calls) == (
        ["employe"],
        [["mitarbeiter"]],
    )


def test_expand_adds_the_nearest_word_above_the_threshold() -> None:
    bridge = WordBridge.build(CHUNKS, DOCS, FakeEmbedder())
    analysed = query_analysis("Mitarbeiter Zuversicht")
    expanded = bridge.expand(analysed, BridgeConfig(threshold=0.6))
    added = {q.source: sorted(q.terms - a.terms) for q, a in zip(expanded, analysed, strict=True)}
    # "Mitarbeiter" ~ "employees" (0.99); "Zuversicht" is itself a German passage word, and
    # its English neighbour "trust" (cosine 0.71) passes 0.6 ...
    assert added == {"Mitarbeiter": ["employe"], "Zuversicht": ["trust"]}
    # ... but not 0.8.
    strict = bridge.expand(analysed, BridgeConfig(threshold=0.8))
    assert {q.source: sorted(q.terms - a.terms) for q, a in zip(strict, analysed, strict=True)} == {
        "Mitarbeiter": ["employe"],
        "Zuversicht": [],
    }


def test_land_names_numbers_and_short_words_are_not_bridged() -> None:
    embedder = FakeEmbedder()
    bridge = WordBridge.build(CHUNKS, DOCS, embedder)
    embedder.calls.clear()
    analysed = query_analysis("Saxony 2025 Amt")
    assert bridge.expand(analysed, BridgeConfig()) == analysed
    assert embedder.calls == []  # nothing was worth embedding


def test_empty_corpus_bridges_nothing() -> None:
    bridge = WordBridge.build([], {}, FakeEmbedder())
    analysed = query_analysis("Mitarbeiter")
    assert bridge.expand(analysed, BridgeConfig()) == analysed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 0.0}, "threshold must be within"),
        ({"threshold": 1.5}, "threshold must be within"),
        ({"neighbours": 0}, "neighbours must be at least 1"),
        ({"min_chars": 0}, "min_chars must be at least 1"),
    ],
)
def test_config_validation(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BridgeConfig(**kwargs)  # type: ignore[arg-type]


def test_german_question_reaches_the_english_passage(searcher: Searcher) -> None:
    # No term-map pair translates "Mitarbeiter"; the model's word bridge does.
    (word,) = searcher.analyse("Mitarbeiter")
    assert "employe" in word.terms
    hit = searcher.search("Wie viele Mitarbeiter arbeiten bei BioCon Valley?", k=1)[0]
    assert "16 employees work" in hit.chunk.text
    marked = {(hit.chunk.text[h.start : h.end], h.term) for h in hit.highlights}
    assert ("employees", "Mitarbeiter") in marked


def test_bridge_can_be_turned_off_and_is_shared(searcher: Searcher) -> None:
    plain = searcher.with_ranking(RankingConfig(bridge=None))
    assert plain.analyse("Mitarbeiter") == searcher.correct("Mitarbeiter")
    assert plain._bridge is searcher._bridge


def test_query_word_vectors_are_cached() -> None:
    embedder = FakeEmbedder()
    bridge = WordBridge.build(CHUNKS, DOCS, embedder)
    embedder.calls.clear()
    bridge.expand(query_analysis("Mitarbeiter"), BridgeConfig())
    bridge.expand(query_analysis("Mitarbeiter Zuversicht"), BridgeConfig())
    assert embedder.calls == [["mitarbeiter"], ["zuversicht"]]


def test_no_bridge_into_a_language_that_has_the_word_already() -> None:
    bridge = WordBridge.build(CHUNKS, DOCS, FakeEmbedder())
    analysed = query_analysis("Rostock")
    # "rostock" is an English passage word: its English neighbour "trust" (cosine 0.71)
    # would only be noise; no German word is near it.
    assert bridge.expand(analysed, BridgeConfig(threshold=0.6)) == analysed
    # "trust" is English too, but reaches German "Zuversicht".
    (trust,) = bridge.expand(query_analysis("trust"), BridgeConfig(threshold=0.6))
    assert "zuversicht" in trust.terms


def test_a_word_every_language_has_is_not_embedded() -> None:
    both = [*CHUNKS, Chunk(3, "de", 1, 0, 1, "Rostock hat Zuversicht.", None)]
    embedder = FakeEmbedder()
    bridge = WordBridge.build(both, DOCS, embedder)
    embedder.calls.clear()
    analysed = query_analysis("Rostock trust")
    rostock = bridge.expand(analysed, BridgeConfig(threshold=0.6))[0]
    assert rostock == analysed[0]  # German and English passages hold it: nothing to ask
    assert embedder.calls == [["trust"]]  # only German passages lack it


MANY = [
    Chunk(1, "en", 0, 0, 1, "trust employees rostock", None),
    Chunk(2, "en", 1, 0, 1, "trust employees", None),
    Chunk(3, "en", 2, 0, 1, "trust zebra", None),
    Chunk(4, "de", 0, 0, 1, "Zuversicht", None),
]


def test_only_the_words_most_passages_hold_are_embedded() -> None:
    encoded: list[list[str]] = []

    def encode(words: Sequence[str]) -> Vectors:
        encoded.append(list(words))
        return FakeEmbedder().encode_passages(words)

    bridge = WordBridge.build(MANY, DOCS, FakeEmbedder(), encode=encode, max_words=2)
    # trust: 3 passages, employees: 2, rostock and zebra: 1 each
    assert bridge.words == {"de": ("zuversicht",), "en": ("employees", "trust")}
    assert encoded == [["zuversicht"], ["employees", "trust"]]
    # a tie at the cut goes to the alphabetically first word
    three = WordBridge.build(MANY, DOCS, FakeEmbedder(), max_words=3)
    assert three.words["en"] == ("employees", "rostock", "trust")


def test_a_word_left_out_still_counts_as_present() -> None:
    bridge = WordBridge.build(MANY, DOCS, FakeEmbedder(), max_words=2)
    # "rostock" was not embedded, but English passages hold it: no bridge into English
    assert bridge.expand(query_analysis("Rostock"), BridgeConfig()) == query_analysis("Rostock")


def test_max_words_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_words must be at least 1, got 0"):
        WordBridge.build(MANY, DOCS, FakeEmbedder(), max_words=0)


def test_nearest_is_the_head_of_a_stable_argsort() -> None:
    from index.retrieval.bridge import _nearest

    rng = np.random.default_rng(1)
    for _ in range(50):
        sims = rng.integers(0, 5, size=int(rng.integers(1, 40))).astype(np.float32)  # ties
        for n in (1, 2, 3, 50):
            expected = np.argsort(-sims, kind="stable")[:n]
            assert _nearest(sims, n).tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text("abc", min_size=1, max_size=3), st.integers(1, 4), max_size=30),
    st.integers(1, 35),
)
def test_most_held_words_are_those_of_a_sort_by_count_then_word(
    counts: dict[str, int], limit: int
) -> None:
    df = Counter(counts)
    expected = sorted(sorted(df, key=lambda w: (-df[w], w))[:limit])
    assert _most_held(df, limit) == expected
