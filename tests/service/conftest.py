from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS


@pytest.fixture(scope="session")
def client(seed_index_dir: Path) -> Iterator[TestClient]:
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def client_without_index(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=tmp_path / "none")
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
