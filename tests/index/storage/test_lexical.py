"""BM25 over given terms: scores, inverse document frequency, save and load."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from index.storage.lexical import LexicalIndex, Rows, lexical_from_terms
from index.text.analysis import QueryTerm

TERMS = [["clusterpolit", "clust", "polit", "thuring"], ["bay", "forschung"], ["cluster", "saxoni"]]


def _query(*terms: str) -> list[QueryTerm]:
    return [QueryTerm(t, frozenset({t}), frozenset({t})) for t in terms]


# Lucene BM25 of a term held once by a chunk of `length` terms, in TERMS (3 chunks, 8 terms)
def _bm25(df: int, length: int) -> float:
    idf = math.log(1 + (3 - df + 0.5) / (df + 0.5))
    return idf / (1 + 1.2 * (1 - 0.75 + 0.75 * length / (8 / 3)))


def test_scores_of_the_chunks_holding_the_given_terms() -> None:
    index = lexical_from_terms([1, 2, 3], TERMS)
    scores = index.scores(_query("thuring", "clust"))
    assert scores == {1: pytest.approx(2 * _bm25(1, 4), rel=1e-6)}
    both = index.scores(_query("thuring", "bay"))
    assert both == {1: pytest.approx(_bm25(1, 4), rel=1e-6), 2: pytest.approx(_bm25(1, 2))}
    assert index.scores(_query("zzz")) == index.scores([]) == {}


def _random_index(seed: int, chunks: int = 300) -> tuple[LexicalIndex, list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)]
    weights = 1.0 / np.arange(1, 61)  # a few common words, many rare ones
    corpus = [
        list(rng.choice(words, size=int(rng.integers(1, 30)), p=weights / weights.sum()))
        for _ in range(chunks)
    ]
    ids = [int(i) for i in rng.permutation(10**6)[:chunks]]
    return lexical_from_terms(ids, corpus), words


def test_scores_are_bm25s_sums_bit_for_bit() -> None:
    index, _ = _random_index(7)
    retriever = index._retriever
    for query in (_query("w0", "w1", "w2"), _query("w5", "w5", "w59", "nope"), _query("w30")):
        # the same term ids in the same order as bm25s is given them
        ids = [retriever.vocab_dict[t] for q in query for t in sorted(q.terms) if t != "nope"]
        full = retriever.get_scores_from_ids(ids)
        expected = {cid: float(full[i]) for i, cid in enumerate(index.chunk_ids) if full[i] > 0}
        assert index.scores(query) == expected


def test_top_is_the_best_k_with_ties_by_chunk_id() -> None:
    index, _ = _random_index(3)
    query = _query("w0", "w7", "w12")
    everything = sorted(index.scores(query).items(), key=lambda t: (-t[1], t[0]))
    for k in (1, 5, 40, 1000):
        assert list(index.top(query, k).items()) == everything[:k]
    # equal scores: the lower chunk id first, also at the cut
    tied = lexical_from_terms([9, 4, 6, 2], [["a"], ["a"], ["b"], ["a"]])
    assert list(tied.top(_query("a"), 2)) == [2, 4]
    assert list(tied.top(_query("a", "b"), 4)) == [6, 2, 4, 9]
    assert tied.top(_query("a"), 0) == {}
    assert tied.top(_query("zzz"), 3) == {}


def test_top_keeps_only_the_rows_the_filter_lets_through() -> None:
    index = lexical_from_terms([10, 20, 30], [["a", "b"], ["a"], ["a", "a"]])
    seen: list[list[int]] = []

    def odd_rows(rows: Rows) -> npt.NDArray[np.bool_]:
        seen.append(rows.tolist())
        kept: npt.NDArray[np.bool_] = rows % 2 == 1
        return kept

    assert list(index.top(_query("a"), 5, odd_rows)) == [20]
    assert seen == [[0, 1, 2]]  # asked about the chunks holding "a" only
    assert index.top(_query("b"), 5, odd_rows) == {}


def test_holding_tells_which_chunks_hold_a_term() -> None:
    index = lexical_from_terms([1, 2, 3], TERMS)
    assert index.holding({"clust", "bay"}, [3, 2, 1]) == {1, 2}
    assert index.holding({"cluster"}, [1, 2]) == set()
    assert index.holding({"zzz", ""}, [1, 2, 3]) == set()
    assert index.holding({"clust"}, [99]) == set()  # not a chunk of the index
    assert index.holding(set(), [1]) == set()


def test_holding_agrees_with_the_scores_on_a_larger_index() -> None:
    index, _ = _random_index(11)
    chunk_ids = list(index.chunk_ids)
    for word in ("w0", "w3", "w44"):
        assert index.holding({word}, chunk_ids) == set(index.scores(_query(word)))


def test_unsorted_postings_are_sorted_once() -> None:
    index, _ = _random_index(5)
    query = _query("w1", "w2")
    expected_scores, expected_held = index.scores(query), index.holding({"w1"}, index.chunk_ids)
    scores = index._retriever.scores
    indptr = scores["indptr"]
    rng = np.random.default_rng(0)
    order = np.concatenate([a + rng.permutation(b - a) for a, b in itertools.pairwise(indptr)])
    scores["data"], scores["indices"] = scores["data"][order], scores["indices"][order]
    assert not np.array_equal(scores["indices"][indptr[1] : indptr[2]],
                              np.sort(scores["indices"][indptr[1] : indptr[2]]))  # fmt: skip
    shuffled = LexicalIndex(index._retriever, index.chunk_ids)
    assert shuffled.scores(query) == expected_scores
    assert shuffled.holding({"w1"}, shuffled.chunk_ids) == expected_held


def test_an_empty_index_holds_and_scores_nothing() -> None:
    empty = lexical_from_terms([], [])
    assert empty.scores(_query("a")) == empty.top(_query("a"), 5) == {}
    assert empty.holding({"a"}, [1]) == set()


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
