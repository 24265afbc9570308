"""POST/PUT/DELETE /documents — keys, formats, idempotence, refusals, citations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.documents.corpus import load_corpus
from index.embedding.base import Embedder
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import HTML, MARKDOWN, copy_tree, empty_pdf, make_pdf, tree_state

KEY = "k" * 24
AUTH = {"X-API-Key": KEY}


@pytest.fixture
def writable(tmp_path: Path, seed_index_dir: Path, embedder: Embedder) -> Callable[..., TestClient]:
    """A client of an app over a copy of the seed corpus and index, model already loaded."""
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    index = copy_tree(seed_index_dir, tmp_path / "index")

    def make(**overrides: Any) -> TestClient:
        settings = Settings(
            corpus_dir=corpus,
            index_dir=index,
            rate_limit="",
            **{"api_keys": KEY, **overrides},
        )
        app = create_app(settings)
        app.state.engine = _engine(settings, embedder)
        return TestClient(app, raise_server_exceptions=False)

    return make


def _engine(settings: Settings, embedder: Embedder) -> Engine:
    """`Engine.load` (recovery, build tracking) with the session's model instead of a new one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
        return Engine.load(settings)


@pytest.fixture
def client(writable: Callable[..., TestClient]) -> Iterator[TestClient]:
    yield writable()


def _state(client: TestClient) -> dict[str, bytes]:
    settings: Settings = client.app.state.engine.settings  # type: ignore[attr-defined]
    return tree_state(settings.corpus_dir, settings.index_dir)


def test_writes_are_refused_without_configured_keys(writable: Callable[..., TestClient]) -> None:
    client = writable(api_keys="")
    before = _state(client)
    for response in (
        client.post("/documents", json={"text": "Neu."}, headers=AUTH),
        client.put("/documents/000_845843b92d703299", json={"text": "Neu."}),
        client.delete("/documents/000_845843b92d703299", headers=AUTH),
    ):
        assert response.status_code == 403
        assert "CLUSTERSEARCH_API_KEYS" in response.json()["detail"]
    assert _state(client) == before


def test_missing_or_wrong_key_is_401(client: TestClient) -> None:
    before = _state(client)
    missing = client.post("/documents", json={"text": "Neu."})
    wrong = client.delete("/documents/000_845843b92d703299", headers={"X-API-Key": "x" * 24})
    assert missing.status_code == wrong.status_code == 401
    assert "send an API key in the X-API-Key header" in missing.json()["detail"]
    assert "not a valid write key" in wrong.json()["detail"]
    assert missing.headers["WWW-Authenticate"] == "X-API-Key"
    assert _state(client) == before
    assert client.get("/documents").status_code == 200  # reads stay open


def test_add_markdown_html_pdf_find_them_with_citations_then_replace_and_remove(
    client: TestClient,
) -> None:
    uploads = [
        ("hzwo.md", MARKDOWN.encode(), "text/markdown", {}),
        ("optence.html", HTML.encode(), "text/html", {"source": "https://optence.example/"}),
        ("ris3.pdf", make_pdf(), "application/pdf", {"regions": "Thüringen, SN"}),
    ]
    ids = []
    for name, data, media, fields in uploads:
        response = client.post(
            "/documents", files={"file": (name, data, media)}, data=fields, headers=AUTH
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "added" and body["detail"] == "Added and indexed."
        assert body["index"]["removed"] == 0 and body["index"]["added"] == body["chunks"]
        ids.append(body["id"])
    md_id, html_id, pdf_id = ids
    assert client.get(f"/documents/{pdf_id}").json()["regions"] == ["Thüringen", "Sachsen"]

    for query, doc_id, page in (
        ("Förderung Clustermanagement Wasserstoff Sachsen", md_id, None),
        ("photonics network membership fee start-ups", html_id, None),
        ("ERDF budget and strategy board", pdf_id, 2),
    ):
        result = client.get("/search", params={"q": query, "k": 1}).json()["results"][0]
        citation = result["citation"]
        assert citation["document_id"] == doc_id and citation["page"] == page
        text = client.get(f"/documents/{doc_id}").json()["text"]
        assert text[citation["start"] : citation["end"]] == result["text"]

    replaced = client.put(
        f"/documents/{md_id}",
        json={"text": MARKDOWN.replace("1,2 Millionen", "3 Millionen"), "format": "md"},
        headers=AUTH,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["status"] == "replaced"
    assert replaced.json()["index"]["embedded"] == 1
    assert "3 Millionen" in client.get(f"/documents/{md_id}").json()["text"]

    removed = client.delete(f"/documents/{html_id}", headers=AUTH)
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert client.get(f"/documents/{html_id}").status_code == 404
    hits = client.get("/search", params={"q": "photonics membership", "k": 50}).json()
    assert html_id not in {r["citation"]["document_id"] for r in hits["results"]}
    health = client.get("/health").json()
    assert (health["documents"], health["corpus_changed"]) == (5, False)


def test_json_add_is_idempotent(client: TestClient) -> None:
    body = {"text": "Die Clusterpolitik in Bremen setzt auf maritime Wirtschaft.", "title": "HB"}
    first = client.post("/documents", json=body, headers=AUTH)
    assert first.status_code == 201
    doc_id = first.json()["id"]
    assert first.json()["document"]["language"] == "de"
    assert first.json()["document"]["regions"] == ["Bremen"]
    before = _state(client)
    again = client.post("/documents", json=body, headers=AUTH)
    other = client.post("/documents", json={**body, "title": "Copy", "id": "copy"}, headers=AUTH)
    assert again.status_code == other.status_code == 200
    assert (again.json()["status"], again.json()["id"]) == ("unchanged", doc_id)
    assert (other.json()["status"], other.json()["duplicate_of"]) == ("duplicate", doc_id)
    assert other.json()["detail"] == (
        f"Nothing changed: the corpus has the same text already, as {doc_id}."
    )
    assert other.json()["index"] is None
    assert _state(client) == before


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"files": {"file": ("a.docx", b"PK..", "application/msword")}}, 415, "supported are"),
        ({"content": b"text", "headers": {"content-type": "text/plain"}}, 415, "multipart"),
        ({"files": {"file": ("a.pdf", b"%PDF-1.4 junk", "application/pdf")}}, 422, "parsed"),
        ({"files": {"file": ("s.pdf", empty_pdf(), "application/pdf")}}, 422, "no extractable"),
        ({"files": {"file": ("a.txt", b"x" * 3000, "text/plain")}}, 413, "limit is 2048"),
        ({"files": {"other": ("a.txt", b"Text", "text/plain")}}, 422, "'file' part"),
        ({"json": {"text": "Text.", "id": "../../x"}}, 422, "Invalid document id"),
        ({"json": {"text": "Text.", "colour": "red"}}, 422, "colour: Extra inputs"),
        ({"json": {"text": "Text.", "regions": ["Narnia"]}}, 422, "Unknown region"),
        ({"json": {"text": "  \n "}}, 422, "no extractable text"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    writable: Callable[..., TestClient], kwargs: dict[str, Any], status: int, message: str
) -> None:
    client = writable(max_document_bytes=2048)
    before = _state(client)
    headers = {**AUTH, **kwargs.pop("headers", {})}
    response = client.post("/documents", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert _state(client) == before


def test_replace_and_remove_refusals(client: TestClient) -> None:
    before = _state(client)
    assert client.delete("/documents/nope", headers=AUTH).status_code == 404
    assert client.put("/documents/nope", json={"text": "x y"}, headers=AUTH).status_code == 404
    bad = client.delete("/documents/a.b", headers=AUTH)
    assert bad.status_code == 422 and "Invalid document id" in bad.json()["detail"]
    traversal = client.delete("/documents/..%2F..%2Fcorpus", headers=AUTH)
    assert traversal.status_code in (404, 422)
    assert _state(client) == before
    assert [d.id for d in load_corpus(SEED_CORPUS).documents] == [
        "000_845843b92d703299",
        "001_2d85a1c0382ad4fa",
        "002_ef865dbee6ab942a",
    ]


def test_the_first_document_of_a_new_corpus_makes_the_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings(
        corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", rate_limit="", api_keys=KEY
    )
    app = create_app(settings)
    app.state.engine = _engine(settings, embedder)
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/search", params={"q": "Wasserstoff"}).status_code == 503
    added = client.post(
        "/documents", files={"file": ("hzwo.md", MARKDOWN.encode(), "text/markdown")}, headers=AUTH
    )
    assert added.status_code == 201, added.text
    results = client.get("/search", params={"q": "Wasserstoff Förderung", "k": 3}).json()
    assert results["results"][0]["citation"]["section"] == "Förderung"
    assert client.get("/health").json()["documents"] == 1
    assert [d.title for d in load_corpus(tmp_path / "corpus").documents] == [
        "Wasserstoff-Cluster Sachsen"
    ]
