"""Request ids and the request log: one structured line per request on stdout."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.access import ApiKeys
from service.logs import JsonFormatter, TextFormatter

READ_KEY = "portal-a-0123456789abcdef"
WRITE_KEY = "w" * 24
_HEX32 = re.compile(r"[0-9a-f]{32}")


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _requests(out: str) -> list[dict[str, object]]:
    return [entry for entry in _lines(out) if entry["logger"] == "clustersearch.request"]


def test_a_well_formed_request_id_is_kept_and_returned(
    make_client: Callable[..., TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(rate_limit="")
    capsys.readouterr()
    response = client.get("/health", headers={"X-Request-ID": "lb-7f3a:0042_x.y"})
    assert response.headers["x-request-id"] == "lb-7f3a:0042_x.y"
    [entry] = _requests(capsys.readouterr().out)
    assert entry["request_id"] == "lb-7f3a:0042_x.y"


@pytest.mark.parametrize("sent", [None, b"", b"has space", b"x" * 129, b"semi;colon", "ü".encode()])
def test_otherwise_a_new_one_is_made(
    make_client: Callable[..., TestClient], sent: bytes | None
) -> None:
    client = make_client(rate_limit="")
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = client.get("/health", headers=headers).headers["x-request-id"]
    second = client.get("/health", headers=headers).headers["x-request-id"]
    assert _HEX32.fullmatch(first) and _HEX32.fullmatch(second) and first != second


def test_one_json_line_per_request_with_route_status_time_and_client(
    make_client: Callable[..., TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(rate_limit="")
    capsys.readouterr()
    client.get("/search", params={"q": "Cluster", "k": 1}, headers={"X-Request-ID": "r1"})
    client.get("/documents/nope", headers={"X-Request-ID": "r2"})
    client.get("/no/such/page", headers={"X-Request-ID": "r3"})
    entries = _requests(capsys.readouterr().out)
    assert [(e["request_id"], e["method"], e["route"], e["status"]) for e in entries] == [
        ("r1", "GET", "/search", 200),
        ("r2", "GET", "/documents/{document_id}", 404),
        ("r3", "GET", "unmatched", 404),
    ]
    for entry in entries:
        assert set(entry) == {
            "time",
            "level",
            "logger",
            "message",
            "request_id",
            "method",
            "route",
            "status",
            "took_ms",
            "client",
        }
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(entry["time"]))
        assert entry["level"] == "info" and entry["client"] == "ip:testclient"
        assert isinstance(entry["took_ms"], float) and entry["took_ms"] > 0


def test_the_client_is_the_keys_id_never_the_key(
    make_client: Callable[..., TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(rate_limit="", read_api_keys=READ_KEY, api_keys=WRITE_KEY)
    capsys.readouterr()
    assert client.get(
        "/search", params={"q": "Cluster"}, headers={"X-API-Key": READ_KEY}
    ).is_success
    refused = client.delete("/documents/nope", headers={"X-API-Key": WRITE_KEY})
    assert refused.status_code == 404
    assert client.get("/search", params={"q": "Cluster"}).status_code == 401
    out = capsys.readouterr().out
    assert READ_KEY not in out and WRITE_KEY not in out
    read_id = ApiKeys.from_keys([READ_KEY]).identify(READ_KEY.encode())
    write_id = ApiKeys.from_keys([WRITE_KEY]).identify(WRITE_KEY.encode())
    assert [(e["route"], e["status"], e["client"]) for e in _requests(out)] == [
        ("/search", 200, read_id),
        ("/documents/{document_id}", 404, write_id),
        ("/search", 401, "ip:testclient"),
    ]


def test_a_500_is_logged_with_its_request_id_and_returns_it(
    make_client: Callable[..., TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client()

    @client.app.get("/boom")  # type: ignore[attr-defined,misc]
    def boom() -> None:
        raise RuntimeError("kaput")

    capsys.readouterr()
    response = client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500 and response.headers["x-request-id"] == "boom-1"
    entries = _lines(capsys.readouterr().out)
    error = next(e for e in entries if e["level"] == "error")
    assert error["request_id"] == "boom-1" and "RuntimeError: kaput" in str(error["exception"])
    assert [(e["route"], e["status"]) for e in _requests_of(entries)] == [("/boom", 500)]


def _requests_of(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in entries if e["logger"] == "clustersearch.request"]


def test_text_format_and_level_come_from_the_settings(
    make_client: Callable[..., TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(rate_limit="", log_format="text")
    capsys.readouterr()
    client.get("/health", headers={"X-Request-ID": "t-1"})
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"\S+Z INFO clustersearch\.request request request_id=t-1 method=GET route=/health "
        r"status=200 took_ms=[0-9.]+ client=ip:testclient",
        line,
    )
    quiet = make_client(rate_limit="", log_level="warning")
    capsys.readouterr()
    quiet.get("/health")
    assert capsys.readouterr().out == ""
    make_client(rate_limit="")  # back to the default for the tests that follow


def test_formatters_render_fields_and_exceptions() -> None:
    record = logging.LogRecord("clustersearch.x", logging.WARNING, "f", 1, "hi %s", ("you",), None)
    record.fields = {"a": 1, "b": "ü"}
    entry = json.loads(JsonFormatter().format(record))
    assert entry.pop("time").endswith("Z")
    assert entry == {
        "level": "warning",
        "logger": "clustersearch.x",
        "message": "hi you",
        "a": 1,
        "b": "ü",
    }
    assert TextFormatter().format(record).endswith(" WARNING clustersearch.x hi you a=1 b=ü")
