"""`clustersearch serve` for real, on loopback: whose X-Forwarded-For counts for the rate
limit, and a request head over the limit (431 instead of a reset).

One server for the module, trusting 127.0.0.2 as its proxy; clients connect from 127.0.0.1
(any local process: not a proxy) and from 127.0.0.2 (the proxy).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, SEED_CORPUS

PROXY = "127.0.0.2"
LIMIT = 5


@pytest.fixture(scope="module")
def served(seed_index_dir: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERSEARCH_")}
    env.update(
        CLUSTERSEARCH_CORPUS_DIR=str(SEED_CORPUS),
        CLUSTERSEARCH_INDEX_DIR=str(seed_index_dir),
        CLUSTERSEARCH_RATE_LIMIT=f"{LIMIT}/minute",
        CLUSTERSEARCH_MAX_HEADER_BYTES="8192",
        FORWARDED_ALLOW_IPS="*",  # uvicorn's own trust, which `serve` must not use
    )
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--trusted-proxies", PROXY]
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import app; app()", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the server did not start: {server.communicate()[1]}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _client(base: str, source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=base, transport=transport, timeout=60)


def test_forwarded_for_from_a_peer_that_is_no_proxy_is_ignored(served: str) -> None:
    with _client(served, "127.0.0.1") as client:
        statuses = [
            client.get(
                "/search",
                params={"q": "Cluster", "k": 1},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(100)
        ]
    assert statuses == [200] * LIMIT + [429] * (100 - LIMIT)


def test_a_trusted_proxy_has_its_clients_counted_one_by_one(served: str) -> None:
    with _client(served, PROXY) as proxy:
        varied = [
            proxy.get(
                "/search",
                params={"q": "Cluster", "k": 1},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(100)
        ]
        one_client = [
            proxy.get(
                "/search",
                params={"q": "Cluster", "k": 1},
                headers={"X-Forwarded-For": "192.0.2.1, 192.0.2.77"},
            ).status_code
            for _ in range(LIMIT + 2)
        ]
        # Without X-Forwarded-For the proxy itself is the client.
        own = [proxy.get("/search", params={"q": "Cluster", "k": 1}).status_code for _ in range(7)]
    assert varied == [200] * 100
    assert one_client == [200] * LIMIT + [429, 429]
    assert own == [200] * LIMIT + [429, 429]


def test_a_huge_header_gets_431_not_a_reset(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    head = (
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: "
        + b"a" * (1024 * 1024)
        + b"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert rest.endswith(b"Request header fields too large: send smaller headers.")
    # Under the limit the same request passes.
    ok = httpx.get(f"{served}/health/live", headers={"X-Filler": "a" * 4000}, timeout=30)
    assert ok.status_code == 200
