"""Postings of one segment, BM25 over several, and their equivalence with bm25s itself."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.storage.lexical as lexical_module
from index.config import BM25_B, BM25_K1
from index.errors import IndexMismatchError
from index.storage.lexical import LexicalIndex, LexicalPart, lexical_from_terms
from index.storage.postings import (
    Postings,
    average_length,
    bm25_idf,
    bm25_weights,
    reachable_rows,
    sum_by_row,
)
from index.text.analysis import LEXICAL_VERSION, QueryTerm
from tests.index.storage.bm25s_oracle import bm25s_scores, repeats_a_term

CORPUS = [["b", "a", "", "a"], [], ["c", "b"], ["a"]]


def test_build_stores_sorted_terms_ascending_rows_and_frequencies() -> None:
    postings = Postings.build(CORPUS)
    assert postings.terms == ("a", "b", "c")
    assert postings.term_ids == {"a": 0, "b": 1, "c": 2}
    assert postings.indptr.tolist() == [0, 2, 4, 5]
    assert postings.rows.tolist() == [0, 3, 0, 2, 2]
    assert postings.tf.tolist() == [2, 1, 1, 1, 1]
    # the empty string is no term, but it counts in the length, as in bm25s
    assert postings.lengths.tolist() == [4, 0, 2, 1]
    assert (postings.indptr.dtype, postings.rows.dtype) == (np.int64, np.int32)
    assert (postings.tf.dtype, postings.lengths.dtype) == (np.int32, np.int32)
    assert postings.span("b") == (2, 4) and postings.span("") == postings.span("z") == (0, 0)
    assert len(postings) == 4


def test_empty_corpora() -> None:
    for corpus in ([], [[]], [[""], []]):
        postings = Postings.build(corpus)
        assert postings.terms == () and postings.indptr.tolist() == [0]
        assert postings.rows.tolist() == postings.tf.tolist() == []
        assert postings.lengths.tolist() == [len(r) for r in corpus]


def test_inconsistent_arrays_are_refused() -> None:
    good = Postings.build(CORPUS)
    with pytest.raises(IndexMismatchError, match="rebuild the index"):
        Postings(good.terms[:2], good.indptr, good.rows, good.tf, good.lengths)
    with pytest.raises(IndexMismatchError, match="inconsistent arrays"):
        Postings(good.terms, good.indptr, good.rows[:-1], good.tf[:-1], good.lengths)
    with pytest.raises(IndexMismatchError):
        Postings(good.terms, good.indptr, good.rows, good.tf[:-1], good.lengths)


def test_save_and_load_round_trip_memory_mapped(tmp_path: Path) -> None:
    postings = Postings.build(CORPUS)
    files = postings.save(tmp_path / "seg")
    names = ["indptr.npy", "rows.npy", "tf.npy", "lengths.npy", "postings.json"]
    assert files == [tmp_path / "seg" / n for n in names]
    meta = json.loads((tmp_path / "seg" / "postings.json").read_text(encoding="utf-8"))
    assert meta == {"format": "postings/1", "version": LEXICAL_VERSION, "terms": ["a", "b", "c"]}
    for mmap in (True, False):
        loaded = Postings.load(tmp_path / "seg", mmap=mmap)
        assert loaded is not None
        assert isinstance(loaded.rows, np.memmap) is mmap
        assert loaded.terms == postings.terms and loaded.term_ids == postings.term_ids
        for name in ("indptr", "rows", "tf", "lengths"):
            assert getattr(loaded, name).tolist() == getattr(postings, name).tolist()
            assert getattr(loaded, name).dtype == getattr(postings, name).dtype
    assert Postings.load(tmp_path / "missing") is None


def test_load_refuses_another_analysis_version_or_format(tmp_path: Path) -> None:
    Postings.build(CORPUS).save(tmp_path)
    meta_path = tmp_path / "postings.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "version": LEXICAL_VERSION + 1}), encoding="utf-8")
    assert Postings.load(tmp_path) is None
    meta_path.write_text(json.dumps({**meta, "format": "postings/0"}), encoding="utf-8")
    assert Postings.load(tmp_path) is None
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    (tmp_path / "tf.npy").unlink()
    assert Postings.load(tmp_path) is None


def test_bm25_functions_by_hand() -> None:
    assert bm25_idf(1, 3) == math.log(1 + 2.5 / 1.5)
    assert bm25_idf(0, 0) == math.log(2.0)
    assert average_length(7, 4) == 1.75 and average_length(0, 0) == 0.0
    weights = bm25_weights(np.array([2, 1]), np.array([4, 2]), 1.75, 1.0)
    assert weights.dtype == np.float32
    expected = [t / (t + 1.2 * (0.25 + 0.75 * n / 1.75)) for t, n in ((2, 4), (1, 2))]
    assert weights.tolist() == pytest.approx(expected, rel=1e-7)


def test_weights_are_bm25s_score_matrix_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(40)]
    corpus = [list(rng.choice(words, size=int(rng.integers(0, 50)))) for _ in range(200)]
    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    retriever.index(corpus, show_progress=False)
    postings = Postings.build(corpus)
    avgdl = average_length(int(postings.lengths.sum()), len(corpus))
    for term, t in postings.term_ids.items():
        a, b = postings.indptr[t], postings.indptr[t + 1]
        rows = postings.rows[a:b]
        weights = bm25_weights(postings.tf[a:b], postings.lengths[rows], avgdl,
                               bm25_idf(int(b - a), len(corpus)))  # fmt: skip
        col = retriever.vocab_dict[term]
        lo, hi = retriever.scores["indptr"][col], retriever.scores["indptr"][col + 1]
        assert retriever.scores["indices"][lo:hi].tolist() == rows.tolist()
        assert weights.tobytes() == retriever.scores["data"][lo:hi].tobytes()


# --- equivalence with one bm25s index over the alive chunks --------------------------------

WORDS = ["a", "b", "c", "d", "e", ""]


_rows = st.lists(st.lists(st.sampled_from(WORDS), max_size=7), min_size=1, max_size=6)
_queries = st.lists(
    st.frozensets(st.sampled_from([*WORDS, "zzz"]), min_size=1, max_size=3), max_size=4
).map(lambda words: [QueryTerm("q", w, w) for w in words])


@settings(max_examples=150, deadline=None)
@given(
    segments=st.lists(st.tuples(_rows, st.data()), min_size=1, max_size=4),
    query=_queries,
)
def test_segments_with_deletions_score_as_one_fresh_bm25s_index(
    segments: list[tuple[list[list[str]], st.DataObject]], query: list[QueryTerm]
) -> None:
    index, terms_of, next_id = LexicalIndex(), {}, 0
    for rows, data in segments:
        ids = list(range(next_id, next_id + len(rows)))
        next_id += len(rows)
        alive = sorted(terms_of)
        gone = data.draw(st.lists(st.sampled_from(alive), unique=True) if alive else st.just([]))
        index = index.with_changes([LexicalPart.build(ids, rows)], gone)
        for cid in gone:
            del terms_of[cid]
        terms_of.update(zip(ids, rows, strict=True))
    alive_ids = list(terms_of)
    corpus = [terms_of[c] for c in alive_ids]
    fresh = lexical_from_terms(alive_ids, corpus).scores(query)
    assert index.scores(query) == fresh  # bit for bit, whatever the history
    expected = bm25s_scores(alive_ids, corpus, query)
    assert fresh == (pytest.approx(expected, rel=1e-6) if repeats_a_term(query) else expected)
    assert index.chunk_ids == tuple(alive_ids)
    assert index.size == len(alive_ids)
    everything = sorted(fresh.items(), key=lambda t: (-t[1], t[0]))
    assert list(index.top(query, 3).items()) == everything[:3]
    for word in ("a", "e", ""):
        df = sum(word in terms for terms in corpus) if word else 0
        assert index.idf(word) == bm25_idf(df, len(corpus))
        held = {c for c in alive_ids if word and word in terms_of[c]}
        assert index.holding({word}, [*range(next_id), 999]) == held
    assert set(index.known) >= {t for terms in corpus for t in terms if t}


@settings(max_examples=60, deadline=None)
@given(rows=_rows, data=st.data(), query=_queries)
def test_deleting_by_mask_equals_deleting_by_id(
    rows: list[list[str]], data: st.DataObject, query: list[QueryTerm]
) -> None:
    ids = [10 * i + 3 for i in range(len(rows))]
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))))
    part = LexicalPart.build(ids, rows)
    by_mask = LexicalIndex([part.deleting(mask)])
    by_id = LexicalIndex([part.deleting([c for c, d in zip(ids, mask, strict=True) if d])])
    assert by_mask.scores(query) == by_id.scores(query)
    kept = [i for i, d in enumerate(mask) if not d]
    expected = bm25s_scores([ids[i] for i in kept], [rows[i] for i in kept], query)
    assert by_mask.scores(query) == pytest.approx(expected, rel=1e-6)


def test_sum_by_row_adds_in_the_order_given() -> None:
    rows = np.asarray([3, 1, 3, 0, 3], dtype=np.int64)
    weights = np.asarray([1e8, 2.0, 1.0, 0.5, -1e8], dtype=np.float32)
    for n_rows in (4, 10**6):  # summed into a dense array / after a sort
        unique, sums = sum_by_row(rows, weights, n_rows)
        assert unique.tolist() == [0, 1, 3]
        # float32, in order: (1e8 + 1) rounds to 1e8, so row 3 sums to 0.0, not 1.0
        assert sums.tolist() == [0.5, 2.0, 0.0]
        assert sums.dtype == np.float32


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.floats(-1e6, 1e6, width=32)), max_size=200))
def test_sum_by_row_is_the_same_dense_or_sorted(pairs: list[tuple[int, float]]) -> None:
    rows = np.asarray([r for r, _ in pairs], dtype=np.int64)
    weights = np.asarray([w for _, w in pairs], dtype=np.float32)
    dense = sum_by_row(rows, weights, 41)
    if len(rows) > 0:
        assert len(rows) > 41 / 64  # the dense branch ran
    by_sort = sum_by_row(rows, weights, 10**7)
    assert dense[0].tolist() == by_sort[0].tolist() == sorted(set(rows.tolist()))
    assert dense[1].tobytes() == by_sort[1].tobytes()


# --- top k without reading the postings of common terms ----------------------------------

_COMMON = ["a", "b"]
_RARE = [f"r{i}" for i in range(12)]
_skewed_rows = st.lists(
    st.lists(st.sampled_from(_COMMON * 6 + _RARE), max_size=8), min_size=8, max_size=60
)
_skewed_queries = st.lists(
    st.frozensets(st.sampled_from(_COMMON + _RARE + ["zzz"]), min_size=1, max_size=3),
    min_size=1,
    max_size=4,
).map(lambda words: [QueryTerm("q", w, w) for w in words])


def _top(index: LexicalIndex, query: list[QueryTerm], k: int, share: float, **kw: Any) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lexical_module, "BM25_PRUNE_SHARE", share)
        return list(index.top(query, k, **kw).items())


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(_skewed_rows, min_size=1, max_size=3),
    data=st.data(),
    query=_skewed_queries,
    k=st.integers(1, 8),
)
def test_top_k_is_the_same_when_common_terms_are_read_only_where_they_matter(
    parts: list[list[list[str]]], data: st.DataObject, query: list[QueryTerm], k: int
) -> None:
    index, next_id = LexicalIndex(), 0
    for rows in parts:
        ids = list(range(next_id, next_id + len(rows)))
        gone = data.draw(st.lists(st.integers(0, max(next_id - 1, 0)), max_size=5))
        index = index.with_changes([LexicalPart.build(ids, rows)], gone if next_id else [])
        next_id += len(rows)
    odd = data.draw(st.booleans())
    keep = (lambda rows: rows % 2 == 1) if odd else None
    assert _top(index, query, k, 0.2, keep=keep) == _top(index, query, k, 2.0, keep=keep)


def test_common_terms_are_read_only_for_the_rows_that_can_reach_the_top() -> None:
    # "a" is held by 17 of 30 rows; row 1 scores less than row 0 by "r1" (it is longer),
    # and more in all by "a": it must stay a candidate, the rows holding only "a" need not.
    rows = [["r1", "x", "x", "x"], ["r1", "a", "x", "x", "x"]] + [["a"]] * 16 + [["y"]] * 12
    index = LexicalIndex([LexicalPart.build(list(range(len(rows))), rows)])
    query = [QueryTerm("q", frozenset({w}), frozenset({w})) for w in ("r1", "a")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lexical_module, "BM25_PRUNE_SHARE", 0.5)
        held = {t: index.document_frequency(t) for t in ("r1", "a")}
        reachable = index._reachable(["r1", "a"], held, 1, None)
    assert reachable is not None and reachable.tolist() == [0, 1]
    assert _top(index, query, 1, 0.5) == _top(index, query, 1, 2.0)
    assert [cid for cid, _ in _top(index, query, 1, 0.5)] == [1]


def test_reachable_rows_by_hand() -> None:
    rows = np.asarray([1, 4, 9], dtype=np.int64)
    partial = np.asarray([5.0, 1.0, 3.0], dtype=np.float32)
    assert reachable_rows(rows, partial, 1.0, 2).tolist() == [1, 9]  # 1.0 + 1.0 < 3.0
    assert reachable_rows(rows, partial, 2.5, 2).tolist() == [1, 4, 9]  # 1 + 2.5 reaches 3
    assert reachable_rows(rows, partial, 3.0, 2) is None  # a row with none may tie at 3
    assert reachable_rows(rows, partial, 0.1, 4) is None  # fewer than k rows hold a rare term
