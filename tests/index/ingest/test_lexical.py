"""The write path's BM25: passages analysed into terms, from scratch or from the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.ingest.lexical import build_lexical, cached_lexical, load_index
from index.storage.cache import PassageCache
from index.storage.snapshot import create_snapshot, save_index
from index.text.analysis import query_analysis

DOCS = {
    "de": Document(id="de", title="Länder", language="de", source="s", text="x"),
    "en": Document(id="en", title="Report", language="en", source="s", text="x"),
}
CHUNKS = [
    Chunk(
        1,
        "de",
        0,
        0,
        1,
        "Die Clusterpolitik in Thüringen fördert Netzwerke.",
        "Freistaat Thüringen",
    ),
    Chunk(2, "de", 1, 0, 1, "Bayern unterstützt die Forschung.", "Freistaat Bayern"),
    Chunk(3, "en", 0, 0, 1, "Funding for cluster networks in Saxony.", None),
]
QUERIES = ("Thueringen Cluster", "Förderung Sachsen", "Clusterpolitik", "zzz")


def test_bm25_ranks_across_languages() -> None:
    lexical = build_lexical(CHUNKS, DOCS)
    scores = lexical.scores(query_analysis("Thueringen Cluster"))
    assert max(scores, key=lambda c: scores[c]) == 1
    assert 2 not in scores  # holds neither word
    english = lexical.scores(query_analysis("Förderung Sachsen"))
    assert max(english, key=lambda c: english[c]) == 3
    assert lexical.scores(query_analysis("zzz")) == {}


def test_cached_terms_make_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = build_lexical(CHUNKS, DOCS)
    first = cached_lexical(CHUNKS, DOCS, PassageCache(tmp_path / "cache.sqlite"))

    def analyse(text: str, language: str) -> list[str]:
        raise AssertionError(f"analysed {text!r} again")

    monkeypatch.setattr("index.ingest.lexical.passage_terms", analyse)
    restarted = PassageCache(tmp_path / "cache.sqlite")  # the terms come from the file
    again = cached_lexical(CHUNKS[::-1], DOCS, restarted)
    assert len(restarted.chunk_terms) == 3
    for made in (first, again):
        assert made.vocabulary == full.vocabulary
        for query in QUERIES:
            assert made.scores(query_analysis(query)) == full.scores(query_analysis(query))
    assert again.chunk_ids == (3, 2, 1)


def test_load_index_rebuilds_a_missing_bm25_index(tmp_path: Path) -> None:
    vectors = np.eye(3, 4, dtype=np.float32)
    snapshot = create_snapshot(
        CHUNKS,
        vectors,
        list(DOCS.values()),
        model_id="m",
        chunker={},
        corpus_hash="h",
        lexical=build_lexical(CHUNKS, DOCS),
    )
    build = save_index(snapshot, tmp_path)
    for path in (build / "bm25").iterdir():
        path.unlink()
    loaded = load_index(tmp_path)
    assert loaded.lexical.chunk_ids == (1, 2, 3)
    for query in QUERIES:
        expected = snapshot.lexical.scores(query_analysis(query))
        assert loaded.lexical.scores(query_analysis(query)) == expected
    assert list((build / "bm25").iterdir()) == []  # loading writes nothing
