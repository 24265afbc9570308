from __future__ import annotations

import gc
import shutil
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import index.ingest.manifest as manifest_module
from index.config import BACKGROUND_SWITCH_INTERVAL, ChunkerConfig
from index.documents.corpus import MANIFEST_NAME
from index.embedding.base import Embedder, Vectors
from index.ingest.build import build_index
from index.ingest.library import Upload
from index.retrieval.searcher import Searcher
from index.storage.snapshot import current_build, load_index
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import HTML, GatedEmbedder, copy_tree, run_bounded


def test_index_built_with_other_chunker_is_refused(seed_index_dir: Path) -> None:
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, chunk_size=300)
    engine = Engine.load(settings)
    assert engine.serving.searcher is None
    assert engine.serving.unavailable_reason is not None
    assert "chunk_size': 600" in engine.serving.unavailable_reason
    assert "Rebuild it with the current settings: clustersearch build --force" in (
        engine.serving.unavailable_reason
    )
    with TestClient(create_app(settings)) as client:
        res = client.get("/search", params={"q": "Cluster"})
    assert res.status_code == 503
    assert "clustersearch build --force" in res.json()["detail"]


def _seed_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    return corpus


def test_changed_corpus_is_reported_once_checked(tmp_path: Path, seed_index_dir: Path) -> None:
    corpus = _seed_copy(tmp_path)
    (corpus / "documents" / "000_845843b92d703299.txt").write_text("changed", encoding="utf-8")
    engine = Engine.load(Settings(corpus_dir=corpus, index_dir=seed_index_dir))
    assert engine.serving.searcher is not None
    assert engine.serving.corpus_changed is None  # start-up does not read the corpus
    assert engine.check() is True
    assert engine.serving.corpus_changed is True


def test_an_unchanged_corpus_is_not_read_again_after_the_first_check(
    tmp_path: Path, seed_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _seed_copy(tmp_path)
    engine = Engine.load(Settings(corpus_dir=corpus, index_dir=seed_index_dir))
    reads = []
    real = manifest_module.load_corpus
    monkeypatch.setattr(
        manifest_module, "load_corpus", lambda *a, **kw: reads.append(1) or real(*a, **kw)
    )
    assert (engine.check(), engine.serving.corpus_changed, len(reads)) == (False, False, 1)
    manifest = corpus / MANIFEST_NAME
    manifest.write_text(manifest.read_text(encoding="utf-8"), encoding="utf-8")  # a new stamp
    assert (engine.check(), engine.serving.corpus_changed, len(reads)) == (False, False, 1)


def test_the_corpus_is_read_yielding_to_requests(
    tmp_path: Path, seed_index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine.load(Settings(corpus_dir=_seed_copy(tmp_path), index_dir=seed_index_dir))
    seen, interval = [], sys.getswitchinterval()
    real = manifest_module.load_corpus

    def reading(*args: Any, **kwargs: Any) -> Any:
        seen.append((sys.getswitchinterval(), gc.isenabled()))
        return real(*args, **kwargs)

    monkeypatch.setattr(manifest_module, "load_corpus", reading)
    assert engine.check() is False
    assert seen == [(pytest.approx(BACKGROUND_SWITCH_INTERVAL), False)]
    assert gc.isenabled() and sys.getswitchinterval() == interval
    gc.unfreeze()


def test_unexpected_error_is_500_without_traceback(seed_index_dir: Path) -> None:
    app = create_app(Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        res = client.get("/boom")
    assert res.status_code == 500
    assert "secret" not in res.text
    assert res.json()["detail"].startswith("Internal error.")


class _Recording:
    """The session's model, recording the passage texts it embeds."""

    def __init__(self, inner: Embedder, model_id: str | None = None) -> None:
        self.inner = inner
        self.model_id = model_id or inner.model_id
        self.dim = inner.dim
        self.embedded: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        return self.inner.encode_passages(texts)


def test_word_bridge_is_warm_and_embeds_only_new_words_after_restarts_and_updates(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SEED_CORPUS, corpus)
    build_index(corpus, index_dir, embedder, ChunkerConfig())
    recording = _Recording(embedder)
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: recording)
    settings = Settings(corpus_dir=corpus, index_dir=index_dir)

    engine = Engine.load(settings)
    assert "innovationsstrategie" in recording.embedded  # warmed at start, not on a query
    assert len(recording.embedded) == len(set(recording.embedded))
    recording.embedded.clear()
    engine = Engine.load(settings)  # a restart: every word comes from the cache
    assert recording.embedded == []

    text = "Quantenkryptografie\n\nDas Land fördert Quantenkryptografie in Jena seit 2024."
    upload = Upload(text.encode(), "quanten.txt", language="de", regions=("Thüringen",))
    engine.update(lambda library: library.add([upload]))
    # the new passage (title — section + text) and the two words no snapshot had before
    # ("Land", "Jena" are seed-corpus words; "Das", "seit", "2024" are never bridged)
    assert [t for t in recording.embedded if "\n" not in t] == ["fördert", "quantenkryptografie"]
    recording.embedded.clear()
    hit = engine.require_searcher().search("Quantenkryptografie", 1)[0]
    assert hit.document.id.startswith("quanten")
    assert recording.embedded == []


def test_word_bridge_can_have_its_own_model(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    passages, words = _Recording(embedder), _Recording(embedder, model_id="bridge-model")
    loaded: list[str] = []

    def load(name: str, **_: object) -> Embedder:
        loaded.append(name)
        return words if name == "multilingual-e5-small" else passages

    monkeypatch.setattr("service.models.load_embedder", load)
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    settings = Settings(
        corpus_dir=SEED_CORPUS, index_dir=index_dir, bridge_model="multilingual-e5-small"
    )
    engine = Engine.load(settings)
    assert loaded == ["use-multilingual-v3", "multilingual-e5-small"]
    assert engine.bridge_embedder is words
    assert "innovationsstrategie" in words.embedded  # the bridge's words, by its own model
    assert passages.embedded == []  # the passage model embeds no word
    assert engine.require_searcher().search("Innovationsstrategie", 1)


def test_the_answerer_is_configured_for_the_passage_model(
    clean_env: None, searcher: Searcher, embedder: Embedder
) -> None:
    combined = _Recording(embedder, model_id="multilingual-e5-small*0.8+use-multilingual-v3*0.2")
    settings = Settings(corpus_dir=SEED_CORPUS)
    answerer = Engine(settings, combined, searcher).require_answerer()
    assert (answerer.config.w_passage, answerer.threshold) == (0.3, 0.73)
    assert Engine(settings, embedder, searcher).require_answerer().threshold == 0.69
    pinned = Settings(corpus_dir=SEED_CORPUS, answer_threshold=0.5)
    assert Engine(pinned, combined, searcher).require_answerer().threshold == 0.5


def test_an_empty_bridge_model_shares_the_passage_model(
    seed_index_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
    monkeypatch.setenv("CLUSTERSEARCH_BRIDGE_MODEL", "")
    same = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir)
    assert same.bridge_model is None
    engine = Engine.load(same)
    assert engine.bridge_embedder is engine.embedder  # one model, loaded once
    assert engine.embedder.model_id == embedder.model_id


def test_the_bridge_stays_on_use_under_e5_passages(
    seed_index_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[str] = []

    def load(name: str, **_: object) -> Embedder:
        loaded.append(name)
        return embedder

    monkeypatch.setattr("service.models.load_embedder", load)
    Engine.load(
        Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, model="multilingual-e5-small")
    )
    assert loaded == ["multilingual-e5-small", "use-multilingual-v3"]
    loaded.clear()
    Engine.load(Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir))
    assert loaded == ["use-multilingual-v3"]  # the default model, loaded once for both


def test_searches_and_answers_go_on_while_an_upload_is_embedding(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder
) -> None:
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    index_dir = copy_tree(seed_index_dir, tmp_path / "index")
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, rate_limit="")
    gated = GatedEmbedder(embedder, "Zaunkönig")
    build = current_build(index_dir)
    engine = Engine(settings, gated, Searcher(load_index(index_dir), gated), build=build)
    app = create_app(settings)
    app.state.engine = engine
    client = TestClient(app)
    text = "Zaunkönig-Cluster\n\nDer Zaunkönig-Cluster vernetzt Vogelwarten in Sachsen."
    upload = Upload(text.encode(), "zaunkoenig.txt", language="de")
    writing = threading.Thread(target=lambda: engine.update(lambda lib: lib.add([upload])))
    writing.start()
    try:
        assert gated.embedding.wait(120)
        found = run_bounded(lambda: client.get("/search", params={"q": "Cluster", "k": 3}))
        asked = run_bounded(lambda: client.post("/ask", json={"question": "Was ist innoBB?"}))
        engine.refresh()  # returns at once: the writer is not committing yet
        assert engine.serving.build == build
        other = Upload(HTML.encode(), "optence.html")  # another write commits meanwhile
        added = run_bounded(lambda: engine.update(lambda lib: lib.add([other])))
        assert [c.status for c in added.changes] == ["added"]
        assert engine.serving.build not in (build, None)
    finally:
        gated.gate.set()
        writing.join(120)
    assert (found.status_code, len(found.json()["results"])) == (200, 3)
    assert asked.status_code == 200
    documents = engine.require_searcher().snapshot.documents
    assert {"zaunkoenig", "optence"} <= {i.split("_")[0] for i in documents}
    hit = engine.require_searcher().search("Zaunkönig Vogelwarten", 1)[0]
    assert hit.document.id.startswith("zaunkoenig")
