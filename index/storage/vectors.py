"""The passage vectors: one FAISS index, chosen by how many vectors it holds.

Up to `VectorConfig.exact_max` vectors the index is exact (`IDMap2,Flat`: inner product over
every vector); above, an inverted-file index of 8-bit codes (`IVF<lists>,SQ8`) that searches
`nprobe` of its lists. Both keep the chunk ids themselves. Each index segment has its own
(`index.storage.segment`), chosen by the segment's size, and is never changed once made.

`VectorIndex.search` takes what `faiss.Index.search` takes, including a plain
`faiss.SearchParameters(sel=...)` filter, which an IVF index would refuse: it is turned into
the IVF's own parameters with the index's `nprobe`. A filtered search that fills fewer than
`k` places from the probed lists (a filter that keeps few vectors) is repeated over every
list, so a filter never loses vectors it admits for want of probing.

A saved index is loaded memory-mapped (`faiss.IO_FLAG_MMAP_IFC`): the codes stay in the
page cache instead of being copied into the process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.config import IVF_POSTFILTER_MARGIN, IVF_POSTFILTER_SHARE, IVF_WIDEN, VectorConfig
from index.embedding.base import Vectors

__all__ = [
    "EXACT",
    "VectorIndex",
    "VectorSpec",
    "build_vectors",
    "choose_spec",
    "load_vectors",
    "wider_probe",
]

EXACT = "IDMap2,Flat"
# faiss asks for this many training vectors per IVF list at least.
_MIN_TRAIN_PER_LIST = 39

Ids = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VectorSpec:
    """How a vector index was made: its `faiss.index_factory` string and, for an IVF index,
    the lists searched per query, the training sample size and the seed. Kept in the
    build's manifest."""

    factory: str = EXACT
    nprobe: int = 0
    train_size: int = 0
    seed: int = 0

    @property
    def exact(self) -> bool:
        return self.factory == EXACT

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VectorSpec:
        return cls(**data)


def choose_spec(count: int, config: VectorConfig) -> VectorSpec:
    """The index for `count` vectors: exact up to `config.exact_max`, else IVF with about
    `lists_per_sqrt`·√count lists (a power of two, each with enough training vectors)."""
    if count <= config.exact_max:
        return VectorSpec()
    wanted = min(config.lists_per_sqrt * math.sqrt(count), count / _MIN_TRAIN_PER_LIST)
    lists = 2 ** max(0, round(math.log2(max(wanted, 1.0))))
    while lists > 1 and lists * _MIN_TRAIN_PER_LIST > count:
        lists //= 2
    return VectorSpec(
        factory=f"IVF{lists},{config.encoding}",
        nprobe=min(config.nprobe, lists),
        train_size=min(count, lists * config.train_per_list),
        seed=config.seed,
    )


class VectorIndex:
    """A FAISS index of chunk vectors under chunk ids, searched like a `faiss.Index`."""

    __slots__ = ("_index", "mapped", "spec")

    def __init__(self, index: Any, spec: VectorSpec, *, mapped: bool = False) -> None:
        self._index = index
        self.spec = spec
        self.mapped = mapped
        if not spec.exact:
            index.nprobe = spec.nprobe

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def d(self) -> int:
        return int(self._index.d)

    @property
    def faiss_index(self) -> Any:
        """The FAISS index itself (read it; change it only through `updated`)."""
        return self._index

    def search(
        self, x: Vectors, k: int, *, params: Any = None, admitted: float | None = None
    ) -> tuple[npt.NDArray[np.float32], Ids]:
        """The `k` best (scores, ids) of each row of `x`; -1 fills places nothing filled.

        `admitted`, when known, is the share of the index that `params`' selector lets
        through: from `IVF_POSTFILTER_SHARE` on, an IVF index is searched without it and
        its test applied to what that finds (the same lists probed, so the same `k` best
        whenever `k` admitted ones are among them; else the filtered search runs)."""
        if self.spec.exact:
            return self._index.search(x, k, params=params)  # type: ignore[no-any-return]
        selector = params.sel if params is not None else None
        if selector is not None and admitted is not None and admitted >= IVF_POSTFILTER_SHARE:
            found = self._post_filtered(x, k, selector, admitted)
            if found is not None:
                return found
        nprobe, lists = self.spec.nprobe, int(self._index.nlist)
        scores, ids = self._search_ivf(x, k, selector, nprobe)
        # Fewer than k found (a filter admitting few of the lists probed): probe more lists,
        # up to all of them, so a narrow filter loses nothing (`wider_probe`).
        while nprobe < lists and bool((ids < 0).any()) and k <= self.ntotal:
            filled = int((ids >= 0).sum(axis=1).min())
            nprobe = wider_probe(nprobe, lists, filled, k)
            scores, ids = self._search_ivf(x, k, selector, nprobe)
        return scores, ids

    def _post_filtered(
        self, x: Vectors, k: int, selector: Any, admitted: float
    ) -> tuple[npt.NDArray[np.float32], Ids] | None:
        """The `k` best that `selector` admits among an unfiltered search of the lists the
        filtered one would probe, deep enough to hold `k` of a share `admitted`; None
        when a row finds fewer."""
        if k < 1:
            return None
        wide = min(self.ntotal, math.ceil(k / admitted * IVF_POSTFILTER_MARGIN))
        scores, ids = self._search_ivf(x, wide, None, self.spec.nprobe)
        out_scores = np.full((len(x), k), -np.inf, dtype=np.float32)
        out_ids = np.full((len(x), k), -1, dtype=np.int64)
        for r in range(len(x)):
            kept = [i for i, c in enumerate(ids[r].tolist()) if c >= 0 and selector.is_member(c)]
            if len(kept) < k:
                return None
            out_scores[r], out_ids[r] = scores[r][kept[:k]], ids[r][kept[:k]]
        return out_scores, out_ids

    def _search_ivf(
        self, x: Vectors, k: int, selector: Any, nprobe: int
    ) -> tuple[npt.NDArray[np.float32], Ids]:
        ivf = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
        return self._index.search(x, k, params=ivf)  # type: ignore[no-any-return]

    def reconstruct(self, chunk_id: int) -> Vectors:
        """The stored vector of `chunk_id` (decoded from its codes for an IVF index)."""
        return self._index.reconstruct(int(chunk_id))  # type: ignore[no-any-return]

    def reconstruct_batch(self, chunk_ids: Ids) -> Vectors:
        """The stored vectors of `chunk_ids` (decoded from their codes for an IVF index)."""
        if not len(chunk_ids):
            return np.zeros((0, self.d), dtype=np.float32)
        return self._index.reconstruct_batch(np.ascontiguousarray(chunk_ids, dtype=np.int64))  # type: ignore[no-any-return]

    def ids(self) -> list[int]:
        """Every chunk id in the index."""
        if self.spec.exact:
            return faiss.vector_to_array(self._index.id_map).tolist()  # type: ignore[no-any-return]
        invlists = self._index.invlists
        out: list[int] = []
        for lst in range(invlists.nlist):
            size = invlists.list_size(lst)
            if size:
                ptr = invlists.get_ids(lst)
                out.extend(faiss.rev_swig_ptr(ptr, size).tolist())
                invlists.release_ids(lst, ptr)
        return out

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))


def wider_probe(nprobe: int, lists: int, found: int, k: int) -> int:
    """The lists to probe next when probing `nprobe` of `lists` found `found` < `k`: as many
    more as that rate says hold `k` (with `IVF_POSTFILTER_MARGIN`), at most `IVF_WIDEN`
    times as many, at least one more."""
    grow = IVF_WIDEN if found == 0 else min(IVF_WIDEN, k / found * IVF_POSTFILTER_MARGIN)
    return min(lists, max(nprobe + 1, math.ceil(nprobe * grow)))


def build_vectors(ids: Ids | Sequence[int], vectors: Vectors, config: VectorConfig) -> VectorIndex:
    """`vectors[i]` under `ids[i]` in the index `choose_spec` picks for their number; an IVF
    index is trained on a seeded sample, so the same vectors make the same index."""
    if vectors.ndim != 2 or vectors.shape[0] != len(ids):
        raise ValueError(f"{len(ids)} ids but vectors of shape {vectors.shape}")
    data = _float32(vectors)
    spec = choose_spec(len(ids), config)
    index: Any = faiss.index_factory(int(data.shape[1]), spec.factory, faiss.METRIC_INNER_PRODUCT)
    if not spec.exact:
        rng = np.random.default_rng(spec.seed)
        sample = np.sort(rng.choice(len(ids), size=spec.train_size, replace=False))
        index.cp.seed = spec.seed
        index.train(data[sample])
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    if len(ids):
        index.add_with_ids(data, np.asarray(ids, dtype=np.int64))
    return VectorIndex(index, spec)


def load_vectors(path: Path, spec: VectorSpec, *, mmap: bool = True) -> VectorIndex:
    """The index saved at `path`, memory-mapped unless `mmap` is False."""
    flags = faiss.IO_FLAG_MMAP_IFC if mmap else 0
    return VectorIndex(faiss.read_index(str(path), flags), spec, mapped=mmap)


def _float32(vectors: Vectors) -> Vectors:
    return np.ascontiguousarray(vectors, dtype=np.float32)
