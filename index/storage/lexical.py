"""The BM25 index of the chunks (Lucene variant): analysed terms in, scores out.

The index stores and scores terms; it does not analyse text. Passages are analysed on the
write path (`index.ingest`: each passage once, its terms cached), queries on the read path
(`index.retrieval.searcher`: typos corrected against `vocabulary`, the word bridge).

A `LexicalIndex` is made of immutable parts (`LexicalPart`: one segment's `Postings`, the
chunk id of each of its rows, and which rows are still alive). BM25's statistics (number
of chunks, document frequencies, average length) are those of the alive rows of all parts,
computed at query time, so the scores are those of one index built over the alive chunks
alone, bit for bit, whatever the history of writes and deletions.

Rows: part `p`'s local row `r` is the global row `part_offsets[p] + r`, deleted rows
included, so a part's rows keep their numbers while the part lives. Deleted rows are never
matched, returned or counted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import cached_property

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from index.config import BM25_PRUNE_SHARE, BM25_WEIGHT_CACHE_BYTES
from index.storage.lexical_part import LexicalPart, Mask, Rows
from index.storage.postings import (
    average_length,
    bm25_idf,
    bm25_weights,
    reachable_rows,
    sorted_membership,
    sum_by_row,
)
from index.text.analysis import QueryTerm

__all__ = ["LexicalIndex", "LexicalPart", "RowFilter", "Rows", "lexical_from_terms"]


# Which of the given rows a search may return (a boolean per row); see `LexicalIndex.top`.
RowFilter = Callable[[Rows], npt.NDArray[np.bool_]]


class _Known(Collection[str]):
    """Membership in any part's terms, without building their union."""

    def __init__(self, index: LexicalIndex) -> None:
        self._index = index
        self._maps = [p.postings.term_ids for p in index.parts]

    def __contains__(self, term: object) -> bool:
        return any(term in m for m in self._maps)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.vocabulary)

    def __len__(self) -> int:
        return len(self._index.vocabulary)


class LexicalIndex:
    """BM25 (Lucene variant) over the alive rows of immutable parts, addressed by chunk id."""

    def __init__(self, parts: Sequence[LexicalPart] = ()) -> None:
        self.parts: tuple[LexicalPart, ...] = tuple(parts)
        # global row of each part's first row; the last entry is the number of rows
        offsets = np.zeros(len(self.parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in self.parts], out=offsets[1:])
        self.part_offsets: Rows = offsets
        # common terms' weights: they depend on this index's N and average length
        self._common: LRUCache[str, list[tuple[Rows, npt.NDArray[np.float32]]]] = LRUCache(
            BM25_WEIGHT_CACHE_BYTES, getsizeof=_nbytes
        )
        self._lock = threading.Lock()

    def with_changes(
        self, added: Sequence[LexicalPart] = (), deleted: Collection[int] = ()
    ) -> LexicalIndex:
        """This index with the chunk ids `deleted` deleted from its parts, then the parts
        `added` appended (their rows numbered after the existing ones). Unchanged parts
        are shared, with what they have cached."""
        kept = [p.deleting(deleted) for p in self.parts] if deleted else list(self.parts)
        return LexicalIndex([*kept, *added])

    @cached_property
    def row_ids(self) -> Rows:
        """The chunk id of every global row, deleted rows included."""
        if not self.parts:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([p.ids for p in self.parts])

    @cached_property
    def alive_rows(self) -> Mask:
        """Whether each global row is alive."""
        masks = [np.ones(len(p), bool) if p.alive is None else p.alive for p in self.parts]
        return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)

    @cached_property
    def chunk_ids(self) -> tuple[int, ...]:
        """The chunk ids of the alive rows, in row order."""
        return tuple(self.row_ids[self.alive_rows].tolist())

    @cached_property
    def size(self) -> int:
        """The number of alive rows (BM25's N)."""
        return sum(p.alive_count for p in self.parts)

    @cached_property
    def average_length(self) -> float:
        """The mean number of terms of the alive rows (BM25's avgdl)."""
        return average_length(sum(p.alive_length for p in self.parts), self.size)

    @property
    def vocabularies(self) -> tuple[Sequence[str], ...]:
        """Each part's terms, sorted (`vocabulary` without building their union)."""
        return tuple(p.postings.terms for p in self.parts)

    @cached_property
    def vocabulary(self) -> tuple[str, ...]:
        """The indexed terms, sorted: the union of the parts' terms, which may include
        terms only deleted rows hold."""
        if len(self.parts) == 1:
            return self.parts[0].postings.terms
        return tuple(sorted(set().union(*(p.postings.term_ids for p in self.parts))))

    @property
    def known(self) -> Collection[str]:
        """The indexed terms, for fast membership tests (unsorted; see `vocabulary`)."""
        if len(self.parts) == 1:
            return self.parts[0].postings.term_ids.keys()
        return _Known(self)

    def warm(self) -> list[str]:
        """Compute the weights of the commonest terms, commonest first, as long as they fit
        the cache (`BM25_WEIGHT_CACHE_BYTES`): the first queries naming them do not read
        their postings from disk nor weigh them. Returns the terms kept."""
        floor = self.size * BM25_PRUNE_SHARE
        candidates: set[str] = set()
        for part in self.parts:  # a term above the floor is above floor / parts in one part
            postings = part.postings
            counts = np.diff(np.asarray(postings.indptr))
            common = np.flatnonzero(counts > int(floor / len(self.parts)))
            candidates.update(postings.terms[i] for i in common)
        held = {t: self.document_frequency(t) for t in candidates}
        kept = []
        for term in sorted(held, key=lambda t: (-held[t], t)):
            # rows (int64) and weights (float32) of each alive row holding the term
            if (
                held[term] <= floor
                or self._common.currsize + 12 * held[term] > self._common.maxsize
            ):
                break
            self._weights(term, held[term])
            kept.append(term)
        return kept

    def document_frequency(self, term: str) -> int:
        """How many alive rows hold `term`."""
        return sum(p.held_count(term) for p in self.parts)

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of `term`: ln(1 + (N - df + 0.5) / (df + 0.5)),
        with df the number of chunks holding it (0 for a term not indexed)."""
        return bm25_idf(self.document_frequency(term), self.size)

    def scores(self, analysed: Sequence[QueryTerm]) -> dict[int, float]:
        """BM25 score of each chunk holding a term of a query's analysed words (a chunk
        holding none scores 0.0 and is left out)."""
        terms = _terms(analysed)
        held = {t: self.document_frequency(t) for t in dict.fromkeys(terms)}
        _, ids, values = self._match(terms, held)
        return dict(zip(ids.tolist(), values.tolist(), strict=True))

    def top(
        self, analysed: Sequence[QueryTerm], k: int, keep: RowFilter | None = None
    ) -> dict[int, float]:
        """The `k` best-scoring chunks (score > 0, best first; ties by chunk id) among
        those `keep` lets through (all by default; it is given global rows).

        Only the postings of the query's terms are read (of common terms, only those of the
        chunks that can still reach the top `k`: `_reachable`).
        """
        terms = _terms(analysed)
        held = {t: self.document_frequency(t) for t in dict.fromkeys(terms)}
        rows, ids, values = self._match(terms, held, self._reachable(terms, held, k, keep))
        if keep is not None and len(rows):
            kept = keep(rows)
            ids, values = ids[kept], values[kept]
        positive = values > 0
        ids, values = ids[positive], values[positive]
        if len(values) > k > 0:
            # everything scoring at least the k-th best value: the ties at the cut included
            cut = np.partition(values, len(values) - k)[len(values) - k]
            near = values >= cut
            ids, values = ids[near], values[near]
        order = np.lexsort((ids, -values))[: max(k, 0)]
        return {int(ids[i]): float(values[i]) for i in order}

    def holding(self, terms: Collection[str], chunk_ids: Sequence[int]) -> set[int]:
        """Those of `chunk_ids` that hold at least one of `terms` (unknown or deleted ids
        hold none).

        One binary search per chunk and term in the term's postings: the work grows with
        `len(chunk_ids)` (times the number of parts), not with the size of the index.
        """
        wanted = [t for t in terms if t]
        held: set[int] = set()
        if not wanted:
            return held
        for part in self.parts:
            ids, rows = part.local_rows(chunk_ids)
            if not ids:
                continue
            found = np.zeros(len(rows), dtype=bool)
            for term in wanted:
                a, b = part.postings.span(term)
                if b > a:
                    found |= sorted_membership(part.postings.rows[a:b], rows)[1]
            held.update(c for c, hit in zip(ids, found.tolist(), strict=True) if hit)
        return held

    def _reachable(
        self, terms: Sequence[str], held: Mapping[str, int], k: int, keep: RowFilter | None
    ) -> Rows | None:
        """The rows (ascending) that can be among the `k` best for `terms` (of document
        frequencies `held`), read without the postings of the terms more than
        `BM25_PRUNE_SHARE` of the rows hold; None when that rules nothing out."""
        common = {t for t, df in held.items() if df > self.size * BM25_PRUNE_SHARE}
        if k < 1 or not common or len(common) == len(held):
            return None
        bound = sum(bm25_idf(held[t], self.size) for t in terms if t in common)
        rows, _, partial = self._match([t for t in terms if t not in common], held)
        if keep is not None and len(rows):
            kept = keep(rows)
            rows, partial = rows[kept], partial[kept]
        return reachable_rows(rows, partial, bound, k)

    def _match(
        self, terms: Sequence[str], held: Mapping[str, int], within: Rows | None = None
    ) -> tuple[Rows, Rows, npt.NDArray[np.float32]]:
        """The global rows holding one of `terms` (of those `within`, ascending; None: all),
        their chunk ids and BM25 scores (`held`: the terms' document frequencies).

        A term counts as often as `terms` lists it: its postings are read once and its
        weights multiplied by that count. A row's score is summed in float32 in the order
        of the terms' first mention: without a repeated term, the sums bm25s's
        `get_scores_from_ids` gives over the alive rows, bit for bit (`_terms` lists a
        query's terms in bm25s's order); with one, the same to about 1e-7 (bm25s adds a
        term's weight once per mention).
        """
        pieces = []
        for term, count in Counter(terms).items():
            for rows, weights in self._weights(term, held[term], within):
                pieces.append((rows, weights * np.float32(count) if count > 1 else weights))
        if not pieces:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        rows = np.concatenate([r for r, _ in pieces])
        weights = np.concatenate([w for _, w in pieces])
        unique, sums = sum_by_row(rows, weights, int(self.part_offsets[-1]))
        return unique, self.row_ids[unique], sums

    def _weights(
        self, term: str, df: int, within: Rows | None = None
    ) -> list[tuple[Rows, npt.NDArray[np.float32]]]:
        """Per part, the alive rows holding `term` (`df` in all; of those `within`, global,
        ascending; None: all), as global rows, and its BM25 weight in each. Those of a
        common term (held by more than `BM25_PRUNE_SHARE` of the rows) are kept for the
        next query, least recently used out beyond `BM25_WEIGHT_CACHE_BYTES`."""
        if df == 0:
            return []
        if within is not None or df <= self.size * BM25_PRUNE_SHARE:
            return self._part_weights(term, df, within)
        with self._lock:
            kept = self._common.get(term)
        if kept is None:
            kept = self._part_weights(term, df, None)
            for rows, weights in kept:  # shared by the queries from now on
                rows.flags.writeable = weights.flags.writeable = False
            if _nbytes(kept) <= self._common.maxsize:
                with self._lock:
                    self._common[term] = kept
        return kept

    def _part_weights(
        self, term: str, df: int, within: Rows | None
    ) -> list[tuple[Rows, npt.NDArray[np.float32]]]:
        idf = bm25_idf(df, self.size)
        offsets = self.part_offsets
        out = []
        for i, part in enumerate(self.parts):
            if within is None:
                rows, tf = part.postings_of(term)
            else:
                lo, hi = np.searchsorted(within, offsets[i : i + 2])
                rows, tf = part.postings_at(term, within[lo:hi] - offsets[i])
            if len(rows):
                weights = bm25_weights(tf, part.postings.lengths[rows], self.average_length, idf)
                out.append((rows + offsets[i], weights))
        return out


def _nbytes(weights: list[tuple[Rows, npt.NDArray[np.float32]]]) -> int:
    return sum(rows.nbytes + w.nbytes for rows, w in weights)


def _terms(analysed: Sequence[QueryTerm]) -> list[str]:
    """A query's terms in the order bm25s sums them: by word, each word's sorted."""
    return [term for q in analysed for term in sorted(q.terms)]


def lexical_from_terms(chunk_ids: Sequence[int], corpus: Sequence[Sequence[str]]) -> LexicalIndex:
    """The BM25 index of chunks given their terms (`corpus[i]` are those of `chunk_ids[i]`:
    `passage_terms` of its `lexical_text`, see `index.ingest.lexical`): one part."""
    return LexicalIndex([LexicalPart.build(chunk_ids, corpus)])
