"""One document that cannot be chunked never stops a build of the others."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import index.documents.chunk as chunk_module
from index.config import ChunkerConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document, load_corpus
from index.embedding.base import Vectors
from index.ingest.build import build_index, build_snapshot
from index.storage.snapshot import load_index
from tests.conftest import SEED_CORPUS
from tests.index.documents.test_chunk import LONG_LINE_DOCUMENT, NBSP_DOCUMENT
from tests.ingest_samples import copy_tree


class HashEmbedder:
    """Unit vectors from a hash of the text: a fast stand-in, the model is not under test."""

    model_id = "hash-stand-in"
    dim = 4

    def _encode(self, texts: Sequence[str]) -> Vectors:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], dtype=np.uint32)
                for t in texts]  # fmt: skip
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


BROKEN = "001_2d85a1c0382ad4fa"


@pytest.fixture
def broken_chunker(monkeypatch: pytest.MonkeyPatch) -> None:
    """`chunk_document` fails on one seed document (as a chunker bug would)."""
    real = chunk_module.chunk_document

    def chunk_document(document: Document, config: ChunkerConfig) -> list[Chunk]:
        if document.id == BROKEN:
            raise RuntimeError("boom")
        return real(document, config)

    monkeypatch.setattr(chunk_module, "chunk_document", chunk_document)


@pytest.mark.usefixtures("broken_chunker")
def test_a_document_that_cannot_be_chunked_is_skipped_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reason = "it could not be cut into passages (RuntimeError: boom)"
    with caplog.at_level(logging.WARNING, logger="clustersearch.ingest"):
        report = build_index(SEED_CORPUS, tmp_path, HashEmbedder(), ChunkerConfig())
    assert (report.status, report.documents, report.chunks) == ("built", 3, 12 + 19)
    assert report.skipped == ((BROKEN, reason),)
    assert caplog.messages == [f"Skipped document {BROKEN}: {reason}"]
    snapshot = load_index(tmp_path)
    assert {c.document_id for c in snapshot.chunks.values()} == {
        "000_845843b92d703299",
        "002_ef865dbee6ab942a",
    }
    assert BROKEN in snapshot.documents  # kept, without passages


@pytest.mark.usefixtures("broken_chunker")
def test_build_snapshot_tells_on_skip() -> None:
    told: list[tuple[str, str]] = []
    documents = load_corpus(SEED_CORPUS).documents
    snapshot = build_snapshot(documents, HashEmbedder(), ChunkerConfig(), corpus_hash="h",
                              on_skip=lambda i, r: told.append((i, r)))  # fmt: skip
    assert [i for i, _ in told] == [BROKEN]
    assert len(snapshot.chunks) == 31 and len(snapshot.documents) == 3


def test_the_documents_that_stopped_builds_now_build(tmp_path: Path) -> None:
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    manifest = (corpus / "manifest.toml").read_text(encoding="utf-8")
    for name, text in (("nbsp", NBSP_DOCUMENT), ("long-line", LONG_LINE_DOCUMENT)):
        (corpus / "documents" / f"{name}.txt").write_text(text, encoding="utf-8")
        manifest += (f'\n[[documents]]\nid = "{name}"\nfile = "{name}.txt"\ntitle = "{name}"\n'
                     f'language = "en"\nsource = "{name}.txt"\n')  # fmt: skip
    (corpus / "manifest.toml").write_text(manifest, encoding="utf-8")
    report = build_index(corpus, tmp_path / "index", HashEmbedder(), ChunkerConfig())
    assert (report.status, report.documents, report.chunks, report.skipped) == (
        "built", 5, 37 + 2 + 2, ())  # fmt: skip
    snapshot = load_index(tmp_path / "index")
    for chunk in snapshot.chunks.values():
        assert snapshot.documents[chunk.document_id].text[chunk.start : chunk.end] == chunk.text
