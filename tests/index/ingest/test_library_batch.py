"""A batch add with `skip_refused` leaves bad files out and adds the others."""

from __future__ import annotations

from pathlib import Path

from index.config import ChunkerConfig
from index.documents.corpus import load_corpus
from index.embedding.base import Embedder
from index.ingest.library import Library, Refusal, Upload
from index.storage.snapshot import load_index
from tests.conftest import SEED_CORPUS
from tests.index.documents.test_chunk import LONG_LINE_DOCUMENT, NBSP_DOCUMENT
from tests.ingest_samples import MARKDOWN, copy_tree, empty_pdf, tree_state

UNSUPPORTED = (
    "Cannot index 'slides.pptx' (no media type): supported are plain text, Markdown, HTML and "
    "PDF (.txt, .text, .md, .markdown, .html, .htm, .xhtml, .pdf)."
)
SCANNED = "The pdf document has no extractable text (a scanned PDF needs OCR first)."
TAKEN = (
    "A document with id '000_845843b92d703299' exists already; replace it instead "
    "(clustersearch replace 000_845843b92d703299 PATH, or PUT /documents/000_845843b92d703299)."
)


def _library(tmp_path: Path, seed_index_dir: Path, embedder: Embedder) -> Library:
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    index = copy_tree(seed_index_dir, tmp_path / "index")
    return Library(corpus, index, embedder, ChunkerConfig())


def test_refused_uploads_are_reported_and_the_others_added(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder
) -> None:
    library = _library(tmp_path, seed_index_dir, embedder)
    uploads = [
        Upload(NBSP_DOCUMENT.encode(), "stable.txt", language="en"),
        Upload(b"x", "slides.pptx"),
        Upload(MARKDOWN.encode(), "hzwo.md"),
        Upload(empty_pdf(), "scan.pdf"),
        Upload(b"Neu.", "a.txt", document_id="000_845843b92d703299"),
        Upload(LONG_LINE_DOCUMENT.encode(), "editor.txt", language="de"),
    ]
    report = library.add(uploads, skip_refused=True)
    assert report.refused == (
        Refusal("slides.pptx", UNSUPPORTED),
        Refusal("scan.pdf", SCANNED),
        Refusal("a.txt", TAKEN),
    )
    assert [(c.status, c.document.source, c.chunks) for c in report.changes] == [
        ("added", "stable.txt", 2),
        ("added", "hzwo.md", 3),
        ("added", "editor.txt", 2),
    ]
    corpus = load_corpus(library.corpus_dir)
    assert len(corpus.documents) == 3 + 3
    snapshot = load_index(library.index_dir)
    assert snapshot.manifest.corpus_hash == corpus.content_hash
    assert len(snapshot.chunks) == 37 + 7


def test_a_batch_of_refused_uploads_writes_nothing(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder
) -> None:
    library = _library(tmp_path, seed_index_dir, embedder)
    before = tree_state(library.corpus_dir, library.index_dir)
    report = library.add([Upload(b"x", "slides.pptx"), Upload(empty_pdf(), "scan.pdf")],
                         skip_refused=True)  # fmt: skip
    assert report.refused == (Refusal("slides.pptx", UNSUPPORTED), Refusal("scan.pdf", SCANNED))
    assert report.changes == () and report.stats is None
    assert tree_state(library.corpus_dir, library.index_dir) == before
