from __future__ import annotations

import hmac
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service import access
from service.access import ApiKeys
from service.settings import Settings

KEY_A = "portal-a-0123456789abcdef"
KEY_B = "portal-b-fedcba9876543210"


def test_identify_names_each_key_and_refuses_others() -> None:
    keys = ApiKeys.from_keys([KEY_A, KEY_B])
    a, b = keys.identify(KEY_A.encode()), keys.identify(KEY_B.encode())
    assert a is not None and b is not None
    assert a.startswith("key:") and len(a) == len("key:") + 16
    assert a != b
    assert keys.identify(KEY_A.encode()) == a  # stable: the same bucket every time
    assert KEY_A not in a  # the bucket name does not reveal the key
    assert keys.identify(b"portal-a-0123456789abcdeX") is None
    assert keys.identify(b"") is None
    assert keys.identify(None) is None


def test_no_keys_means_disabled() -> None:
    assert not ApiKeys.from_keys([]).enabled
    assert ApiKeys.from_keys([KEY_A]).enabled


def test_every_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", counting)
    keys = ApiKeys.from_keys([KEY_A, KEY_B, "portal-c-0000000000000000"])
    assert keys.identify(KEY_A.encode()) is not None  # matches the first key …
    assert len(calls) == 3  # … and still compares against all three
    assert {len(a) for a, _ in calls} == {32}  # digests: same length whatever was sent


def test_settings_hide_and_check_keys(clean_env: None) -> None:
    settings = Settings(read_api_keys=f"{KEY_A}, {KEY_B}")
    assert settings.read_api_key_list == (KEY_A, KEY_B)
    assert KEY_A not in repr(settings)
    assert Settings().read_api_key_list == ()
    with pytest.raises(ValidationError, match="every key needs at least 16 characters"):
        Settings(read_api_keys=f"{KEY_A},short")


@pytest.fixture
def keyed(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(read_api_keys=f"{KEY_A},{KEY_B}", rate_limit="")


def test_missing_key_is_refused(keyed: TestClient) -> None:
    response = keyed.get("/search", params={"q": "Cluster"})
    assert response.status_code == 401
    assert response.json() == {
        "detail": "This endpoint needs an API key: send it in the X-API-Key header."
    }
    assert response.headers["www-authenticate"] == "X-API-Key"
    assert keyed.post("/ask", json={"question": "Cluster?"}).status_code == 401


def test_wrong_key_is_refused(keyed: TestClient) -> None:
    response = keyed.get("/search", params={"q": "Cluster"}, headers={"X-API-Key": "nope"})
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The X-API-Key sent is not a valid key; ask the operator for one."
    }


def test_valid_keys_pass(keyed: TestClient) -> None:
    for key in (KEY_A, KEY_B):
        response = keyed.get("/search", params={"q": "BioCon", "k": 2}, headers={"X-API-Key": key})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 2
    post = keyed.post("/search", json={"q": "BioCon", "k": 1}, headers={"X-API-Key": KEY_A})
    assert post.status_code == 200


def test_other_routes_stay_open(keyed: TestClient) -> None:
    for path in ("/", "/health", "/documents", "/widget.js", "/demo"):
        assert keyed.get(path).status_code == 200, path


def test_preflight_needs_no_key(make_client: Callable[..., TestClient]) -> None:
    client = make_client(read_api_keys=KEY_A, cors_origins="https://portal.example.org")
    response = client.options(
        "/search",
        headers={
            "Origin": "https://portal.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert response.status_code == 200


def test_each_key_has_its_own_rate_limit_bucket(make_client: Callable[..., TestClient]) -> None:
    client = make_client(read_api_keys=f"{KEY_A},{KEY_B}", rate_limit="1/minute")
    params = {"q": "Cluster", "k": 1}
    assert client.get("/search", params=params, headers={"X-API-Key": KEY_A}).status_code == 200
    again = client.get("/search", params=params, headers={"X-API-Key": KEY_A})
    assert again.status_code == 429
    assert int(again.headers["retry-after"]) >= 1
    # Same address, other key: its own quota.
    assert client.get("/search", params=params, headers={"X-API-Key": KEY_B}).status_code == 200


def test_refused_requests_do_not_use_a_keys_quota(make_client: Callable[..., TestClient]) -> None:
    client = make_client(read_api_keys=KEY_A, rate_limit="1/minute")
    for _ in range(3):
        assert client.get("/search", params={"q": "Cluster"}).status_code == 401
    ok = client.get("/search", params={"q": "Cluster", "k": 1}, headers={"X-API-Key": KEY_A})
    assert ok.status_code == 200
