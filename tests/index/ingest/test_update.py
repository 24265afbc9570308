"""Updates of an approximate (IVF) vector index keep exactly the live chunks searchable."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.config import ChunkerConfig, VectorConfig
from index.documents.corpus import Document
from index.documents.passage import passage_text
from index.embedding.base import Vectors
from index.ingest.build import build_snapshot
from index.ingest.update import update_snapshot
from index.storage.cache import PassageCache
from index.storage.snapshot import IndexSnapshot, load_index, save_index
from index.storage.vectors import EXACT

# 50 vectors and more go to IVF: the corpus below has a few hundred chunks.
SMALL = VectorConfig(exact_max=50, nprobe=1)
WORDS = [f"wort{i}" for i in range(400)]


class HashEmbedder:
    """Random unit vectors seeded by the text: a fast stand-in, the model is not under test."""

    model_id = "hash-stand-in"
    dim = 16

    def _encode(self, texts: Sequence[str]) -> Vectors:
        rows = [
            np.random.default_rng(list(hashlib.sha256(t.encode()).digest())).standard_normal(16)
            for t in texts
        ]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


def _document(n: int, salt: str = "") -> Document:
    sentences = [
        f"Satz {j} von {n}{salt} nennt {' '.join(WORDS[(n * 7 + j * k) % 400] for k in range(9))}."
        for j in range(40)
    ]
    text = " ".join(sentences)
    return Document(id=f"doc{n}", title=f"D{n}", language="de", source=f"{n}.txt", text=text)


def _assert_live_chunks_searchable(snapshot: IndexSnapshot, embedder: HashEmbedder) -> None:
    """Every live chunk finds itself first; a search as deep as the index finds the live
    chunks and nothing else."""
    index = snapshot.faiss_index
    chunks = list(snapshot.chunks.values())
    assert index.ntotal == len(chunks) == snapshot.manifest.chunk_count
    texts = [passage_text(c, snapshot.documents[c.document_id]) for c in chunks]
    vectors = embedder.encode_passages(texts)
    _, ids = index.search(vectors, 1)
    assert ids[:, 0].tolist() == [c.id for c in chunks]
    _, every = index.search(vectors[:1], index.ntotal)
    assert sorted(every[0].tolist()) == sorted(snapshot.chunks)


def _factories(snapshot: IndexSnapshot) -> list[str]:
    return [live.segment.vectors.spec.factory for live in snapshot.segments]


def test_add_replace_remove_in_segments(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    documents = [_document(n) for n in range(30)]
    built = build_snapshot(documents, embedder, ChunkerConfig(), corpus_hash="a",
                           vector_config=SMALL)  # fmt: skip
    assert _factories(built) == ["IVF4,SQ8"] == [built.manifest.vectors["factory"]]
    _assert_live_chunks_searchable(built, embedder)
    save_index(built, tmp_path / "index")
    loaded = load_index(tmp_path / "index")

    changed = [_document(20), replace(_document(3, salt="neu")), *documents[4:], *documents[:3]]
    cache = PassageCache(tmp_path / "cache.sqlite")
    updated, stats = update_snapshot(
        loaded, changed, embedder, ChunkerConfig(), cache, corpus_hash="b", vector_config=SMALL
    )
    gone = [c.id for c in built.chunks.values() if c.document_id == "doc3"]
    new = [c.id for c in updated.chunks.values() if c.document_id == "doc3"]
    assert stats.removed == len(gone) and stats.added == len(new) == updated.chunk_count("doc3")
    assert stats.kept == len(built.chunks) - len(gone)
    assert [s.deleted for s in updated.segments] == [frozenset({"doc3"}), frozenset()]
    assert _factories(updated) == ["IVF4,SQ8", EXACT]
    assert updated.segments[0].segment is loaded.segments[0].segment  # nothing copied
    assert updated.documents["doc3"] == changed[1]
    _assert_live_chunks_searchable(updated, embedder)
    assert loaded.faiss_index.ntotal == len(built.chunks)  # the served snapshot is unchanged

    removed, stats = update_snapshot(
        updated, changed[:5], embedder, ChunkerConfig(), cache, corpus_hash="c",
        vector_config=SMALL,
    )  # fmt: skip
    assert stats.added == 0 and stats.embedded == 0
    assert {c.document_id for c in removed.chunks.values()} == {d.id for d in changed[:5]}
    assert sorted(removed.documents) == sorted(d.id for d in changed[:5])
    _assert_live_chunks_searchable(removed, embedder)
    save_index(removed, tmp_path / "index")
    again = load_index(tmp_path / "index")
    assert [s.deleted for s in again.segments] == [s.deleted for s in removed.segments]
    _assert_live_chunks_searchable(again, embedder)


def test_only_the_touched_documents_are_compared(tmp_path: Path) -> None:
    """Told which documents a write touched, the update compares those only: the same
    snapshot as comparing all, and an untouched document that differs is left as it was."""
    embedder = HashEmbedder()
    documents = [_document(n) for n in range(6)]
    built = build_snapshot(documents, embedder, ChunkerConfig(), corpus_hash="a")
    cache = PassageCache(tmp_path / "cache.sqlite")
    changed = [*documents[:2], _document(2, salt="neu"), *documents[4:], _document(9)]
    full, _ = update_snapshot(built, changed, embedder, ChunkerConfig(), cache, corpus_hash="b")
    told, stats = update_snapshot(built, changed, embedder, ChunkerConfig(), cache,
                                  corpus_hash="b", touched={"doc2", "doc3", "doc9"})  # fmt: skip
    assert dict(told.chunks) == dict(full.chunks)
    assert [s.deleted for s in told.segments] == [frozenset({"doc2", "doc3"}), frozenset()]
    assert list(told.segments[1].segment.documents) == ["doc2", "doc9"]
    assert stats.added == told.chunk_count("doc2") + told.chunk_count("doc9")
    edited = [_document(0, salt="hand"), *changed[1:]]
    partial, _ = update_snapshot(built, edited, embedder, ChunkerConfig(), cache,
                                 corpus_hash="c", touched={"doc9"})  # fmt: skip
    assert partial.documents["doc0"] == documents[0]  # not touched: not compared
    assert "doc9" in partial.documents and "doc3" in partial.documents
