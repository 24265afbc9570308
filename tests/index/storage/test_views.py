"""Live segments read as one index: deleted documents are gone from every view."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from index.config import VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.storage.segment import make_segment
from index.storage.views import ChunkView, DocumentView, LiveSegment, SegmentVectors


def _doc(doc_id: str, text: str = "v1") -> Document:
    return Document(id=doc_id, title=doc_id, language="en", source="s", text=text)


def _chunk(cid: int, doc_id: str, ordinal: int = 0) -> Chunk:
    return Chunk(id=cid, document_id=doc_id, ordinal=ordinal, start=0, end=1, text=doc_id,
                 section=None)  # fmt: skip


def _basis(rows: list[int]) -> np.ndarray:
    """Unit vectors along the given axes of 8."""
    return np.eye(8, dtype=np.float32)[rows]


# "a" (ids 1, 2) and "b" (id 3) first; then "a" replaced: its new chunks reuse id 1.
OLD = make_segment([_chunk(1, "a"), _chunk(2, "a", 1), _chunk(3, "b")], _basis([0, 1, 2]),
                   [_doc("a"), _doc("b")], [["a"], ["a"], ["b"]], VectorConfig())  # fmt: skip
NEW = make_segment([_chunk(1, "a"), _chunk(4, "a", 1)], _basis([0, 3]), [_doc("a", "v2")],
                   [["a"], ["a"]], VectorConfig())  # fmt: skip
LIVE = (LiveSegment(OLD).deleting(["a", "zzz"]), LiveSegment(NEW))


def test_deleting_records_only_documents_the_segment_holds() -> None:
    assert LIVE[0].deleted == frozenset({"a"})
    assert LIVE[0].size == 1 and LIVE[1].size == 2
    assert LIVE[0].dead_rows.tolist() == [0, 1]
    assert LIVE[0].alive is not None and LIVE[0].alive.tolist() == [False, False, True]
    assert LIVE[1].alive is None
    assert LIVE[1].deleting(["b"]) is LIVE[1]
    assert LIVE[0].ref() == {"name": OLD.name, "chunks": 3, "deleted": ["a"]}


def test_chunk_view_sees_live_chunks_only() -> None:
    view = ChunkView(LIVE)
    assert len(view) == 3
    assert list(view) == [3, 1, 4]
    assert view[1] is NEW.chunks[0]  # the live chunk, not the deleted one of the same id
    assert 2 not in view and view.get(2) is None
    with pytest.raises(KeyError):
        view[2]


def test_document_view_sees_live_documents_only() -> None:
    view = DocumentView(LIVE)
    assert len(view) == 2
    assert list(view) == ["b", "a"]
    assert view["a"].text == "v2"
    assert "zzz" not in view


def test_vectors_search_live_chunks_of_every_segment() -> None:
    vectors = SegmentVectors(LIVE, 8)
    assert vectors.ntotal == 3
    scores, ids = vectors.search(_basis([1, 0]), 3)
    assert ids[0].tolist()[0] != 2  # deleted: never found
    assert sorted(ids[0].tolist()) == [1, 3, 4]
    assert ids[1].tolist()[0] == 1 and scores[1, 0] == pytest.approx(1.0)
    _, deep = vectors.search(_basis([0]), 5)
    assert deep[0].tolist()[3:] == [-1, -1]


def test_vectors_search_within_a_selection() -> None:
    vectors = SegmentVectors(LIVE, 8)
    wanted = faiss.IDSelectorBatch(np.asarray([2, 3], dtype=np.int64))
    params = faiss.SearchParameters(sel=wanted)  # type: ignore[call-arg]
    _, ids = vectors.search(_basis([1]), 3, params=params)
    assert ids[0].tolist() == [3, -1, -1]  # 2 is selected but deleted
