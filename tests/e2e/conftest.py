"""End-to-end fixtures: the real service on a loopback port, a portal page on a second origin
(allowed by CORS) and on a third (not allowed), and Debian's Chromium driven by Playwright.

No browser is ever downloaded: Playwright launches /usr/bin/chromium (`apt-get install
chromium`; `make test` installs it when missing). Without it these tests skip — unless
CLUSTERSEARCH_E2E_REQUIRED=1 (set by `make test`, so CI), where they fail instead.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from index import ChunkerConfig, Embedder, build_index
from service.main import create_app
from service.settings import Settings
from tests.conftest import REPO, SEED_CORPUS
from tests.e2e.corpus import write_injection_corpus

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"
REQUIRED = os.environ.get("CLUSTERSEARCH_E2E_REQUIRED") == "1"


@dataclass(frozen=True)
class Servers:
    api: str  # the service, e.g. http://127.0.0.1:PORT
    portal: str  # a portal page on another origin, allowed by CORS
    stranger: str  # the same page on an origin that is not allowed


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (CLUSTERSEARCH_E2E_REQUIRED=1: the browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _loopback_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _static_server(directory: Path) -> ThreadingHTTPServer:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


PORTAL_PAGE = """<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portal</title>
<style>body {{ font-family: serif; margin: 1rem; background: #fdfcf8; }}
cluster-search {{ --cs-accent: #7a1f3d; --cs-font: system-ui, sans-serif; }}</style>
<script src="{api}/widget.js" defer></script>
</head>
<body>
<h1>Innovationsportal Sachsen</h1>
<p>Ein Portal auf einem anderen Origin bettet die Suche ein.</p>
<cluster-search api="{api}" lang="de"></cluster-search>
</body>
</html>
"""


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Servers]:
    import uvicorn

    root = tmp_path_factory.mktemp("e2e")
    corpus = write_injection_corpus(SEED_CORPUS, root / "corpus")
    build_index(corpus, root / "index", embedder, ChunkerConfig())

    (root / "portal").mkdir()
    portal = _static_server(root / "portal")
    stranger = _static_server(root / "portal")
    portal_origin = f"http://127.0.0.1:{portal.server_address[1]}"
    stranger_origin = f"http://127.0.0.1:{stranger.server_address[1]}"

    sock = _loopback_socket()
    api = f"http://127.0.0.1:{sock.getsockname()[1]}"
    (root / "portal" / "portal.html").write_text(PORTAL_PAGE.format(api=api), encoding="utf-8")
    settings = Settings(
        corpus_dir=corpus,
        index_dir=root / "index",
        cors_origins=portal_origin,
        rate_limit="1000/minute",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start; see the log above")
        time.sleep(0.05)
    try:
        yield Servers(api=api, portal=portal_origin, stranger=stranger_origin)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        portal.shutdown()
        stranger.shutdown()
        sock.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no stored language) and page, German by default."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def console(page: Any) -> list[str]:
    """Everything the page logs, and its uncaught errors (CSP violations show up here)."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
    return seen


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
