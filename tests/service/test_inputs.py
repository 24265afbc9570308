"""No input causes a 500: lone surrogates and control characters in any text field, unknown
languages, wrong methods — each is a 4xx that says what to change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.embedding.base import Embedder
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import copy_tree, tree_state

KEY = "k" * 24
SURROGATE = "contains a lone surrogate (U+D800) at character 8; send valid Unicode text"


def _post_raw(client: TestClient, path: str, body: str, **headers: str) -> object:
    """POST a JSON text as it is (httpx's `json=` cannot encode a lone surrogate)."""
    return client.post(
        path, content=body.encode("ascii"), headers={"content-type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/search", '{"q": "Cluster \\ud800 Sachsen"}', "q"),
        ("/search", '{"q": "Cluster", "region": "Sachsen\\udfff"}', "region"),
        ("/search", '{"q": "Cluster", "document_id": "x\\ud800"}', "document_id"),
        ("/ask", '{"question": "Cluster \\ud800 Sachsen?"}', "question"),
        ("/ask", '{"question": "Cluster?", "region": "\\udc00"}', "region"),
    ],
)
def test_lone_surrogates_are_422_not_500(
    make_client: Callable[..., TestClient], path: str, body: str, field: str
) -> None:
    client = make_client(rate_limit="")
    response = _post_raw(client, path, body)
    assert response.status_code == 422  # type: ignore[attr-defined]
    detail = response.json()["detail"]  # type: ignore[attr-defined]
    assert detail.startswith(f"Invalid request. {field}: contains a lone surrogate (U+")
    assert detail.endswith("send valid Unicode text (UTF-8 without unpaired surrogates)")


def test_the_issue_example_names_the_character_and_where(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="")
    response = _post_raw(client, "/search", '{"q": "Cluster \\ud800 Sachsen"}')
    assert response.json() == {  # type: ignore[attr-defined]
        "detail": f"Invalid request. q: {SURROGATE} (UTF-8 without unpaired surrogates)"
    }


@pytest.fixture
def writable(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder
) -> tuple[TestClient, Settings]:
    settings = Settings(
        corpus_dir=copy_tree(SEED_CORPUS, tmp_path / "corpus"),
        index_dir=copy_tree(seed_index_dir, tmp_path / "index"),
        rate_limit="",
        api_keys=KEY,
    )
    app = create_app(settings)
    app.state.engine = Engine(settings, embedder)
    return TestClient(app, raise_server_exceptions=False), settings


@pytest.mark.parametrize(
    ("document", "detail"),
    [
        (
            {"text": "Cluster \ud800 Sachsen"},
            f"Invalid document JSON. text: {SURROGATE}",
        ),
        (
            {"text": "Cluster", "title": "Titel\ud800"},
            "Invalid document JSON. title: contains a lone surrogate (U+D800) at character 5",
        ),
        (
            {"text": "Cluster", "source": "https://a.example/\x00"},
            "Invalid document JSON. source: contains the control character U+0000 at "
            "character 18; remove it",
        ),
        (
            {"text": "Cluster", "regions": ["Sachsen", "Bayern\x1b"]},
            "Invalid document JSON. regions.1: contains the control character U+001B",
        ),
        (
            {"text": "Cluster", "language": "xx"},
            "Invalid document JSON. language: 'xx' is not a language the service knows; use "
            "one of de, en, fr, nl, it, es, pl, da, cs",
        ),
        (
            {"text": "Cluster", "id": "doc\ud800"},
            "Invalid document JSON. id: contains a lone surrogate",
        ),
    ],
)
def test_document_json_fields_are_checked_and_nothing_is_written(
    writable: tuple[TestClient, Settings], document: dict[str, object], detail: str
) -> None:
    client, settings = writable
    before = tree_state(settings.corpus_dir, settings.index_dir)
    body = json.dumps(document)  # ASCII: surrogates as \\ud800 escapes
    response = _post_raw(client, "/documents", body, **{"X-API-Key": KEY})
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert response.json()["detail"].startswith(detail)  # type: ignore[attr-defined]
    put = client.put(
        "/documents/000_845843b92d703299",
        content=body.encode(),
        headers={"content-type": "application/json", "X-API-Key": KEY},
    )
    assert put.status_code == 422 and put.json()["detail"].startswith(detail)
    assert tree_state(settings.corpus_dir, settings.index_dir) == before


def test_control_characters_in_a_document_text_are_removed_as_from_a_file(
    writable: tuple[TestClient, Settings],
) -> None:
    client, _ = writable
    text = "Quantencluster Jena\n\nDas Land fördert\x00 Quantenforschung\x07 in Jena."
    response = client.post(
        "/documents", json={"text": text, "language": "de"}, headers={"X-API-Key": KEY}
    )
    assert response.status_code == 201, response.text
    stored = client.get(f"/documents/{response.json()['id']}").json()["text"]
    assert stored == "Quantencluster Jena\n\nDas Land fördert Quantenforschung in Jena."


def test_deeply_nested_json_is_refused_not_a_crash(
    writable: tuple[TestClient, Settings],
) -> None:
    client, _ = writable
    nested = b"[" * 30000 + b"]" * 30000
    headers = {"content-type": "application/json", "X-API-Key": KEY}
    response = client.post("/documents", content=nested, headers=headers)
    assert response.json() == {
        "detail": "Invalid document JSON. body: nested too deeply; send one object."
    }
    assert response.status_code == 422
    for path in ("/search", "/ask"):
        parsed = client.post(path, content=nested, headers=headers)
        assert parsed.status_code == 400
        assert parsed.json() == {"detail": "There was an error parsing the body"}


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"language": "xx"}, "Invalid document metadata. language: 'xx' is not a language"),
        ({"title": "T\x00"}, "Invalid document metadata. title: contains the control character"),
        ({"regions": "Sachsen,\x7f"}, "Invalid document metadata. regions: contains the control"),
    ],
)
def test_multipart_fields_are_checked_too(
    writable: tuple[TestClient, Settings], fields: dict[str, str], detail: str
) -> None:
    client, _ = writable
    response = client.post(
        "/documents",
        files={"file": ("a.txt", b"Cluster in Jena.", "text/plain")},
        data=fields,
        headers={"X-API-Key": KEY},
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/search", "GET, POST"),
        ("PUT", "/ask", "POST"),
        ("GET", "/ask", "POST"),
        ("PATCH", "/documents", "GET, POST"),
        ("POST", "/documents/some-id", "GET, PUT, DELETE"),
        ("POST", "/health", "GET"),
        ("POST", "/docs", "GET, HEAD"),
    ],
)
def test_405_lists_every_method_of_the_path(
    make_client: Callable[..., TestClient], method: str, path: str, allow: str
) -> None:
    response = make_client(rate_limit="").request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {
        "detail": f"{method} is not allowed here; use {allow.replace(', ', ' or ')}."
    }
