"""Filters made once per snapshot: counts, BM25 row tests, FAISS selectors."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from index.config import VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.retrieval.filters import Allowed, Filters
from index.storage.segment import make_segment
from index.storage.snapshot import IndexSnapshot, create_snapshot

DOCS = [
    Document(id="de1", title="A", language="de", source="s", text="x"),
    Document(id="de2", title="B", language="de", source="s", text="x"),
    Document(id="en1", title="C", language="en", source="s", text="x"),
]
# (chunk id, document, regions); ids are large like the hashed ones of real chunks
LAYOUT = [
    (9_000_000_000_000_000_001, "de1", ("Sachsen",)),
    (4_000_000_000_000_000_002, "de1", ()),
    (7_000_000_000_000_000_003, "de2", ("Sachsen", "Bayern")),
    (1_000_000_000_000_000_004, "en1", ("Sachsen",)),
    (5_000_000_000_000_000_005, "en1", ("Bayern",)),
    (3_000_000_000_000_000_006, "de2", ()),
]
IDS = [cid for cid, _, _ in LAYOUT]


def _snapshot() -> IndexSnapshot:
    chunks = [Chunk(cid, doc, 0, 0, 1, "t", None, regions) for cid, doc, regions in LAYOUT]
    vectors = np.eye(len(chunks), 8, dtype=np.float32)
    return create_snapshot(
        chunks,
        vectors,
        DOCS,
        model_id="m",
        chunker={},
        corpus_hash="h",
        terms=[["t"]] * len(chunks),
    )


def _chunks(allowed: Allowed, snapshot: IndexSnapshot) -> set[int]:
    """The chunk ids `allowed` lets through, asked both ways (rows and FAISS)."""
    ids = snapshot.lexical.row_ids.tolist()  # the segment holds each document's chunks together
    rows = np.arange(len(ids), dtype=np.int64)
    by_rows = {ids[r] for r in rows[allowed.rows(rows)]} if allowed.rows else set(ids)
    params = faiss.SearchParameters(sel=allowed.selector) if allowed.selector else None
    query = np.ones((1, 8), dtype=np.float32)
    _, found = snapshot.faiss_index.search(query, len(IDS), params=params, within=allowed.within)
    by_faiss = {int(c) for c in found[0] if c >= 0}
    assert by_rows == by_faiss
    assert allowed.count == len(by_rows)
    return by_rows


def test_no_filter_allows_everything_without_a_selector() -> None:
    snapshot = _snapshot()
    allowed = Filters(snapshot).select(None, None, None)
    assert allowed == Allowed(6)
    assert _chunks(allowed, snapshot) == set(IDS)


def test_language_land_and_both() -> None:
    snapshot = _snapshot()
    filters = Filters(snapshot).prepare()
    assert _chunks(filters.select("de", None, None), snapshot) == {IDS[0], IDS[1], IDS[2], IDS[5]}
    assert _chunks(filters.select(None, "Sachsen", None), snapshot) == {IDS[0], IDS[2], IDS[3]}
    assert _chunks(filters.select("en", "Bayern", None), snapshot) == {IDS[4]}
    assert _chunks(filters.select("de", "Bayern", None), snapshot) == {IDS[2]}


def test_each_segment_filter_knows_the_share_it_admits() -> None:
    snapshot = _snapshot()
    filters = Filters(snapshot)
    (name,) = [live.segment.name for live in snapshot.segments]
    german = filters.select("de", None, None).within
    assert german is not None and german[name] is not None and german[name].share == 4 / 6
    saxon = filters.select("en", "Sachsen", None).within
    assert saxon is not None and saxon[name] is not None and saxon[name].share == 1 / 6


def test_within_a_document() -> None:
    snapshot = _snapshot()
    filters = Filters(snapshot)
    assert _chunks(filters.select(None, None, "de2"), snapshot) == {IDS[2], IDS[5]}
    assert _chunks(filters.select("de", "Sachsen", "de2"), snapshot) == {IDS[2]}
    assert _chunks(filters.select(None, "Sachsen", "en1"), snapshot) == {IDS[3]}


def test_filters_nothing_matches_allow_nothing() -> None:
    filters = Filters(_snapshot())
    assert filters.select("fr", None, None) == Allowed(0)
    assert filters.select(None, "Hessen", None) == Allowed(0)
    assert filters.select("en", None, "de1") == Allowed(0)  # the document is German
    assert filters.select(None, "Bayern", "de1") == Allowed(0)
    assert filters.select(None, None, "nope") == Allowed(0)


def test_a_filter_every_chunk_passes_needs_no_selector() -> None:
    english = [Document(id=d.id, title=d.title, language="en", source="s", text="x") for d in DOCS]
    chunks = [Chunk(cid, doc, 0, 0, 1, "t", None, regions) for cid, doc, regions in LAYOUT]
    snapshot = create_snapshot(
        chunks,
        np.eye(6, 8, dtype=np.float32),
        english,
        model_id="m",
        chunker={},
        corpus_hash="h",
        terms=[["t"]] * 6,
    )
    assert Filters(snapshot).select("en", None, None) == Allowed(6)


def test_each_language_and_land_is_made_once() -> None:
    filters = Filters(_snapshot())
    first = filters.select("de", "Sachsen", None)
    assert filters.select("de", "Sachsen", None) is first
    assert filters.select("de", None, None) is not first


def test_prepare_makes_each_language_and_land_before_the_first_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filters = Filters(_snapshot()).prepare()
    made = {"de": filters.select("de", None, None), "Bayern": filters.select(None, "Bayern", None)}
    monkeypatch.setattr(faiss, "IDSelectorBatch", None)  # no selector is made from here on
    assert filters.select("de", None, None) is made["de"]
    assert filters.select("en", None, None).count == 2
    assert filters.select(None, "Sachsen", None).count == 3
    assert filters.select(None, "Bayern", None) is made["Bayern"]


def test_filters_span_segments_and_leave_deleted_rows_out() -> None:
    """de2 replaced: its old chunks are deleted in the first segment, its new one is in a
    second segment; rows of both segments are numbered one after the other."""
    old = _snapshot()
    new_chunk = Chunk(8_000_000_000_000_000_007, "de2", 0, 0, 1, "t", None, ("Bayern",))
    segment = make_segment([new_chunk], np.eye(1, 8, dtype=np.float32), [DOCS[1]], [["t"]],
                           VectorConfig())  # fmt: skip
    snapshot = old.changed(["de2"], segment, old.manifest)
    filters = Filters(snapshot)
    assert _chunks(filters.select("de", None, None), snapshot) == {IDS[0], IDS[1], new_chunk.id}
    assert _chunks(filters.select(None, "Bayern", None), snapshot) == {IDS[4], new_chunk.id}
    assert _chunks(filters.select(None, None, "de2"), snapshot) == {new_chunk.id}
    assert filters.select(None, "Sachsen", "de2") == Allowed(0)
    # the first segment's selectors are the old snapshot's: only the new segment's are made
    before = Filters(old).select("de", None, None).within
    after = filters.select("de", None, None).within
    assert before is not None and after is not None
    first = old.segments[0].segment.name
    assert after[first] is before[first]
    assert set(after) == {first, segment.name}
    assert after[segment.name] is None  # every chunk of the new segment is German
    english = filters.select("en", None, None).within
    assert english is not None and set(english) == {first}  # the new segment holds none
