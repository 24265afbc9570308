"""Searches during updates see the old or the new state, never a mix — for real,
over HTTP on a loopback port, with readers in threads while a writer replaces a document
and then rebuilds the whole index beside the live one."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from index.embedding.base import Embedder
from index.ingest.build import build_index
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import copy_tree

KEY = "w" * 24
# Two versions of one document with different chunk counts, each passage marked.
ALPHA = "\n\n".join(
    f"Abschnitt {i}\n\nVersion Alpha: Kapitel {i} der Clusterstrategie Saarland." for i in range(3)
)
BETA = "\n\n".join(
    f"Abschnitt {i}\n\nVersion Beta: Kapitel {i} der Clusterstrategie Saarland." for i in range(5)
)
QUERY = "Version Alpha Beta Kapitel Clusterstrategie Saarland"


@pytest.fixture
def server(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Settings, FastAPI]]:
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    index = copy_tree(seed_index_dir, tmp_path / "index")
    settings = Settings(corpus_dir=corpus, index_dir=index, rate_limit="", api_keys=KEY)
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", settings, app
    finally:
        srv.should_exit = True
        thread.join(timeout=30)


def test_readers_never_see_a_mix_during_replaces_and_a_full_rebuild(
    server: tuple[str, Settings, FastAPI], embedder: Embedder
) -> None:
    base, settings, app = server
    auth = {"X-API-Key": KEY}
    with httpx.Client(base_url=base, timeout=60) as client:
        added = client.post("/documents", json={"text": ALPHA, "id": "saar"}, headers=auth)
        assert added.status_code == 201, added.text
    done = threading.Event()
    problems: list[str] = []
    seen: dict[str, int] = {"alpha": 0, "beta": 0}
    reads = [0]

    def read() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not done.is_set():
                response = client.get(
                    "/search", params={"q": QUERY, "k": 50, "document_id": "saar"}
                )
                if response.status_code != 200:
                    problems.append(f"{response.status_code}: {response.text}")
                    continue
                texts = [r["text"] for r in response.json()["results"]]
                versions = {"alpha" if "Alpha" in t else "beta" for t in texts}
                expected = {"alpha": 3, "beta": 5}
                if len(versions) != 1 or len(texts) != expected[next(iter(versions))]:
                    problems.append(f"mixed state: {texts}")
                    continue
                seen[versions.pop()] += 1
                reads[0] += 1

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for i in range(6):
                text = BETA if i % 2 == 0 else ALPHA
                put = client.put("/documents/saar", json={"text": text}, headers=auth)
                assert put.status_code == 200 and put.json()["status"] == "replaced", put.text
                time.sleep(0.2)
            # A full rebuild (as `clustersearch build --force` does) beside the live index.
            before = client.get("/health").json()["index_built"]
            report = build_index(
                settings.corpus_dir, settings.index_dir, embedder, settings.chunker, force=True
            )
            assert report.status == "built"
            time.sleep(0.5)
            health = client.get("/health").json()
            assert health["status"] == "ok" and health["chunks"] == 37 + 3
            assert health["index_built"] >= before
            # The service moved to the rebuilt index without a restart.
            assert (
                app.state.engine.serving.build
                == report.index_dir.joinpath("current").readlink().name
            )
    finally:
        done.set()
        for thread in readers:
            thread.join(timeout=60)
    assert problems == []
    assert reads[0] >= 10 and seen["alpha"] > 0 and seen["beta"] > 0
