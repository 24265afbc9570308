from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS


def test_index_built_with_other_chunker_is_refused(seed_index_dir: Path) -> None:
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, chunk_size=300)
    engine = Engine.load(settings)
    assert engine.searcher is None
    assert engine.unavailable_reason is not None
    assert "chunk_size': 600" in engine.unavailable_reason
    assert "Rebuild it with the current settings: clustersearch build --force" in (
        engine.unavailable_reason
    )
    with TestClient(create_app(settings)) as client:
        res = client.get("/search", params={"q": "Cluster"})
    assert res.status_code == 503
    assert "clustersearch build --force" in res.json()["detail"]


def test_changed_corpus_is_reported(tmp_path: Path, seed_index_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    (corpus / "documents" / "000_845843b92d703299.txt").write_text("changed", encoding="utf-8")
    engine = Engine.load(Settings(corpus_dir=corpus, index_dir=seed_index_dir))
    assert engine.searcher is not None
    assert engine.corpus_changed is True


def test_unexpected_error_is_500_without_traceback(seed_index_dir: Path) -> None:
    app = create_app(Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        res = client.get("/boom")
    assert res.status_code == 500
    assert "secret" not in res.text
    assert res.json()["detail"].startswith("Internal error.")
