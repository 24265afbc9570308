"""BM25 over given terms in parts with deletions: scores, top, holding, inverse document
frequency, vocabulary, save and load."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import index.storage.lexical as lexical_module
from index.storage.lexical import LexicalIndex, LexicalPart, Rows, lexical_from_terms
from index.text.analysis import QueryTerm
from tests.index.storage.bm25s_oracle import bm25s_scores

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


def _random_corpus(seed: int, chunks: int = 300) -> tuple[list[int], list[list[str]]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)]
    weights = 1.0 / np.arange(1, 61)  # a few common words, many rare ones
    p = weights / weights.sum()
    corpus = [
        [str(w) for w in rng.choice(words, size=int(rng.integers(1, 30)), p=p)]
        for _ in range(chunks)
    ]
    return [int(i) for i in rng.permutation(10**6)[:chunks]], corpus


def _random_index(seed: int, chunks: int = 300) -> tuple[LexicalIndex, list[str]]:
    ids, corpus = _random_corpus(seed, chunks)
    return lexical_from_terms(ids, corpus), [f"w{i}" for i in range(60)]


def test_scores_are_bm25s_sums() -> None:
    ids, corpus = _random_corpus(7)
    index = lexical_from_terms(ids, corpus)
    # bit for bit without a repeated term; a repeated one is read once, its weight doubled
    assert index.scores(_query("w0", "w1", "w2")) == bm25s_scores(
        ids, corpus, _query("w0", "w1", "w2")
    )
    assert index.scores(_query("w30")) == bm25s_scores(ids, corpus, _query("w30"))
    repeated = _query("w5", "w59", "w5", "nope")
    assert index.scores(repeated) == pytest.approx(bm25s_scores(ids, corpus, repeated), rel=1e-6)


def counting_weights(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The terms whose weights are computed from the postings, in order, from now on."""
    calls: list[str] = []
    compute = LexicalIndex._part_weights

    def counted(self: LexicalIndex, term: str, df: int, within: Rows | None) -> Any:
        calls.append(term)
        return compute(self, term, df, within)

    monkeypatch.setattr(LexicalIndex, "_part_weights", counted)
    return calls


# "a" is held by 30 of 40 chunks, "r" by 10, "b" by 20
SKEWED = [["a", "r"], ["a"], ["a", "b"], ["b"]] * 10


def test_common_terms_weights_are_computed_once_per_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical_module, "BM25_PRUNE_SHARE", 0.5)  # common: held by > 20
    calls = counting_weights(monkeypatch)
    index = lexical_from_terms(range(40), SKEWED)
    first = index.scores(_query("a", "r"))
    assert index.scores(_query("a", "r")) == first
    assert calls == ["a", "r", "r"]
    # a changed index has other statistics: its own weights, those of a fresh index
    changed = index.with_changes(deleted=range(8))
    fresh = lexical_from_terms(range(8, 40), SKEWED[8:])
    assert changed.scores(_query("a", "r")) == fresh.scores(_query("a", "r"))
    assert changed.scores(_query("a", "r")) != first


def test_weights_larger_than_the_cache_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical_module, "BM25_PRUNE_SHARE", 0.5)
    monkeypatch.setattr(lexical_module, "BM25_WEIGHT_CACHE_BYTES", 30 * 12 - 1)  # "a": 30 rows
    calls = counting_weights(monkeypatch)
    index = lexical_from_terms(range(40), SKEWED)
    index.scores(_query("a"))
    index.scores(_query("a"))
    assert calls == ["a", "a"]


def test_warm_keeps_the_commonest_terms_that_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical_module, "BM25_PRUNE_SHARE", 0.2)  # common: held by > 8
    monkeypatch.setattr(lexical_module, "BM25_WEIGHT_CACHE_BYTES", (30 + 20) * 12)
    calls = counting_weights(monkeypatch)
    index = lexical_from_terms(range(40), SKEWED)
    assert index.warm() == ["a", "b"]  # "r" (10 rows) no longer fits
    assert calls == ["a", "b"]
    index.scores(_query("a", "b", "r"))
    assert calls == ["a", "b", "r"]
    assert LexicalIndex().warm() == []


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


def test_an_empty_index_holds_and_scores_nothing() -> None:
    empty = lexical_from_terms([], [])
    assert empty.scores(_query("a")) == empty.top(_query("a"), 5) == {}
    assert empty.holding({"a"}, [1]) == set()


def test_vocabulary_is_sorted_and_known_answers_membership() -> None:
    index = lexical_from_terms([1, 2, 3], TERMS)
    assert index.vocabulary == tuple(sorted({t for terms in TERMS for t in terms}))
    assert "forschung" in index.known and "forsch" not in index.known


def test_idf_is_bm25s_inverse_document_frequency() -> None:
    index = lexical_from_terms([7, 8, 9], [["clust", "netz"], ["clust"], ["geld"]])
    assert index.idf("clust") == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))
    assert index.idf("geld") == pytest.approx(math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)))
    # a term the index does not hold is as rare as can be
    assert index.idf("österreich") == index.idf("") == pytest.approx(math.log(8.0))


# --- parts and deletions -------------------------------------------------------------------

# part A: chunks 1, 2, 3 (global rows 0-2); part B: chunks 4, 5 (rows 3-4); 2 and 5 deleted
PART_A = ([1, 2, 3], [["a", "b"], ["a"], ["c", "c", "a"]])
PART_B = ([4, 5], [["b"], ["a", "d"]])


def _parted() -> LexicalIndex:
    index = LexicalIndex([LexicalPart.build(*PART_A), LexicalPart.build(*PART_B)])
    return index.with_changes(deleted={2, 5})


def _lucene(tf: int, df: int, length: int) -> float:
    """Lucene BM25 in the alive rows of `_parted` (3 chunks, 6 terms)."""
    idf = math.log(1 + (3 - df + 0.5) / (df + 0.5))
    return idf * tf / (tf + 1.2 * (0.25 + 0.75 * length / 2.0))


def test_deleted_rows_are_never_matched_nor_counted() -> None:
    index = _parted()
    assert (index.size, index.average_length) == (3, 2.0)
    assert index.chunk_ids == (1, 3, 4)
    assert index.row_ids.tolist() == [1, 2, 3, 4, 5]
    assert index.alive_rows.tolist() == [True, False, True, True, False]
    assert index.part_offsets.tolist() == [0, 3, 5]
    assert index.scores(_query("a")) == {
        1: pytest.approx(_lucene(1, 2, 2), rel=1e-6),
        3: pytest.approx(_lucene(1, 2, 3), rel=1e-6),
    }
    assert index.scores(_query("c", "b")) == {
        1: pytest.approx(_lucene(1, 2, 2), rel=1e-6),
        3: pytest.approx(_lucene(2, 1, 3), rel=1e-6),
        4: pytest.approx(_lucene(1, 2, 1), rel=1e-6),
    }
    # "d" only a deleted chunk holds: known, but it matches nothing and its df is 0
    assert index.scores(_query("d")) == index.top(_query("d"), 5) == {}
    assert index.idf("d") == math.log(1 + 3.5 / 0.5)
    assert index.idf("a") == math.log(1 + 1.5 / 2.5)
    assert index.holding({"a", "d"}, [1, 2, 3, 4, 5]) == {1, 3}


def test_parts_with_deletions_score_as_a_fresh_index_of_the_alive_chunks() -> None:
    fresh = lexical_from_terms([1, 3, 4], [["a", "b"], ["c", "c", "a"], ["b"]])
    index = _parted()
    for query in (_query("a"), _query("b", "c", "a"), _query("a", "a", "d")):
        assert index.scores(query) == fresh.scores(query)
        assert index.top(query, 2) == fresh.top(query, 2)
    assert index.idf("b") == fresh.idf("b")


def test_keep_is_given_global_rows() -> None:
    index = _parted()
    seen: list[list[int]] = []

    def second_part(rows: Rows) -> npt.NDArray[np.bool_]:
        seen.append(rows.tolist())
        kept: npt.NDArray[np.bool_] = rows >= 3
        return kept

    assert list(index.top(_query("b"), 5, second_part)) == [4]
    assert list(index.top(_query("a"), 5, second_part)) == []
    assert seen == [[0, 3], [0, 2]]  # the alive rows holding the terms, deleted ones never


def test_top_breaks_ties_by_chunk_id_across_parts() -> None:
    build = LexicalPart.build
    tied = LexicalIndex([build([9], [["a"]]), build([4, 6], [["a"], ["b"]]), build([2], [["a"]])])
    assert list(tied.top(_query("a"), 2)) == [2, 4]
    assert list(tied.top(_query("a", "b"), 4)) == [6, 2, 4, 9]


def test_vocabulary_is_the_sorted_union_and_known_a_view_of_the_parts() -> None:
    index = _parted()
    assert index.vocabulary == ("a", "b", "c", "d")
    known = index.known
    assert "d" in known and "c" in known and "e" not in known and "" not in known
    assert sorted(known) == list(index.vocabulary) and len(known) == 4
    assert LexicalIndex().vocabulary == () and "a" not in LexicalIndex().known


def test_a_chunk_deleted_in_one_part_and_added_in_another() -> None:
    old = LexicalIndex([LexicalPart.build([7, 8], [["x"], ["x", "z"]])])
    index = old.with_changes([LexicalPart.build([7], [["y"]])], deleted={7})
    assert index.chunk_ids == (8, 7)
    assert index.holding({"x"}, [7]) == set() and index.holding({"y"}, [7]) == {7}
    assert list(index.scores(_query("x", "y"))) == [8, 7]
    assert old.chunk_ids == (7, 8)  # the old index is untouched


def test_with_changes_shares_the_parts_it_does_not_change() -> None:
    index = _parted()
    added = LexicalPart.build([6], [["e"]])
    changed = index.with_changes([added], deleted={4, 99})
    assert changed.parts[0] is index.parts[0] and changed.parts[2] is added
    assert changed.parts[1] is not index.parts[1]
    assert changed.parts[1].postings is index.parts[1].postings
    assert changed.chunk_ids == (1, 3, 6) and index.chunk_ids == (1, 3, 4)
    part = index.parts[0]
    assert part.deleting([99]) is part and part.deleting(np.zeros(3, bool)) is part
    assert part.deleting(np.array([True, False, False])).alive.tolist() == [False, False, True]


def test_an_index_of_no_parts_is_empty() -> None:
    empty = LexicalIndex()
    assert empty.chunk_ids == () and empty.size == 0 and empty.row_ids.tolist() == []
    assert empty.scores(_query("a")) == empty.top(_query("a"), 3) == {}
    assert empty.holding({"a"}, [1]) == set() and empty.idf("a") == math.log(2.0)


def test_parts_save_and_load_round_trip(tmp_path: Path) -> None:
    index = _parted()
    part = index.parts[0]
    part.save(tmp_path / "a")
    loaded = LexicalPart.load(tmp_path / "a", [1, 2, 3], part.alive)
    assert loaded is not None and isinstance(loaded.postings.rows, np.memmap)
    assert LexicalIndex([loaded, index.parts[1]]).scores(_query("a", "b")) == index.scores(
        _query("a", "b")
    )
    assert LexicalPart.load(tmp_path / "missing", [1]) is None
