"""Search filters (language, Land, document) as structures built once per snapshot.

A search names at most one language, one Land and one document. What it may return is an
`Allowed`: how many chunks, a test for the BM25 rows of candidates (`LexicalIndex.top`),
and a FAISS selector for the dense search (over chunk ids, the ids FAISS holds).

* Language and Land: the first search with a given (language, Land) pair makes its row
  bitmap (N / 8 bytes) and its `faiss.IDSelectorBatch` (a hash set of the chunk ids);
  every later search reuses them. There are few such pairs (two languages, sixteen
  Länder), so they are kept for the snapshot's life.
* Document: a document's chunks are consecutive rows of its segment; a search within a
  document works on those only (its selector is made per search, from them).

Chunk ids are 63-bit hashes, so membership is tested in row space (the BM25 index's row
numbers: the segments' rows one after the other, deleted ones included) with a packed
bitmap, and FAISS gets a hash set of the ids. No search does work over all chunks: a bitmap
test costs one lookup per candidate row. The rows of each language and Land are listed in
each segment's summary when it is written (`index.storage.summary`), so no snapshot reads
its chunks for them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.storage.lexical import RowFilter, Rows
from index.storage.postings import sorted_membership
from index.storage.segment import Segment
from index.storage.snapshot import IndexSnapshot
from index.storage.views import SegmentFilter

__all__ = ["Allowed", "Filters"]

_Key = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class Allowed:
    """The chunks a search may return: `count` of them; `rows` tests BM25 rows, and
    `selector` (over all chunk ids) or `within` (a filter per segment name, see
    `SegmentVectors.search`) restricts FAISS (all None: every chunk)."""

    count: int
    rows: RowFilter | None = None
    selector: Any = None
    within: Mapping[str, SegmentFilter | None] | None = None


class Filters:
    """The filter structures of one snapshot, made on first use and then kept."""

    def __init__(self, snapshot: IndexSnapshot) -> None:
        self._snapshot = snapshot
        self._lock = threading.Lock()
        self._built = False
        self._ids: Rows = np.zeros(0, dtype=np.int64)
        self._langs: dict[str, Rows] = {}
        self._regions: dict[str, Rows] = {}
        self._sets: dict[_Key, Allowed] = {}

    def prepare(self) -> Filters:
        """List the rows of every language and Land and make the filter of each (once), so
        that no first search by language or Land waits for them; returns self."""
        with self._lock:
            self._build()
            keys: list[_Key] = [(lang, None) for lang in self._langs]
            keys += [(None, region) for region in self._regions]
            for key in keys:
                if key not in self._sets:
                    self._sets[key] = self._make_set(key)
        return self

    def select(self, lang: str | None, region: str | None, document_id: str | None) -> Allowed:
        """What a search within `lang`, `region` (canonical) and `document_id` may return
        (None: no restriction). An unknown document allows nothing."""
        if lang is None and region is None and document_id is None:
            return Allowed(len(self._snapshot.chunks))
        with self._lock:
            self._build()
            if document_id is not None:
                return self._within_document(lang, region, document_id)
            key = (lang, region)
            if key not in self._sets:
                self._sets[key] = self._make_set(key)
            return self._sets[key]

    def _build(self) -> None:
        """Each segment's rows by language and Land (its `summary`, made when it was
        written), moved to the snapshot's row numbers, deleted rows left out."""
        if self._built:
            return
        langs: dict[str, list[Rows]] = {}
        regions: dict[str, list[Rows]] = {}
        offset = 0
        for live in self._snapshot.segments:
            summary = live.segment.summary
            for key, rows in summary.languages.items():
                langs.setdefault(key, []).append(_moved(rows, offset, live.alive))
            for key, rows in summary.regions.items():
                regions.setdefault(key, []).append(_moved(rows, offset, live.alive))
            offset += len(live.segment)
        segments = [live.segment.ids for live in self._snapshot.segments]
        self._ids = np.concatenate(segments) if segments else _EMPTY
        self._langs = {k: np.concatenate(v) for k, v in langs.items()}
        self._regions = {k: np.concatenate(v) for k, v in regions.items()}
        self._built = True

    def _rows(self, key: _Key) -> Rows:
        """The rows in language and Land `key` (sorted)."""
        return _rows_in(self._langs, self._regions, key)

    def _make_set(self, key: _Key) -> Allowed:
        rows = self._rows(key)
        if len(rows) in (0, len(self._snapshot.chunks)):
            return Allowed(len(rows))
        mask = np.zeros(len(self._ids), dtype=bool)
        mask[rows] = True
        bitmap = np.packbits(mask, bitorder="little")

        def test(candidates: Rows) -> npt.NDArray[np.bool_]:
            bits = bitmap[candidates >> 3] >> (candidates & 7).astype(np.uint8)
            held: npt.NDArray[np.bool_] = (bits & 1).astype(bool)
            return held

        within = {
            live.segment.name: only
            for live in self._snapshot.segments
            if (only := _segment_filter(live.segment, key)) is not _NOTHING
        }
        return Allowed(len(rows), test, within=within)

    def _within_document(self, lang: str | None, region: str | None, document_id: str) -> Allowed:
        rows, document = _EMPTY, None
        offset = 0
        for live in self._snapshot.segments:
            if live.holds(document_id):
                document = live.segment.documents[document_id]
                start, stop = live.segment.spans[document_id]
                rows = np.arange(offset + start, offset + stop, dtype=np.int64)
                break
            offset += len(live.segment)
        if document is None or (lang is not None and document.language != lang):
            rows = _EMPTY
        if region is not None and len(rows):
            chunks, ids = self._snapshot.chunks, self._ids
            held = (region in chunks[int(ids[r])].regions for r in rows)
            rows = rows[np.fromiter(held, dtype=bool, count=len(rows))]
        if len(rows) == 0:
            return Allowed(0)
        allowed = rows

        def test(candidates: Rows) -> npt.NDArray[np.bool_]:
            return sorted_membership(allowed, candidates)[1]

        return Allowed(len(rows), test, _selector(self._ids[rows]))


def _rows_in(langs: Mapping[str, Rows], regions: Mapping[str, Rows], key: _Key) -> Rows:
    """The rows (sorted) in language and Land `key` (None: any) of rows listed by each."""
    lang, region = key
    by_lang = langs.get(lang, _EMPTY) if lang is not None else None
    by_region = regions.get(region, _EMPTY) if region is not None else None
    if by_lang is None:
        return by_region if by_region is not None else _EMPTY
    if by_region is None:
        return by_lang
    return np.intersect1d(by_lang, by_region, assume_unique=True)


_NOTHING = object()  # a segment none of whose chunks a filter admits
_SEGMENT_FILTERS: weakref.WeakKeyDictionary[Segment, dict[_Key, Any]] = weakref.WeakKeyDictionary()
_SEGMENT_FILTERS_LOCK = threading.Lock()


def _segment_filter(segment: Segment, key: _Key) -> Any:
    """The filter of the chunks of `segment` in language and Land `key` (None: all of
    them; `_NOTHING`: none), made once per segment for every snapshot that holds it, so
    a write's new snapshot makes only its new segment's."""
    with _SEGMENT_FILTERS_LOCK:
        known = _SEGMENT_FILTERS.setdefault(segment, {})
        if key in known:
            return known[key]
    summary = segment.summary
    rows = _rows_in(summary.languages, summary.regions, key)
    if len(rows) == 0:
        found: Any = _NOTHING
    elif len(rows) == len(segment):
        found = None
    else:
        found = SegmentFilter(_selector(segment.ids[rows]), len(rows) / len(segment))
    with _SEGMENT_FILTERS_LOCK:
        return _SEGMENT_FILTERS.setdefault(segment, {}).setdefault(key, found)


def _moved(rows: Rows, offset: int, alive: npt.NDArray[np.bool_] | None) -> Rows:
    """A segment's `rows`, live ones only, as rows of the snapshot."""
    kept = rows if alive is None else rows[alive[rows]]
    return kept + offset


_EMPTY: Rows = np.zeros(0, dtype=np.int64)


def _selector(ids: Rows) -> Any:
    """A FAISS selector of `ids` (chunk ids); it copies them into its own hash set."""
    return faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
