from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.embedding.base import Embedder
from index.retrieval.searcher import Searcher
from index.storage.snapshot import load_index
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS


@pytest.fixture(scope="session")
def client(seed_index_dir: Path) -> Iterator[TestClient]:
    # No rate limit here: the many tests sharing this client must not throttle each other.
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, rate_limit="")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def client_without_index(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=tmp_path / "none")
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def seed_searcher(seed_index_dir: Path, embedder: Embedder) -> Searcher:
    return Searcher(load_index(seed_index_dir), embedder)


@pytest.fixture
def make_client(
    seed_index_dir: Path, embedder: Embedder, seed_searcher: Searcher
) -> Callable[..., TestClient]:
    """A client of an app built with these settings over the seed index, without reloading
    the model (the engine is set directly instead of by the lifespan)."""

    def make(**overrides: Any) -> TestClient:
        settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, **overrides)
        app = create_app(settings)
        app.state.engine = Engine(settings, embedder, seed_searcher)
        return TestClient(app, raise_server_exceptions=False)

    return make
