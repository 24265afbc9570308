from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.embedding.base import Embedder
from index.retrieval.searcher import Searcher
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.index.storage.test_lexical import counting_weights
from tests.ingest_samples import CountingEmbedder


def test_health_ok(client: TestClient) -> None:
    # Whether the corpus changed is decided in the background once the engine is warm.
    deadline = time.monotonic() + 120
    while (res := client.get("/health")).json()["corpus_changed"] is None:
        assert time.monotonic() < deadline, "corpus_changed never decided"
        time.sleep(0.05)
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok"
    assert body["model"] == "use-multilingual-v3"
    assert (body["documents"], body["chunks"]) == (3, 37)
    assert body["corpus_changed"] is False
    assert body["index_built"]


def test_health_without_index(client_without_index: TestClient) -> None:
    res = client_without_index.get("/health")
    assert res.status_code == 503
    body = res.json()
    assert body["status"] == "unavailable"
    assert "clustersearch build" in body["detail"]


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/search", "/documents", "/documents/{document_id}", "/health"} <= set(spec["paths"])


def test_live_answers_with_or_without_an_index(
    client: TestClient, client_without_index: TestClient
) -> None:
    for c in (client, client_without_index):
        response = c.get("/health/live")
        assert (response.status_code, response.json()) == (200, {"status": "alive"})


def test_ready_once_the_index_is_loaded_and_warm(client: TestClient) -> None:
    # The lifespan's upkeep thread asks the warm-up questions right after the start.
    deadline = time.monotonic() + 120
    while (response := client.get("/health/ready")).status_code != 200:
        assert response.status_code == 503
        assert response.json() == {
            "ready": False,
            "detail": "The index is loaded and warming up (the first queries build caches).",
        }
        assert time.monotonic() < deadline, "never ready"
        time.sleep(0.2)
    assert response.json() == {"ready": True, "detail": None}
    assert client.app.state.engine.ready  # type: ignore[attr-defined]


def test_not_ready_without_an_index(client_without_index: TestClient) -> None:
    response = client_without_index.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False and "clustersearch build" in body["detail"]


def test_warm_up_makes_an_engine_ready(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="")
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    assert client.get("/health/ready").status_code == 503
    assert engine.warm_up() is True
    assert client.get("/health/ready").json() == {"ready": True, "detail": None}


def test_ready_means_the_first_search_weighs_no_term(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(rate_limit="")
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    assert engine.warm_up() is True
    weighed = counting_weights(monkeypatch)
    # on the 37 seed passages every term is common (held by more than 1/64), all kept
    response = client.get("/search", params={"q": "Cluster Förderung in Sachsen"})
    assert response.status_code == 200 and response.json()["results"]
    assert weighed == []


def test_ready_means_the_first_answer_embeds_nothing_new(
    seed_index_dir: Path, embedder: Embedder, seed_searcher: Searcher
) -> None:
    counting = CountingEmbedder(embedder)
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, rate_limit="")
    app = create_app(settings)
    app.state.engine = engine = Engine(settings, counting, seed_searcher)
    client = TestClient(app)
    assert client.get("/health/ready").status_code == 503
    assert engine.warm_up() is True
    assert client.get("/health/ready").status_code == 200
    warmed = counting.embedded
    assert warmed > 0  # the candidate sentences of every seed passage (max_k covers them)
    for question in ("Wer ist Hauptgesellschafter der BioCon Valley GmbH?", "What is BioCon?"):
        response = client.post("/ask", json={"question": question})
        assert response.status_code == 200
    assert counting.embedded == warmed
