from __future__ import annotations

import pytest

from index.errors import DocumentNotFoundError, InvalidQueryError
from index.search import Searcher

LAENDER = "002_ef865dbee6ab942a"
BIOCON = "000_845843b92d703299"


def test_hits_are_ranked_and_cited(searcher: Searcher) -> None:
    hits = searcher.search("Optik in Jena", k=3)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].chunk.section == "Freistaat Thüringen"
    assert hits[0].document.id == LAENDER
    assert hits[0].score >= hits[1].score >= hits[2].score
    for h in hits:
        assert h.document.text[h.chunk.start : h.chunk.end] == h.chunk.text


def test_cross_language_query_finds_german_passage(searcher: Searcher) -> None:
    hits = searcher.search("What is the joint innovation strategy of Berlin and Brandenburg?", k=3)
    assert {h.chunk.section for h in hits[:2]} == {"Berlin", "Brandenburg"}


def test_k_limits_results(searcher: Searcher) -> None:
    assert len(searcher.search("Cluster", k=1)) == 1
    assert len(searcher.search("Cluster", k=50)) == 37


def test_language_filter(searcher: Searcher) -> None:
    hits = searcher.search("cluster", k=50, lang="en")
    assert len(hits) == 18
    assert {h.document.language for h in hits} == {"en"}
    assert searcher.search("cluster", k=5, lang="fr") == []


def test_document_filter(searcher: Searcher) -> None:
    hits = searcher.search("Geld", k=50, document_id=BIOCON)
    assert len(hits) == 12
    assert {h.document.id for h in hits} == {BIOCON}


@pytest.mark.parametrize(
    ("query", "k", "message"),
    [
        ("", 5, "The query is empty"),
        ("   \n\t", 5, "The query is empty"),
        ("x" * 1001, 5, "1001 characters; shorten it to at most 1000"),
        ("ok", 0, "k must be between 1 and 50, got 0"),
        ("ok", 51, "k must be between 1 and 50, got 51"),
    ],
)
def test_invalid_queries(searcher: Searcher, query: str, k: int, message: str) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        searcher.search(query, k)


def test_bad_language_code(searcher: Searcher) -> None:
    with pytest.raises(InvalidQueryError, match="two-letter ISO 639-1"):
        searcher.search("x", 5, lang="German")


def test_unknown_document_filter(searcher: Searcher) -> None:
    with pytest.raises(DocumentNotFoundError, match="No document 'nope'"):
        searcher.search("x", 5, document_id="nope")
