"""Shared fixtures: the real default model and one index of the seed corpus per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index import (
    ChunkerConfig,
    Corpus,
    Embedder,
    Searcher,
    UseEmbedder,
    build_index,
    load_corpus,
    load_index,
)

REPO = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return UseEmbedder(threads=2)


@pytest.fixture(scope="session")
def seed_corpus() -> Corpus:
    return load_corpus(SEED_CORPUS)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(SEED_CORPUS, index_dir, embedder, ChunkerConfig())
    return index_dir


@pytest.fixture(scope="session")
def searcher(seed_index_dir: Path, embedder: Embedder) -> Searcher:
    return Searcher(load_index(seed_index_dir), embedder)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No CLUSTERSEARCH_* variables from the developer's shell leak into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("CLUSTERSEARCH_"):
            monkeypatch.delenv(name)
    yield
