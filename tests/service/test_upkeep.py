"""A running service catches up with a corpus its index does not reflect: a `clustersearch
add` SIGKILLed after committing the manifest, or a manifest changed by hand. Until it has,
/health says so."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.documents.corpus import MANIFEST_NAME, load_corpus
from index.embedding.base import Embedder
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import REPO, SEED_CORPUS
from tests.ingest_samples import MARKDOWN, copy_tree

CATCHING_UP = (
    "An update of the corpus is running or was interrupted; the service is bringing its "
    "index up to date (within seconds)."
)


@pytest.fixture
def settings(tmp_path: Path, seed_index_dir: Path) -> Settings:
    return Settings(
        corpus_dir=copy_tree(SEED_CORPUS, tmp_path / "corpus"),
        index_dir=copy_tree(seed_index_dir, tmp_path / "index"),
        rate_limit="",
        watch_interval=0.2,
    )


def _paused_writer(settings: Settings, checkpoint: str) -> subprocess.Popen[str]:
    """`clustersearch add` of a new Markdown document, stopped at `checkpoint`."""
    new = settings.corpus_dir.parent / "hzwo.md"
    new.write_text(MARKDOWN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERSEARCH_")}
    env.update(
        CLUSTERSEARCH_CORPUS_DIR=str(settings.corpus_dir),
        CLUSTERSEARCH_INDEX_DIR=str(settings.index_dir),
        CLUSTERSEARCH_PAUSE_AT=checkpoint,
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import app; app()", "add", str(new)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stderr is not None
    while (line := writer.stderr.readline()) and line.strip() != f"PAUSED {checkpoint}":
        pass
    assert writer.poll() is None, f"the writer ended early: {writer.stderr.read()}"
    return writer


def _kill(writer: subprocess.Popen[str]) -> None:
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)


def _engine(settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
    return Engine.load(settings)


def test_a_writer_killed_after_the_manifest_is_caught_up_with(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(settings, embedder, monkeypatch)
    app = create_app(settings)
    app.state.engine = engine
    client = TestClient(app, raise_server_exceptions=False)

    writer = _paused_writer(settings, "manifest-written")
    # While the writer holds the update lock, the service waits for it.
    assert engine.check() is False
    assert client.get("/health").json()["detail"] == CATCHING_UP
    _kill(writer)

    health = client.get("/health").json()
    assert (health["status"], health["documents"], health["corpus_changed"]) == ("ok", 3, True)
    assert health["detail"] == CATCHING_UP
    assert engine.check() is True
    assert engine.catch_up() is True

    health = client.get("/health").json()
    assert (health["documents"], health["chunks"], health["corpus_changed"]) == (4, 40, False)
    assert health["detail"] is None
    assert engine.check() is False
    hit = client.get("/search", params={"q": "Wasserstoff Förderung Sachsen", "k": 1}).json()
    assert hit["results"][0]["citation"]["title"] == "Wasserstoff-Cluster Sachsen"


def test_the_running_service_heals_itself_within_seconds(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["documents"] == 3
        _kill(_paused_writer(settings, "manifest-written"))
        deadline = time.monotonic() + 60
        while (health := client.get("/health").json())["documents"] != 4:
            assert health["corpus_changed"] is True and health["detail"] == CATCHING_UP
            assert time.monotonic() < deadline, "the service never caught up"
            time.sleep(0.1)
        assert health["corpus_changed"] is False and health["chunks"] == 40
        metrics = client.get("/metrics").text
        assert re.search(r"^clustersearch_index_catch_ups_total 1\.0$", metrics, re.M)
        assert re.search(r"^clustersearch_index_corpus_changed 0\.0$", metrics, re.M)


def test_a_manifest_changed_by_hand_is_followed(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(settings, embedder, monkeypatch)
    assert engine.check() is False
    manifest = settings.corpus_dir / MANIFEST_NAME
    old = 'title = "Länder: Clusterpolitik der 16 Bundesländer"'
    new = 'title = "Clusterpolitik der Länder"'
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new), "utf-8")
    assert engine.check() is True
    assert engine.serving.corpus_changed is True
    assert engine.catch_up() is True
    searcher = engine.require_searcher()
    assert searcher.snapshot.documents["002_ef865dbee6ab942a"].title == "Clusterpolitik der Länder"
    assert searcher.snapshot.manifest.corpus_hash == load_corpus(settings.corpus_dir).content_hash
    assert engine.check() is False
    assert engine.serving.corpus_changed is False


def test_an_unreadable_manifest_is_reported_not_acted_on(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(settings, embedder, monkeypatch)
    (settings.corpus_dir / MANIFEST_NAME).write_text("[[documents]\nbroken", encoding="utf-8")
    assert engine.check() is False
    assert engine.serving.corpus_changed is None
    assert len(engine.require_searcher().snapshot.documents) == 3


def test_upkeep_merges_the_segments_writes_left(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a merge factor of 2, two small writes make a full tier: one tick merges them,
    and what the service finds stays the same."""
    from index.ingest.uploads import Upload
    from service.upkeep import Upkeep

    settings = settings.model_copy(update={"merge_factor": 2})
    engine = _engine(settings, embedder, monkeypatch)
    assert engine.compact() == 0  # one segment: nothing due, nothing locked
    for i in range(2):
        upload = Upload(MARKDOWN.replace("Wasserstoff", f"Wasserstoff {i}").encode(), f"n{i}.md")
        engine.update(lambda library, u=upload: library.add([u]))
    snapshot = engine.require_searcher().snapshot
    assert len(snapshot.segments) == 3
    before = [h.chunk.id for h in engine.require_searcher().search("Wasserstoff Sachsen", 5)]
    Upkeep(engine, interval=1.0).tick()
    merged = engine.require_searcher().snapshot
    assert len(merged.segments) == 2  # the build (tier 1) and the two writes merged (tier 0)
    assert dict(merged.chunks) == dict(snapshot.chunks)
    assert [h.chunk.id for h in engine.require_searcher().search("Wasserstoff Sachsen", 5)] == (
        before
    )
    assert len(list((settings.index_dir / "segments").iterdir())) == 2


def test_upkeep_reads_the_corpus_once_after_ready(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.ingest.library import Library
    from service.upkeep import Upkeep

    engine = _engine(settings, embedder, monkeypatch)
    read: list[int] = []
    documents = Library.documents

    def counting(library: Library) -> tuple[object, ...]:
        found = documents(library)
        read.append(len(found))
        return found

    monkeypatch.setattr(Library, "documents", counting)
    assert read == [] and engine.serving.corpus_changed is None  # start-up reads nothing
    Upkeep(engine, interval=0).tick()  # checks off: warm up, then decide once for /health
    assert (engine.ready, read, engine.serving.corpus_changed) == (True, [3], False)
    upkeep = Upkeep(engine, interval=1.0)
    upkeep.tick()
    upkeep.tick()
    assert read == [3]  # the seed corpus, once: the first write finds it read
