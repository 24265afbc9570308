"""Which segments merge (size tiers, deletions) and what a merge keeps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.config import MergePolicy, VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import normalise
from index.storage.lexical import LexicalIndex
from index.storage.merge import merge_postings, merge_segments, plan_merge
from index.storage.postings import Postings
from index.storage.segment import make_segment
from index.storage.views import LiveSegment
from index.text.analysis import QueryTerm

RNG = np.random.default_rng(5)


def _segment(docs: dict[str, int], deleted: frozenset[str] = frozenset()) -> LiveSegment:
    """A segment of documents with the given numbers of chunks, one term each."""
    documents = [Document(id=d, title=d, language="de", source="s", text="x" * 50) for d in docs]
    chunks = [
        Chunk(id=abs(hash((d, i))) % 10**12, document_id=d, ordinal=i, start=i, end=i + 1,
              text=f"{d}{i}", section=None)
        for d, n in docs.items()
        for i in range(n)
    ]  # fmt: skip
    vectors = normalise(RNG.standard_normal((len(chunks), 8)).astype(np.float32))
    terms = [[c.document_id, c.text] for c in chunks]
    return LiveSegment(make_segment(chunks, vectors, documents, terms, VectorConfig()), deleted)


def _term(term: str) -> QueryTerm:
    return QueryTerm(term, frozenset({term}), frozenset({term}))


def _sized(*sizes: int) -> list[LiveSegment]:
    return [_segment({f"s{i}": n}) for i, n in enumerate(sizes)]


def test_a_full_tier_merges_smallest_tier_first() -> None:
    policy = MergePolicy(factor=3)
    assert plan_merge(_sized(5, 1, 1, 2), policy) == [1, 2, 3]  # tier 0: sizes 1-2
    assert plan_merge(_sized(1, 5, 1, 3, 4), policy) == [1, 3, 4]  # tier 1: sizes 3-8
    assert plan_merge(_sized(9, 1, 1), policy) == []


def test_a_mostly_deleted_segment_is_rewritten() -> None:
    half = _segment({"a": 2, "b": 2, "c": 1}, deleted=frozenset({"a", "b"}))
    assert half.size == 1
    assert plan_merge([_segment({"x": 3}), half], MergePolicy(factor=10)) == [1]
    assert plan_merge([half], MergePolicy(factor=10, max_deleted=0.9)) == []


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="factor ≥ 2"):
        MergePolicy(factor=1)
    with pytest.raises(ValueError, match="max_deleted ≤ 1"):
        MergePolicy(max_deleted=0.0)


def test_merge_keeps_live_rows_in_order_with_their_vectors_and_terms() -> None:
    first = _segment({"a": 2, "b": 3}, deleted=frozenset({"a"}))
    second = _segment({"c": 1, "d": 2}, deleted=frozenset({"d"}))
    merged = merge_segments([first, second], VectorConfig())
    assert list(merged.documents) == ["b", "c"]
    assert dict(merged.spans) == {"b": (0, 3), "c": (3, 4)}
    assert [c.text for c in merged.chunks] == ["b0", "b1", "b2", "c0"]
    for chunk, old in zip(merged.chunks, [*first.segment.chunks[2:], second.segment.chunks[0]],
                          strict=True):  # fmt: skip
        assert chunk is old
        np.testing.assert_array_equal(
            merged.vectors.reconstruct(chunk.id), first.segment.vectors.reconstruct(chunk.id)
            if chunk.document_id == "b" else second.segment.vectors.reconstruct(chunk.id)
        )  # fmt: skip
    index = LexicalIndex([merged.lexical])
    assert index.chunk_ids == tuple(c.id for c in merged.chunks)
    assert set(index.scores([_term("b1")])) == {merged.chunks[1].id}
    assert set(index.scores([_term("b")])) == {c.id for c in merged.chunks[:3]}
    assert index.scores([_term("a0")]) == {}  # only a deleted row held it: gone
    assert "a0" not in index.known


_TERMS = st.lists(st.lists(st.sampled_from(["a", "b", "c", "", "dd"]), max_size=5), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_TERMS, st.data()), min_size=1, max_size=4))
def test_merged_postings_equal_postings_built_from_the_live_rows(
    parts: list[tuple[list[list[str]], st.DataObject]],
) -> None:
    given_parts, live_rows = [], []
    for corpus, data in parts:
        alive = np.asarray(data.draw(st.lists(st.booleans(), min_size=len(corpus),
                                              max_size=len(corpus))), dtype=bool)  # fmt: skip
        given_parts.append((Postings.build(corpus), None if alive.all() else alive))
        live_rows.extend(row for row, keep in zip(corpus, alive, strict=True) if keep)
    merged, built = merge_postings(given_parts), Postings.build(live_rows)
    assert merged.terms == built.terms
    for name in ("indptr", "rows", "tf", "lengths"):
        assert np.array_equal(getattr(merged, name), getattr(built, name)), name
