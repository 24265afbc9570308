"""BM25 over given terms: scores, inverse document frequency, save and load."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from index.storage.lexical import LexicalIndex, lexical_from_terms
from index.text.analysis import QueryTerm

TERMS = [["clusterpolit", "clust", "polit", "thuring"], ["bay", "forschung"], ["cluster", "saxoni"]]


def _query(*terms: str) -> list[QueryTerm]:
    return [QueryTerm(t, frozenset({t}), frozenset({t})) for t in terms]


def test_scores_of_the_given_terms() -> None:
    index = lexical_from_terms([1, 2, 3], TERMS)
    scores = index.scores(_query("thuring", "clust"))
    assert max(scores, key=lambda c: scores[c]) == 1
    assert scores[2] == scores[3] == 0.0
    assert index.scores(_query("zzz")) == {1: 0.0, 2: 0.0, 3: 0.0}
    assert index.scores([]) == {1: 0.0, 2: 0.0, 3: 0.0}


def test_vocabulary_is_sorted_and_known_answers_membership() -> None:
    index = lexical_from_terms([1, 2, 3], TERMS)
    assert index.vocabulary == tuple(sorted({t for terms in TERMS for t in terms}))
    assert "forschung" in index.known and "forsch" not in index.known


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    lexical = lexical_from_terms([1, 2, 3], TERMS)
    files = lexical.save(tmp_path / "bm25")
    assert (tmp_path / "bm25" / "lexical.json") in files
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded is not None
    assert loaded.chunk_ids == (1, 2, 3)
    query = _query("clusterpolit", "clust", "polit")
    assert loaded.scores(query) == lexical.scores(query)
    assert LexicalIndex.load(tmp_path / "missing") is None


def test_idf_is_bm25s_inverse_document_frequency() -> None:
    index = lexical_from_terms([7, 8, 9], [["clust", "netz"], ["clust"], ["geld"]])
    assert index.idf("clust") == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))
    assert index.idf("geld") == pytest.approx(math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)))
    # a term the index does not hold is as rare as can be
    assert index.idf("österreich") == index.idf("") == pytest.approx(math.log(8.0))
