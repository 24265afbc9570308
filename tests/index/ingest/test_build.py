from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.config import ChunkerConfig
from index.documents.corpus import load_corpus
from index.documents.passage import passage_text
from index.embedding.base import Embedder
from index.ingest.build import build_index
from index.ingest.lexical import cached_terms, passage_terms_of
from index.storage.cache import CACHE_NAME, PassageCache, content_key
from index.storage.snapshot import load_index, read_manifest
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import CountingEmbedder


def test_build_then_up_to_date_then_rebuild_on_change(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    index_dir = tmp_path / "index"
    steps: list[tuple[int, int]] = []

    first = build_index(corpus, index_dir, embedder, ChunkerConfig(),
                        progress=lambda d, t: steps.append((d, t)))  # fmt: skip
    assert (first.status, first.documents, first.chunks) == ("built", 3, 37)
    assert steps == [(37, 37)]  # one cache write per 256 passages
    built_at = read_manifest(index_dir).build_time

    again = build_index(corpus, index_dir, embedder, ChunkerConfig())
    assert again.status == "up-to-date"
    assert read_manifest(index_dir).build_time == built_at

    doc = corpus / "documents" / "001_2d85a1c0382ad4fa.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\nNew paragraph.", encoding="utf-8")
    changed = build_index(corpus, index_dir, embedder, ChunkerConfig())
    assert changed.status == "built"
    assert read_manifest(index_dir).corpus_hash == load_corpus(corpus).content_hash


def test_other_chunker_setting_forces_rebuild(tmp_path: Path, embedder: Embedder) -> None:
    build_index(SEED_CORPUS, tmp_path, embedder, ChunkerConfig())
    report = build_index(SEED_CORPUS, tmp_path, embedder, ChunkerConfig(chunk_size=300))
    assert report.status == "built"
    assert load_index(tmp_path).manifest.chunker["chunk_size"] == 300


def test_passage_text_carries_title_and_section(seed_index_dir: Path) -> None:
    snap = load_index(seed_index_dir)
    chunk = next(c for c in snap.chunks.values() if c.section == "Freistaat Sachsen")
    text = passage_text(chunk, snap.documents[chunk.document_id])
    head = "Länder: Clusterpolitik der 16 Bundesländer — Freistaat Sachsen\nEuropas führendes"
    assert text.startswith(head)


def test_build_fills_the_passage_cache_the_updates_read(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingEmbedder(embedder)
    build_index(SEED_CORPUS, tmp_path, counting, ChunkerConfig())
    assert counting.embedded == 37
    snapshot = load_index(tmp_path)
    chunks = list(snapshot.chunks.values())
    texts = [passage_text(c, snapshot.documents[c.document_id]) for c in chunks]
    cache = PassageCache(tmp_path / CACHE_NAME)
    assert len(cache.vectors(embedder.model_id, [content_key(t) for t in texts])) == 37

    # a later update (a new process: nothing in memory) analyses no passage again
    def never(*_: object) -> list[str]:
        raise AssertionError("a passage was analysed again")

    expected = passage_terms_of(chunks, snapshot.documents)
    monkeypatch.setattr("index.ingest.lexical.passage_terms", never)
    assert cached_terms(chunks, snapshot.documents, cache) == expected

    rebuilt = build_index(SEED_CORPUS, tmp_path, counting, ChunkerConfig(), force=True)
    assert (rebuilt.status, rebuilt.chunks, counting.embedded) == ("built", 37, 37)
