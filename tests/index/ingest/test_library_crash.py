"""A writer SIGKILLed mid-update leaves the last complete state, for real.

Each test runs `clustersearch add` in a subprocess that stops at a checkpoint
(CLUSTERSEARCH_PAUSE_AT), kills it there with SIGKILL, and checks what a fresh process sees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.config import ChunkerConfig
from index.documents.corpus import load_corpus
from index.embedding.base import Embedder
from index.ingest.library import PENDING, Library
from index.retrieval.searcher import Searcher
from index.storage.snapshot import BUILDS, load_index
from tests.conftest import REPO, SEED_CORPUS
from tests.ingest_samples import MARKDOWN, copy_tree, tree_state

_CLI = "from service.cli import app; app()"


def _start(args: list[str], corpus: Path, index: Path, pause_at: str = "") -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERSEARCH_")}
    env.update(
        CLUSTERSEARCH_CORPUS_DIR=str(corpus),
        CLUSTERSEARCH_INDEX_DIR=str(index),
        CLUSTERSEARCH_PAUSE_AT=pause_at,
    )
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when_paused(proc: subprocess.Popen[str], checkpoint: str) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.strip() == f"PAUSED {checkpoint}":
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"the writer never reached {checkpoint}: {proc.stderr.read()}")


@pytest.fixture
def dirs(tmp_path: Path, seed_index_dir: Path) -> tuple[Path, Path]:
    return (
        copy_tree(SEED_CORPUS, tmp_path / "corpus"),
        copy_tree(seed_index_dir, tmp_path / "index"),
    )


@pytest.mark.parametrize(
    ("checkpoint", "committed"),
    [("document-written", False), ("manifest-written", True), ("index-written", True)],
)
def test_killed_writer_restarts_on_the_last_complete_state(
    dirs: tuple[Path, Path], embedder: Embedder, checkpoint: str, committed: bool
) -> None:
    corpus, index = dirs
    new = corpus.parent / "hzwo.md"
    new.write_text(MARKDOWN, encoding="utf-8")
    seed_ids = [d.id for d in load_corpus(corpus).documents]
    old_build = os.readlink(index / "current")
    before = tree_state(corpus, index)

    writer = _start(["add", str(new)], corpus, index, pause_at=checkpoint)
    _kill_when_paused(writer, checkpoint)

    # Killed: the mark says so, and the live index is still the old, complete one.
    assert (index / PENDING).exists()
    assert os.readlink(index / "current") == old_build
    old = load_index(index)
    assert [d for d in old.documents] == seed_ids and old.faiss_index.ntotal == 37

    # The next process finishes (manifest committed) or undoes (not committed) the update.
    library = Library(corpus, index, embedder, ChunkerConfig())
    assert library.recover() is True
    assert not (index / PENDING).exists()
    documents = load_corpus(corpus).documents
    snapshot = load_index(index)
    assert snapshot.manifest.corpus_hash == load_corpus(corpus).content_hash
    assert snapshot.faiss_index.ntotal == len(snapshot.chunks)
    if committed:
        assert [d.id for d in documents][:-1] == seed_ids and len(documents) == 4
        assert documents[-1].title == "Wasserstoff-Cluster Sachsen"
        assert len(snapshot.chunks) == 40
        hit = Searcher(snapshot, embedder).search("Wasserstoff Förderung Sachsen", 1)[0]
        assert hit.document.id == documents[-1].id
    else:
        assert [d.id for d in documents] == seed_ids
        # The stray text is gone and nothing else was touched (the embedding cache may have
        # learnt the new passages: that is what makes the next try cheap).
        after = tree_state(corpus, index)
        assert _without_cache(after) == _without_cache(before)
    listed = {f"{d.id}.txt" for d in documents} | {f"{d.id}.{d.sha256[:12]}.txt" for d in documents}
    assert set(os.listdir(corpus / "documents")) <= listed
    assert len(list((index / BUILDS).iterdir())) == 1


def _without_cache(state: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in state.items() if "cache.sqlite" not in k}


def test_a_second_writer_waits_for_the_lock_then_recovers_and_adds(
    dirs: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = dirs
    first, second = corpus.parent / "hzwo.md", corpus.parent / "bremen.txt"
    first.write_text(MARKDOWN, encoding="utf-8")
    second.write_text("Die Clusterpolitik Bremens setzt auf maritime Wirtschaft.", "utf-8")

    paused = _start(["add", str(first)], corpus, index, pause_at="manifest-written")
    assert paused.stderr is not None
    while (line := paused.stderr.readline()) and line.strip() != "PAUSED manifest-written":
        pass
    waiting = _start(["add", str(second)], corpus, index)
    time.sleep(3)
    assert waiting.poll() is None  # blocked on the update lock
    paused.send_signal(signal.SIGKILL)
    paused.wait(timeout=30)
    out, err = waiting.communicate(timeout=180)
    assert waiting.returncode == 0, err
    assert out.startswith("added")

    documents = load_corpus(corpus).documents
    assert [d.title for d in documents][-2:] == ["Wasserstoff-Cluster Sachsen", "bremen"]
    snapshot = load_index(index)
    assert snapshot.manifest.corpus_hash == load_corpus(corpus).content_hash
    assert {c.document_id for c in snapshot.chunks.values()} == {d.id for d in documents}
    assert not (index / PENDING).exists()
