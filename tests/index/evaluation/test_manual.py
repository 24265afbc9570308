from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import index.evaluation.manual as manual
from index.config import ChunkerConfig, RankingConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.errors import ChunkingError
from index.evaluation.manual import load_manual, manual_searcher, manual_snapshot
from index.storage.cache import PassageCache


class _Counter:
    """A toy embedder (two features of the text) that counts the passages it embeds."""

    model_id, dim = "toy", 2

    def __init__(self) -> None:
        self.passages = 0

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return np.asarray([[len(t), 1.0] for t in texts], dtype=np.float32).reshape(-1, 2)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.passages += len(texts)
        return self.encode_queries(texts)


def _page(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pages = {
        "ch01.en.html": _page("Chapter 1", "<h2>1.1. Shells</h2><p>A shell reads commands.</p>"),
        "ch01.de.html": _page("Kapitel 1", "<h2>1.1. Shells</h2><p>Eine Shell liest Befehle.</p>"),
        "ch02.en.html": _page("Chapter 2", "<h2>2.1. Users</h2><p>Every user has an id.</p>"),
        "ch02.de.html": _page("Kapitel 2", "<h2>2.1. Benutzer</h2><p>Jeder Benutzer hat Id.</p>"),
        "ch03.en.html": _page("Chapter 3", "<p>Only in English, so not a part.</p>"),
        "index.html": _page("Index", "<p>No language in the name.</p>"),
        "empty.en.html": "<html><body></body></html>",
        "empty.de.html": "<html><body></body></html>",
    }  # fmt: skip
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    return tmp_path


def test_load_manual_pairs_parts_present_in_every_language(folder: Path) -> None:
    corpus = load_manual(folder)
    assert sorted(corpus) == ["ch01", "ch02"]  # ch03 is English only; empty has no text
    doc = corpus["ch02"]["de"]
    assert (doc.id, doc.title, doc.language) == ("ch02.de", "Kapitel 2", "de")
    assert doc.text == "2.1. Benutzer\n\nJeder Benutzer hat Id.\n"
    assert load_manual(folder / "missing") == {}


def test_snapshot_embeds_through_the_cache_and_skips_what_cannot_be_chunked(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = manual.chunk_document

    def chunk(document: Document, config: ChunkerConfig) -> list[Chunk]:
        if document.id == "ch02.en":
            raise ChunkingError("cannot cut ch02.en")
        return real(document, config)

    monkeypatch.setattr(manual, "chunk_document", chunk)
    corpus = load_manual(folder)
    embedder = _Counter()
    cache = PassageCache(tmp_path / "cache.sqlite")
    built = manual_snapshot(corpus, embedder, cache, ChunkerConfig())  # type: ignore[arg-type]
    assert built.skipped == ("ch02.en",)
    assert sorted(c.document_id for c in built.chunks) == ["ch01.de", "ch01.en", "ch02.de"]
    assert embedder.passages == 3
    assert built.snapshot.faiss_index.ntotal == 3
    again = manual_snapshot(corpus, embedder, cache, ChunkerConfig())  # type: ignore[arg-type]
    assert embedder.passages == 3  # all from the cache
    assert set(again.snapshot.chunks) == set(built.snapshot.chunks)
    searcher = manual_searcher(built, embedder, cache)  # type: ignore[arg-type]
    lexical = searcher.with_ranking(RankingConfig(method="bm25", bridge=None))
    assert [h.chunk.document_id for h in lexical.search("Befehle", 5, lang="de")] == ["ch01.de"]
