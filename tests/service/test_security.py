from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.security import content_security_policy
from service.settings import Settings

PORTAL = "https://portal.example.org"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def _headers_of(response: object) -> dict[str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return {name: headers.get(name) for name in SECURITY_HEADERS}


@pytest.mark.parametrize("path", ["/", "/search?q=Cluster", "/health", "/documents/nope", "/x"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert _headers_of(response) == SECURITY_HEADERS


def test_error_responses_carry_the_headers_too(client: TestClient) -> None:
    response = client.get("/search", params={"q": ""})
    assert response.status_code == 422
    assert _headers_of(response) == SECURITY_HEADERS


def test_docs_get_their_own_policy_and_no_other_page_does(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.headers["content-security-policy"] == content_security_policy("'none'", docs=True)
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]
    assert "'unsafe-inline'" not in client.get("/").headers["content-security-policy"]


def test_frame_ancestors_is_configurable(make_client: Callable[..., TestClient]) -> None:
    client = make_client(frame_ancestors=f"'self' {PORTAL}")
    policy = client.get("/").headers["content-security-policy"]
    assert policy.endswith(f"frame-ancestors 'self' {PORTAL}")


# --- CORS -------------------------------------------------------------------------------------


@pytest.fixture
def cors_client(make_client: Callable[..., TestClient]) -> Iterator[TestClient]:
    yield make_client(cors_origins=f"{PORTAL}, http://127.0.0.1:8080", rate_limit="")


def _preflight(client: TestClient, origin: str, headers: str = "x-api-key") -> object:
    return client.options(
        "/search",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_preflight_from_an_allowed_origin(cors_client: TestClient) -> None:
    response = _preflight(cors_client, PORTAL)
    assert response.status_code == 200  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["access-control-allow-origin"] == PORTAL
    assert headers["access-control-allow-methods"] == "GET, POST"
    assert "X-API-Key" in headers["access-control-allow-headers"].split(", ")
    assert headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in headers


def test_preflight_from_another_origin_is_refused(cors_client: TestClient) -> None:
    response = _preflight(cors_client, "https://evil.example.com")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.text == "Disallowed CORS origin"  # type: ignore[attr-defined]
    assert "access-control-allow-origin" not in response.headers  # type: ignore[attr-defined]


def test_preflight_asking_for_other_headers_is_refused(cors_client: TestClient) -> None:
    response = _preflight(cors_client, PORTAL, headers="x-admin")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.text == "Disallowed CORS headers"  # type: ignore[attr-defined]


def test_simple_request_from_allowed_and_other_origins(cors_client: TestClient) -> None:
    allowed = cors_client.get("/search", params={"q": "Cluster"}, headers={"Origin": PORTAL})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert allowed.headers["access-control-expose-headers"] == "Retry-After, X-Request-ID"
    other = cors_client.get("/search", params={"q": "Cluster"}, headers={"Origin": "https://x.org"})
    assert other.status_code == 200  # the browser, not the server, withholds the body
    assert "access-control-allow-origin" not in other.headers


def test_no_origin_is_allowed_by_default(client: TestClient) -> None:
    response = _preflight(client, "http://127.0.0.1:8080")
    assert response.status_code == 400  # type: ignore[attr-defined]
    simple = client.get("/health", headers={"Origin": "http://127.0.0.1:8080"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_origins_setting_is_parsed_and_checked(clean_env: None) -> None:
    settings = Settings(cors_origins=" https://a.example.org ,http://127.0.0.1:9000,, ")
    assert settings.cors_origin_list == ("https://a.example.org", "http://127.0.0.1:9000")
    assert Settings().cors_origin_list == ()
    with pytest.raises(
        ValidationError, match=re.escape("'https://a.example.org/path' is not an origin")
    ):
        Settings(cors_origins="https://a.example.org/path")
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(cors_origins="portal.example.org")


# --- body size --------------------------------------------------------------------------------


def test_oversized_body_is_refused_with_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048, rate_limit="")
    body = {"q": "x" * 3000}
    response = client.post("/search", json=body)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than 2048 bytes, the limit for /search; "
        "send less (a shorter query, a smaller document)."
    }
    assert response.headers["x-content-type-options"] == "nosniff"


def test_body_within_the_limit_passes(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048, rate_limit="")
    response = client.post("/search", json={"q": "BioCon Valley", "k": 1})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_streamed_body_without_length_is_cut_off(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048, rate_limit="")

    def chunks() -> Iterator[bytes]:
        yield b'{"q": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    response = client.post(
        "/search", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is larger than 2048 bytes")


def test_documents_have_their_own_larger_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048, max_document_body_bytes=8192, rate_limit="")
    # Under the document limit the request reaches the route (which refuses writes
    # while no write key is configured).
    assert client.post("/documents", content=b"x" * 4096).status_code == 403
    over = client.post("/documents", content=b"x" * 9000)
    assert over.status_code == 413
    assert "larger than 8192 bytes, the limit for /documents" in over.json()["detail"]


# --- rate limits ------------------------------------------------------------------------------


def test_rate_limit_gives_429_with_retry_after(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="2/minute")
    assert client.get("/search", params={"q": "Cluster", "k": 1}).status_code == 200
    assert client.post("/search", json={"q": "Cluster", "k": 1}).status_code == 200
    limited = client.get("/search", params={"q": "Cluster", "k": 1})
    assert limited.status_code == 429
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert limited.json() == {
        "detail": f"Too many requests: the limit is 2 per 1 minute per client. "
        f"Retry in {retry_after} s."
    }
    assert limited.headers["content-security-policy"] == CSP


def test_rate_limit_covers_ask_but_not_other_routes(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="1/minute")
    for _ in range(3):
        assert client.get("/health").status_code == 200
        assert client.get("/documents").status_code == 200
        assert client.get("/").status_code == 200
    assert client.get("/search", params={"q": "Cluster"}).status_code == 200
    # /ask shares the guard: without the route (another module adds it) the guard still counts.
    assert client.post("/ask", json={"question": "Cluster?"}).status_code == 429


def test_each_client_address_has_its_own_bucket(make_client: Callable[..., TestClient]) -> None:
    first = make_client(rate_limit="1/minute")
    second = TestClient(first.app, client=("203.0.113.7", 4000), raise_server_exceptions=False)
    assert first.get("/search", params={"q": "Cluster"}).status_code == 200
    assert first.get("/search", params={"q": "Cluster"}).status_code == 429
    assert second.get("/search", params={"q": "Cluster"}).status_code == 200


def test_guards_hold_under_a_root_path(make_client: Callable[..., TestClient]) -> None:
    # Behind a proxy serving the app under /api (uvicorn --root-path /api), paths arrive
    # with the prefix; the guards must still recognise /api/search as /search.
    app = make_client(rate_limit="1/minute", max_body_bytes=2048).app
    client = TestClient(app, root_path="/api", raise_server_exceptions=False)
    assert client.get("/api/search", params={"q": "Cluster", "k": 1}).status_code == 200
    assert client.get("/api/search", params={"q": "Cluster", "k": 1}).status_code == 429
    assert client.post("/api/search", content=b"x" * 3000).status_code == 413
    assert client.get("/api/searchable").status_code == 404  # a prefix is not a match


def test_preflights_are_not_counted(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="1/minute", cors_origins=PORTAL)
    for _ in range(3):
        assert _preflight(client, PORTAL).status_code == 200  # type: ignore[attr-defined]
    response = client.get("/search", params={"q": "Cluster"}, headers={"Origin": PORTAL})
    assert response.status_code == 200
    limited = client.get("/search", params={"q": "Cluster"}, headers={"Origin": PORTAL})
    assert limited.status_code == 429
    # A portal's script can read the wait: the header is exposed cross-origin.
    assert limited.headers["access-control-allow-origin"] == PORTAL
    assert limited.headers["access-control-expose-headers"] == "Retry-After, X-Request-ID"


def test_rate_limit_setting(clean_env: None) -> None:
    assert Settings().rate_limit == "60/minute"
    assert Settings(rate_limit="10/second;1000/day").rate_limit == "10/second;1000/day"
    with pytest.raises(ValidationError, match="rate_limit 'lots' is not understood"):
        Settings(rate_limit="lots")


@pytest.mark.parametrize("uri", ["memory", "", "async+memory://", "Redis host"])
def test_rate_limit_storage_is_checked(clean_env: None, uri: str) -> None:
    with pytest.raises(ValidationError, match="is not a limits storage URI"):
        Settings(rate_limit_storage=uri)


def test_unknown_storage_scheme_stops_the_start(make_client: Callable[..., TestClient]) -> None:
    from limits.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown storage scheme"):
        make_client(rate_limit_storage="bogus://x")


def test_no_rate_limit_when_disabled(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="")
    statuses = {
        client.get("/search", params={"q": "Cluster", "k": 1}).status_code for _ in range(5)
    }
    assert statuses == {200}


# --- no stack traces --------------------------------------------------------------------------


def test_unexpected_errors_reveal_nothing(make_client: Callable[..., TestClient]) -> None:
    client = make_client()

    @client.app.get("/boom")  # type: ignore[attr-defined,misc]
    def boom() -> None:
        raise RuntimeError("secret at /srv/clustersearch/keys.txt line 3")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal error. It has been logged; please retry or report it."
    }
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert _headers_of(response) == SECURITY_HEADERS


def test_settings_come_from_the_environment(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERSEARCH_CORS_ORIGINS", "https://a.example.org,https://b.example.org")
    monkeypatch.setenv("CLUSTERSEARCH_RATE_LIMIT", "5/second")
    monkeypatch.setenv("CLUSTERSEARCH_READ_API_KEYS", "0123456789abcdef0123")
    monkeypatch.setenv("CLUSTERSEARCH_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("CLUSTERSEARCH_FRAME_ANCESTORS", "'self'")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.cors_origin_list == ("https://a.example.org", "https://b.example.org")
    assert (s.rate_limit, s.max_body_bytes, s.frame_ancestors) == ("5/second", 4096, "'self'")
    assert s.read_api_key_list == ("0123456789abcdef0123",)


def test_defaults_are_closed(clean_env: None) -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.cors_origin_list == ()
    assert s.read_api_key_list == ()
    assert (s.rate_limit, s.rate_limit_storage) == ("60/minute", "memory://")
    assert (s.max_body_bytes, s.max_document_body_bytes) == (65536, 26214400)
    assert s.frame_ancestors == "'none'"
