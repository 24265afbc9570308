"""One segment's BM25 part: its rows, their chunk ids, deletions, and what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from index.errors import IndexMismatchError
from index.storage.lexical_part import LexicalPart

# chunk ids 10, 20, 30, 40 are local rows 0-3
PART = LexicalPart.build([10, 20, 30, 40], [["a", "b"], ["a"], ["c", "a", "a"], ["b"]])


def test_postings_of_a_term_skip_deleted_rows() -> None:
    rows, tf = PART.postings_of("a")
    assert rows.tolist() == [0, 1, 2] and tf.tolist() == [1, 1, 2]
    gone = PART.deleting([20, 99])  # 99 is not in the part
    rows, tf = gone.postings_of("a")
    assert rows.tolist() == [0, 2] and tf.tolist() == [1, 2]
    assert gone.held_count("a") == 2 and PART.held_count("a") == 3
    assert gone.postings_of("zzz")[0].tolist() == []


def test_postings_at_given_rows_and_local_rows_of_chunk_ids() -> None:
    gone = PART.deleting([10])
    rows, tf = gone.postings_at("a", np.array([0, 2, 3], dtype=np.int64))
    assert rows.tolist() == [2] and tf.tolist() == [2]
    ids, rows = gone.local_rows([40, 10, 30, 77])  # 10 is deleted, 77 not in the part
    assert ids == [40, 30] and rows.tolist() == [3, 2]
    assert gone.alive_count == 3 and gone.alive_length == 5  # lengths 1 + 3 + 1


def test_inconsistent_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="2 chunk ids for 1 rows"):
        LexicalPart.build([1, 2], [["a"]])
    part = LexicalPart.build([1, 2], [["a"], ["b"]])
    with pytest.raises(IndexMismatchError, match="rebuild the index"):
        LexicalPart(part.postings, np.array([1], dtype=np.int64))
    with pytest.raises(IndexMismatchError, match="3 alive flags"):
        LexicalPart(part.postings, part.ids, np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="1 deletion flags for a part of 2 rows"):
        part.deleting(np.array([True]))
