"""One segment's inverted index of analysed terms, and BM25 (Lucene variant) over segments.

`Postings` stores only what does not depend on the rest of the corpus: for each term the
rows holding it (ascending) and how often, and each row's length. BM25's corpus statistics
(number of rows, document frequencies, average length) are passed to the scoring functions
instead of being baked into stored scores, so an index made of several immutable segments,
some of whose rows are deleted, scores every row exactly as one index built over the alive
rows alone would: `bm25_idf` and `bm25_weights` reproduce bm25s's `method="lucene"` weights
bit for bit (same formula, same operation order, same dtypes), and `sum_by_row` adds them
up in float32 as bm25s does.

The empty string is not a term: it is never stored nor matched, but it counts in a row's
length as bm25s counts it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.config import BM25_B, BM25_K1
from index.errors import IndexMismatchError
from index.text.analysis import LEXICAL_VERSION

__all__ = [
    "POSTINGS_FORMAT",
    "Postings",
    "average_length",
    "bm25_idf",
    "bm25_weights",
    "reachable_rows",
    "sorted_membership",
    "sum_by_row",
]

POSTINGS_FORMAT = "postings/1"
_META = "postings.json"
_ARRAYS = ("indptr", "rows", "tf", "lengths")

Int64Array = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Postings:
    """The inverted index of one segment's rows (row i = the segment's i-th chunk).

    The postings of term `terms[t]` are `rows[indptr[t]:indptr[t + 1]]` (ascending) with
    their term frequencies `tf[...]`; `lengths[row]` is the number of terms of the row,
    empty strings included (bm25s's document length). `terms` are sorted.
    """

    terms: tuple[str, ...]
    indptr: Int64Array
    rows: Int32Array
    tf: Int32Array
    lengths: Int32Array
    term_ids: Mapping[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sizes = (len(self.indptr), len(self.rows), len(self.tf))
        ends = (int(self.indptr[0]), int(self.indptr[-1])) if len(self.indptr) else (0, -1)
        if sizes[0] != len(self.terms) + 1 or ends != (0, sizes[1]) or sizes[1] != sizes[2]:
            raise IndexMismatchError(
                f"Postings of {len(self.terms)} terms have inconsistent arrays "
                f"(indptr {sizes[0]}, rows {sizes[1]}, tf {sizes[2]}): the segment is "
                "damaged; delete it and rebuild the index (`clustersearch build`)."
            )
        object.__setattr__(self, "term_ids", {t: i for i, t in enumerate(self.terms)})

    def __len__(self) -> int:
        """The number of rows."""
        return len(self.lengths)

    @classmethod
    def build(cls, corpus: Sequence[Sequence[str]]) -> Postings:
        """The postings of `corpus` (`corpus[i]` are the terms of row i; a term repeated
        counts as often as it appears)."""
        lengths = np.fromiter((len(r) for r in corpus), dtype=np.int64, count=len(corpus))
        vocab: dict[str, int] = {}
        ids = np.fromiter(
            (vocab.setdefault(t, len(vocab)) for t in chain.from_iterable(corpus)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        row = np.repeat(np.arange(len(corpus), dtype=np.int64), lengths)
        empty = vocab.pop("", None)
        if empty is not None:
            kept = ids != empty
            ids, row = ids[kept], row[kept]
            ids -= ids > empty  # close the gap the empty string leaves
        terms = sorted(vocab, key=vocab.__getitem__)  # by id: the ids fixed above
        order = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[order] = np.arange(len(terms))
        n = max(len(corpus), 1)
        keys, tf = np.unique(rank[ids] * n + row, return_counts=True)  # by term, then row
        term_of = keys // n
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_of, minlength=len(terms)), out=indptr[1:])
        return cls(
            terms=tuple(terms[i] for i in order),
            indptr=indptr,
            rows=(keys % n).astype(np.int32),
            tf=tf.astype(np.int32),
            lengths=lengths.astype(np.int32),
        )

    def span(self, term: str) -> tuple[int, int]:
        """Where the postings of `term` lie in `rows` and `tf` (empty when not held)."""
        t = self.term_ids.get(term)
        return (0, 0) if t is None else (int(self.indptr[t]), int(self.indptr[t + 1]))

    def save(self, directory: Path) -> list[Path]:
        """Write the postings into `directory` (created): one .npy per array and a JSON
        of the terms and versions. Returns the files written."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name in _ARRAYS:
            path = directory / f"{name}.npy"
            np.save(path, np.ascontiguousarray(getattr(self, name)), allow_pickle=False)
            written.append(path)
        meta = {"format": POSTINGS_FORMAT, "version": LEXICAL_VERSION, "terms": self.terms}
        (directory / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return [*written, directory / _META]

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> Postings | None:
        """The postings saved in `directory` (arrays memory-mapped read-only with `mmap`),
        or None when absent or written for another format or analysis version."""
        try:
            meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("format") != POSTINGS_FORMAT or meta.get("version") != LEXICAL_VERSION:
            return None
        try:
            arrays = {
                n: np.load(directory / f"{n}.npy", mmap_mode="r" if mmap else None) for n in _ARRAYS
            }
        except (OSError, ValueError):
            return None
        return cls(terms=tuple(meta["terms"]), **arrays)


def bm25_idf(df: int, n: int) -> float:
    """Lucene's inverse document frequency of a term `df` of `n` rows hold:
    ln(1 + (n - df + 0.5) / (df + 0.5)), computed as bm25s does (Python floats)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def average_length(total: int, n: int) -> float:
    """The mean length of `n` rows of `total` terms in all: bm25s's `np.mean` of the
    lengths, which is exact in float64 for integer lengths (0.0 for no rows)."""
    return float(np.float64(total) / n) if n else 0.0


def bm25_weights(
    tf: npt.NDArray[np.integer], lengths: npt.NDArray[np.integer], avgdl: float, idf: float
) -> Float32Array:
    """The BM25 (Lucene) weight of a term in rows of `lengths` holding it `tf` times, given
    its `idf` (`bm25_idf`) and the rows' average length `avgdl` (`average_length`).

    bm25s's float32 scores bit for bit: the idf rounded to float32, the term frequency in
    float32, the length normalisation in float64, the product rounded to float32.
    """
    tf32 = np.asarray(tf, dtype=np.float32)
    norm = BM25_K1 * ((1 - BM25_B) + BM25_B * np.asarray(lengths, dtype=np.float64) / avgdl)
    tfc = tf32 / (norm + tf32)
    weights: Float32Array = (np.float32(idf) * tfc).astype(np.float32)
    return weights


def sorted_membership(
    ascending: npt.NDArray[np.integer], values: npt.NDArray[np.integer]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """For each of `values`, its place in the non-empty `ascending` array (clipped to the
    last) and whether it is there: one binary search each."""
    at = np.minimum(np.searchsorted(ascending, values), len(ascending) - 1)
    held: npt.NDArray[np.bool_] = ascending[at] == values
    return at, held


# Above this many postings per row of the index, summing into one array as long as the
# index beats sorting the postings: at 2M postings of 1M rows, 17 ms against 310 ms
# (numpy 2.4, this machine); below it the sort wins (no array of the index's length).
DENSE_SUM_SHARE = 1 / 64


def sum_by_row(
    rows: Int64Array, weights: Float32Array, n_rows: int
) -> tuple[Int64Array, Float32Array]:
    """The distinct `rows` (ascending, all < `n_rows`) and the sum of their `weights`,
    added in float32 in the order given (so a row's sum is bm25s's, bit for bit)."""
    if len(rows) > n_rows * DENSE_SUM_SHARE:
        dense = np.zeros(n_rows, dtype=np.float32)
        np.add.at(dense, rows, weights)
        held = np.zeros(n_rows, dtype=bool)
        held[rows] = True
        unique = np.flatnonzero(held).astype(np.int64)
        return unique, dense[unique]
    unique, inverse = np.unique(rows, return_inverse=True)
    sums = np.zeros(len(unique), dtype=np.float32)
    np.add.at(sums, inverse, weights)
    return unique.astype(np.int64), sums


# Float32 sums in another order differ by a few units in the last place: bounds are
# compared with this much room, so a passage is never ruled out by rounding.
_SLACK = 1e-3


def reachable_rows(
    rows: Int64Array, partial: Float32Array, bound: float, k: int
) -> Int64Array | None:
    """Of `rows` with `partial` scores (the sums of some of a query's terms), those whose
    whole score may be among the `k` best when the other terms add at most `bound`
    together; None when a row holding none of those terms may be (score them all).

    At least k rows score at least the k-th best partial score; a row whose partial score
    plus `bound` stays below it cannot be among the best, nor tie with them."""
    if k < 1 or len(partial) < k:
        return None
    kth = float(np.partition(partial, len(partial) - k)[len(partial) - k]) * (1 - _SLACK)
    reach = bound * (1 + _SLACK)
    if reach >= kth:
        return None
    reachable: Int64Array = rows[partial.astype(np.float64) + reach >= kth]
    return reachable
