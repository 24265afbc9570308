"""GET /metrics: request, stage, index, ingest and rate-limit series, in Prometheus format."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from index.embedding.base import Embedder
from index.retrieval.searcher import Searcher
from index.storage.snapshot import load_index
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import copy_tree

SCRAPE_KEY = "scrape-0123456789abcdef"
WRITE_KEY = "w" * 24


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@pytest.fixture
def instrumented(seed_index_dir: Path, embedder: Embedder) -> Callable[..., TestClient]:
    """A client of an app over the seed index whose searcher reports its stages."""

    def make(**overrides: Any) -> TestClient:
        settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, **overrides)
        app = create_app(settings)
        searcher = Searcher(load_index(seed_index_dir), embedder, on_stage=app.state.metrics.stage)
        app.state.engine = Engine(settings, embedder, searcher, corpus_changed=False)
        return TestClient(app, raise_server_exceptions=False)

    return make


def test_requests_stages_index_and_build_info(instrumented: Callable[..., TestClient]) -> None:
    client = instrumented(rate_limit="")
    for q in ("Cluster Sachsen", "optics cluster in Jena", "Wasserstoff"):
        assert client.get("/search", params={"q": q, "k": 3}).status_code == 200
    assert client.post("/ask", json={"question": "Wann wurde innoBB 2025 beschlossen?"}).is_success
    assert client.get("/documents/nope").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = _samples(response.text)
    requests = "clustersearch_http_requests_total"
    assert _value(samples, requests, route="/search", method="GET", status="200") == 3
    assert _value(samples, requests, route="/ask", method="POST", status="200") == 1
    assert (
        _value(samples, requests, route="/documents/{document_id}", method="GET", status="404") == 1
    )
    latency = "clustersearch_http_request_duration_seconds_count"
    assert _value(samples, latency, route="/search", method="GET", status="200") == 3
    stages = "clustersearch_search_stage_duration_seconds_count"
    for stage in ("analysis", "dense", "lexical", "fusion"):
        assert _value(samples, stages, stage=stage) == 4  # 3 searches and the ask's search
    assert _value(samples, stages, stage="answer") == 1
    assert (
        _value(samples, "clustersearch_search_stage_duration_seconds_sum", stage="dense") or 0
    ) > 0
    assert _value(samples, "clustersearch_index_documents") == 3
    assert _value(samples, "clustersearch_index_passages") == 37
    built = _value(samples, "clustersearch_index_build_timestamp_seconds")
    age = _value(samples, "clustersearch_index_age_seconds")
    assert built is not None and age is not None and 0 <= age < 24 * 3600
    assert abs(time.time() - built - age) < 5
    assert _value(samples, "clustersearch_index_corpus_changed") == 0
    assert _value(samples, "clustersearch_ready") == 0  # never warmed: no lifespan here
    assert (
        _value(samples, "clustersearch_build_info", version="0.1.0", model="use-multilingual-v3")
        == 1
    )
    assert "process_resident_memory_bytes" in response.text


def test_rate_limit_rejections_are_counted(instrumented: Callable[..., TestClient]) -> None:
    client = instrumented(rate_limit="1/minute")
    statuses = [client.get("/search", params={"q": "Cluster"}).status_code for _ in range(3)]
    assert statuses == [200, 429, 429]
    samples = _samples(client.get("/metrics").text)
    assert _value(samples, "clustersearch_rate_limited_total", route="/search") == 2
    assert (
        _value(
            samples,
            "clustersearch_http_requests_total",
            route="/search",
            method="GET",
            status="429",
        )
        == 2
    )


def test_ingest_counts_bytes_and_failures(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder
) -> None:
    settings = Settings(
        corpus_dir=copy_tree(SEED_CORPUS, tmp_path / "corpus"),
        index_dir=copy_tree(seed_index_dir, tmp_path / "index"),
        rate_limit="",
        api_keys=WRITE_KEY,
    )
    app = create_app(settings)
    app.state.engine = Engine(settings, embedder)
    client = TestClient(app, raise_server_exceptions=False)
    auth = {"X-API-Key": WRITE_KEY}
    text = "Quantencluster Jena\n\nDas Land fördert die Quantenforschung in Jena."
    added = client.post("/documents", json={"text": text, "language": "de"}, headers=auth)
    assert added.status_code == 201
    again = client.post("/documents", json={"text": text, "language": "de"}, headers=auth)
    assert again.json()["status"] == "unchanged"
    png = client.post(
        "/documents", files={"file": ("a.png", b"\x89PNG", "image/png")}, headers=auth
    )
    assert png.status_code == 415
    assert client.delete(f"/documents/{added.json()['id']}", headers=auth).status_code == 200
    assert client.delete("/documents/nope", headers=auth).status_code == 404
    samples = _samples(client.get("/metrics").text)
    documents = "clustersearch_ingest_documents_total"
    assert _value(samples, documents, operation="add", status="added") == 1
    assert _value(samples, documents, operation="add", status="unchanged") == 1
    assert _value(samples, documents, operation="remove", status="removed") == 1
    assert _value(samples, "clustersearch_ingest_bytes_total") == 2 * len(text.encode()) + 4
    failures = "clustersearch_ingest_failures_total"
    assert _value(samples, failures, operation="add", reason="UnsupportedFormatError") == 1
    assert _value(samples, failures, operation="remove", reason="DocumentNotFoundError") == 1


def test_a_scrape_key_protects_metrics(instrumented: Callable[..., TestClient]) -> None:
    client = instrumented(rate_limit="", metrics_api_keys=SCRAPE_KEY)
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert "Authorization: Bearer KEY" in missing.json()["detail"]
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope-0123456789abcdef"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_KEY}"})
    assert right.status_code == 200 and "clustersearch_build_info" in right.text


def test_metrics_can_be_off(instrumented: Callable[..., TestClient]) -> None:
    assert instrumented(rate_limit="", metrics=False).get("/metrics").status_code == 404


def test_metrics_on_their_own_port(
    seed_index_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        corpus_dir=SEED_CORPUS,
        index_dir=seed_index_dir,
        rate_limit="",
        metrics_port=port,
        watch_interval=0,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/search", params={"q": "Cluster"}).status_code == 200
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        samples = _samples(scraped.text)
        requests = "clustersearch_http_requests_total"
        assert _value(samples, requests, route="/search", method="GET", status="200") == 1
        # The warm-up's questions (asked at the start) are not counted: only the search is.
        stages = "clustersearch_search_stage_duration_seconds_count"
        assert _value(samples, stages, stage="dense") == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_metrics_port_must_differ_from_the_port(clean_env: None) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"metrics_port \(8000\) must differ from port"):
        Settings(metrics_port=8000)
