"""The vector index: its type by size, seeded training, filters, updates, memory mapping."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from index.config import VectorConfig
from index.embedding.base import normalise
from index.storage.vectors import (
    EXACT,
    VectorIndex,
    VectorSpec,
    build_vectors,
    choose_spec,
    load_vectors,
    wider_probe,
)

# A threshold of 100 vectors puts the few hundred random vectors below on the IVF path.
SMALL = VectorConfig(exact_max=100, nprobe=2)
RNG = np.random.default_rng(5)
VECTORS = normalise(RNG.standard_normal((600, 16)).astype(np.float32))
IDS = np.arange(1000, 1600, dtype=np.int64)


def _exact_top(ids: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    scores = vectors @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(ids[i]) for i in order]


def test_choose_spec_by_size() -> None:
    config = VectorConfig()
    assert choose_spec(100_000, config) == VectorSpec()
    assert choose_spec(100_001, config) == VectorSpec("IVF1024,SQ8", 64, 65_536, 1234)
    assert choose_spec(1_000_000, config) == VectorSpec("IVF4096,SQ8", 64, 262_144, 1234)
    # 600 vectors: 4·√600 ≈ 98 lists would have too few training vectors each (39).
    assert choose_spec(600, SMALL) == VectorSpec("IVF8,SQ8", 2, 512, 1234)


def test_bad_config_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="positive"):
        VectorConfig(nprobe=0)


def test_exact_below_the_threshold() -> None:
    index = build_vectors(IDS[:100], VECTORS[:100], SMALL)
    assert index.spec.factory == EXACT
    assert isinstance(index.faiss_index, faiss.IndexIDMap2)
    _, ids = index.search(VECTORS[7:8], 5)
    assert ids[0].tolist() == _exact_top(IDS[:100], VECTORS[:100], VECTORS[7], 5)


def test_ivf_above_the_threshold_finds_itself() -> None:
    index = build_vectors(IDS, VECTORS, SMALL)
    assert index.spec.factory == "IVF8,SQ8"
    assert index.faiss_index.nprobe == 2
    assert index.ntotal == 600
    _, ids = index.search(VECTORS[:50], 1)
    assert ids[:, 0].tolist() == IDS[:50].tolist()
    assert sorted(index.ids()) == IDS.tolist()


def test_training_is_deterministic() -> None:
    first = faiss.serialize_index(build_vectors(IDS, VECTORS, SMALL).faiss_index)
    second = faiss.serialize_index(build_vectors(IDS, VECTORS, SMALL).faiss_index)
    assert np.array_equal(first, second)


def test_filter_takes_plain_search_parameters_and_misses_nothing() -> None:
    index = build_vectors(IDS, VECTORS, SMALL)
    allowed = IDS[::97]  # 7 vectors, spread over lists the query does not probe
    selector = faiss.IDSelectorBatch(allowed)
    probed = faiss.SearchParametersIVF(sel=selector, nprobe=2)  # type: ignore[call-arg]
    assert (index.faiss_index.search(VECTORS[3:4], len(allowed), params=probed)[1] < 0).any()
    params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
    scores, ids = index.search(VECTORS[3:4], len(allowed), params=params)
    assert sorted(ids[0].tolist()) == sorted(allowed.tolist())
    assert scores[0].tolist() == sorted(scores[0].tolist(), reverse=True)


def test_a_filtered_search_probes_more_lists_before_all(monkeypatch: pytest.MonkeyPatch) -> None:
    index = build_vectors(IDS, VECTORS, SMALL)
    lists = int(index.faiss_index.nlist)
    probes: list[int] = []
    search = VectorIndex._search_ivf

    def counting(self: VectorIndex, x: np.ndarray, k: int, selector: object, nprobe: int) -> object:
        probes.append(nprobe)
        return search(self, x, k, selector, nprobe)

    monkeypatch.setattr(VectorIndex, "_search_ivf", counting)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(IDS[::97]))  # type: ignore[call-arg]
    _, ids = index.search(VECTORS[3:4], 7, params=params)
    assert sorted(ids[0].tolist()) == sorted(IDS[::97].tolist())
    assert probes[0] == 2 and len(probes) > 1 and probes[-1] <= lists
    assert probes == sorted(probes)
    index.search(VECTORS[3:4], 1)  # found in the lists probed first: no second search
    assert probes[-1] == 2


def test_the_next_probe_follows_the_rate_found() -> None:
    assert wider_probe(64, 4096, 0, 200) == 128  # nothing found: twice as many
    assert wider_probe(64, 4096, 6, 200) == 128  # 6 of 200: at most twice
    assert wider_probe(1024, 4096, 135, 200) == 1897  # 1024 * 200 / 135 * 1.25, up
    assert wider_probe(1024, 4096, 199, 200) == 1287
    assert wider_probe(2, 3, 1, 7) == 3  # never past all lists
    assert wider_probe(10, 100, 9, 10) == 14  # 10 * 10 / 9 * 1.25 = 13.9, up


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """(k, whether a selector was given) of each IVF search from now on."""
    calls: list[tuple[int, bool]] = []
    search = VectorIndex._search_ivf

    def recording(
        self: VectorIndex, x: np.ndarray, k: int, selector: object, nprobe: int
    ) -> object:
        calls.append((k, selector is not None))
        return search(self, x, k, selector, nprobe)

    monkeypatch.setattr(VectorIndex, "_search_ivf", recording)
    return calls


def test_a_filter_admitting_half_tests_an_unfiltered_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = build_vectors(IDS, VECTORS, SMALL)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(IDS[::2]))  # type: ignore[call-arg]
    filtered = index.search(VECTORS[3:5], 5, params=params)
    calls = _recording(monkeypatch)
    scores, ids = index.search(VECTORS[3:5], 5, params=params, admitted=0.5)
    assert calls == [(13, False)]  # 5 / 0.5 * 1.25, rounded up; one search, no selector
    assert ids.tolist() == filtered[1].tolist() and bool((ids % 2 == 0).all())
    assert scores.tolist() == filtered[0].tolist()


def test_the_filtered_search_runs_when_too_few_admitted_are_near(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = build_vectors(IDS, VECTORS, SMALL)
    far = IDS[::97]  # 7 ids, mostly in lists the query does not probe
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(far))  # type: ignore[call-arg]
    filtered = index.search(VECTORS[3:4], 7, params=params)
    calls = _recording(monkeypatch)
    _, ids = index.search(VECTORS[3:4], 7, params=params, admitted=0.5)  # a wrong share
    assert calls[0] == (18, False) and calls[1:] and all(selected for _, selected in calls[1:])
    assert ids.tolist() == filtered[1].tolist()
    assert sorted(ids[0].tolist()) == sorted(far.tolist())


def test_a_filter_admitting_a_small_share_is_given_to_faiss(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = build_vectors(IDS, VECTORS, SMALL)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(IDS[::8]))  # type: ignore[call-arg]
    calls = _recording(monkeypatch)
    index.search(VECTORS[3:4], 5, params=params, admitted=1 / 8)
    assert calls[0] == (5, True)


@pytest.mark.parametrize("count", [90, 600])
def test_reconstruct_batch_returns_the_stored_vectors(count: int) -> None:
    index = build_vectors(IDS[:count], VECTORS[:count], SMALL)
    got = index.reconstruct_batch(IDS[[5, 2]])
    np.testing.assert_allclose(got, VECTORS[[5, 2]], atol=0.0 if count == 90 else 0.02)
    assert index.reconstruct_batch(IDS[:0]).shape == (0, 16)


@pytest.mark.parametrize("count", [90, 600])
def test_mapped_load_searches_and_reconstructs(tmp_path: Path, count: int) -> None:
    built = build_vectors(IDS[:count], VECTORS[:count], SMALL)
    built.save(tmp_path / "faiss.index")
    mapped = load_vectors(tmp_path / "faiss.index", built.spec)
    assert mapped.mapped and mapped.spec == built.spec
    assert np.array_equal(mapped.search(VECTORS[:5], 3)[1], built.search(VECTORS[:5], 3)[1])
    np.testing.assert_array_equal(
        mapped.reconstruct_batch(IDS[:3]), built.reconstruct_batch(IDS[:3])
    )
