"""The write path's BM25 terms: passages analysed, from scratch or from the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.errors import IndexMismatchError
from index.ingest.lexical import cached_terms, load_index, passage_terms_of
from index.storage.cache import PassageCache
from index.storage.lexical import LexicalIndex, LexicalPart, lexical_from_terms
from index.storage.snapshot import create_snapshot, save_index
from index.storage.snapshot import load_index as load_stored_index
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


def _index(terms: list[list[str]], ids: list[int]) -> LexicalIndex:
    return lexical_from_terms(ids, terms)


def test_bm25_ranks_across_languages() -> None:
    lexical = _index(passage_terms_of(CHUNKS, DOCS), [1, 2, 3])
    scores = lexical.scores(query_analysis("Thueringen Cluster"))
    assert max(scores, key=lambda c: scores[c]) == 1
    assert 2 not in scores  # holds neither word
    english = lexical.scores(query_analysis("Förderung Sachsen"))
    assert max(english, key=lambda c: english[c]) == 3
    assert lexical.scores(query_analysis("zzz")) == {}


def test_cached_terms_are_the_same_terms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    full = passage_terms_of(CHUNKS, DOCS)
    assert cached_terms(CHUNKS, DOCS, PassageCache(tmp_path / "cache.sqlite")) == full

    def analyse(text: str, language: str) -> list[str]:
        raise AssertionError(f"analysed {text!r} again")

    monkeypatch.setattr("index.ingest.lexical.passage_terms", analyse)
    restarted = PassageCache(tmp_path / "cache.sqlite")  # the terms come from the file
    assert cached_terms(CHUNKS[::-1], DOCS, restarted) == full[::-1]


def test_load_index_makes_postings_of_another_analysis_version_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = np.eye(3, 4, dtype=np.float32)
    snapshot = create_snapshot(
        CHUNKS,
        vectors,
        list(DOCS.values()),
        model_id="m",
        chunker={},
        corpus_hash="h",
        terms=passage_terms_of(CHUNKS, DOCS),
    )
    save_index(snapshot, tmp_path)
    segment = tmp_path / "segments" / snapshot.segments[0].segment.name
    written = sorted(p.stat().st_mtime_ns for p in (segment / "postings").iterdir())
    monkeypatch.setattr(LexicalPart, "load", classmethod(lambda cls, *a, **k: None))
    with pytest.raises(IndexMismatchError, match=r"another analysis version.*--force"):
        load_stored_index(tmp_path)
    loaded = load_index(tmp_path)
    assert loaded.lexical.chunk_ids == (1, 2, 3)
    for query in QUERIES:
        expected = snapshot.lexical.scores(query_analysis(query))
        assert loaded.lexical.scores(query_analysis(query)) == expected
    # loading writes nothing
    assert sorted(p.stat().st_mtime_ns for p in (segment / "postings").iterdir()) == written
