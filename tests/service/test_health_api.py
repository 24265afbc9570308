from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_ok(client: TestClient) -> None:
    res = client.get("/health")
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
