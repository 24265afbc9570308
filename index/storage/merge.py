"""Merging segments: which to merge (a size-tiered policy) and the merge itself.

Every write adds a segment, and a search asks each live segment, so segments are merged to
keep their number small, as Lucene does: segments of about the same size (the same power
of `MergePolicy.factor` of their live chunks) are merged once there are `factor` of them,
and a segment of which more than `MergePolicy.max_deleted` is deleted is rewritten. The
merged segment holds the live chunks only; the deleted ones are gone from disk once no
commit names their segment.

The merge copies rows: vectors as stored (decoded codes, for an approximate index), BM25
postings without analysing any text again (`merge_postings`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from index.config import MergePolicy, VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.storage.lexical_part import LexicalPart
from index.storage.postings import Postings
from index.storage.segment import Segment, new_segment_name
from index.storage.vectors import build_vectors
from index.storage.views import LiveSegment

__all__ = ["MergePolicy", "merge_postings", "merge_segments", "plan_merge"]

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Sized:
    position: int
    live: int
    total: int


def plan_merge(segments: Sequence[LiveSegment], policy: MergePolicy) -> list[int]:
    """The positions of the segments to merge now (empty: none), in their order.

    First a tier (segments whose live chunks have the same ⌊log_factor⌋) that has `factor`
    segments, the smallest tier first; else a segment with too much of it deleted."""
    sized = [_Sized(i, s.size, len(s.segment)) for i, s in enumerate(segments)]
    tiers: dict[int, list[_Sized]] = {}
    for s in sized:
        tiers.setdefault(_tier(s.live, policy.factor), []).append(s)
    for tier in sorted(tiers):
        members = tiers[tier]
        if len(members) >= policy.factor:
            return [s.position for s in members[: policy.factor]]
    for s in sized:
        if s.total and (s.total - s.live) / s.total > policy.max_deleted:
            return [s.position]
    return []


def _tier(size: int, factor: int) -> int:
    return int(math.log(max(size, 1), factor))


def merge_segments(segments: Sequence[LiveSegment], vector_config: VectorConfig) -> Segment:
    """One segment of the live documents and chunks of `segments`, in their order."""
    chunks: list[Chunk] = []
    documents: dict[str, Document] = {}
    spans: dict[str, tuple[int, int]] = {}
    vectors: list[Vectors] = []
    for live in segments:
        segment = live.segment
        for doc_id, doc in segment.documents.items():
            if doc_id in live.deleted:
                continue
            start, stop = segment.spans[doc_id]
            spans[doc_id] = (len(chunks), len(chunks) + stop - start)
            documents[doc_id] = doc
            chunks.extend(segment.chunks[start:stop])
        rows = _live_rows(live)
        if len(rows):
            vectors.append(segment.vectors.reconstruct_batch(segment.ids[rows]))
    ids = np.fromiter((c.id for c in chunks), dtype=np.int64, count=len(chunks))
    dim = segments[0].segment.vectors.d if segments else 0
    data = np.vstack(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)
    postings = merge_postings([(s.segment.lexical.postings, s.alive) for s in segments])
    lexical = LexicalPart(postings, ids)
    return Segment(
        name=new_segment_name(),
        chunks=tuple(chunks),
        documents=MappingProxyType(documents),
        spans=MappingProxyType(spans),
        vectors=build_vectors(ids, data, vector_config),
        lexical=lexical,
    )


def merge_postings(parts: Sequence[tuple[Postings, Mask | None]]) -> Postings:
    """The postings of the alive rows of `parts` (None: all alive), one after the other:
    what `Postings.build` makes of their terms, without the terms."""
    terms = sorted(set().union(*(p.term_ids for p, _ in parts)))
    number = {t: i for i, t in enumerate(terms)}
    term_of, rows_of, tf_of, lengths = [], [], [], []
    offset = 0
    for postings, alive in parts:
        rows = np.asarray(postings.rows, dtype=np.int64)
        local = np.fromiter((number[t] for t in postings.terms), np.int64, len(postings.terms))
        indptr = np.asarray(postings.indptr, dtype=np.int64)
        held = np.repeat(local, (indptr[1:] - indptr[:-1]).astype(np.int64))
        tf = np.asarray(postings.tf)
        renumbered = np.arange(len(postings), dtype=np.int64)
        if alive is not None:
            kept = alive[rows]
            held, rows, tf = held[kept], rows[kept], tf[kept]
            renumbered = np.cumsum(alive, dtype=np.int64) - 1
        term_of.append(held)
        rows_of.append(renumbered[rows] + offset)
        tf_of.append(tf)
        length = np.asarray(postings.lengths)
        lengths.append(length if alive is None else length[alive])
        offset += len(lengths[-1])
    term = np.concatenate(term_of) if term_of else np.zeros(0, dtype=np.int64)
    row = np.concatenate(rows_of) if rows_of else np.zeros(0, dtype=np.int64)
    tf = np.concatenate(tf_of) if tf_of else np.zeros(0, dtype=np.int32)
    order = np.lexsort((row, term))
    counts = np.bincount(term, minlength=len(terms))
    held_terms = np.flatnonzero(counts)  # a term only deleted rows held is gone
    indptr = np.zeros(len(held_terms) + 1, dtype=np.int64)
    np.cumsum(counts[held_terms], out=indptr[1:])
    return Postings(
        terms=tuple(terms[i] for i in held_terms),
        indptr=indptr,
        rows=row[order].astype(np.int32),
        tf=tf[order].astype(np.int32),
        lengths=(np.concatenate(lengths) if lengths else np.zeros(0)).astype(np.int32),
    )


def _live_rows(live: LiveSegment) -> np.ndarray:
    if live.alive is None:
        return np.arange(len(live.segment), dtype=np.int64)
    return np.flatnonzero(live.alive).astype(np.int64)
