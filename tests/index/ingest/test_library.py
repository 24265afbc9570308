"""The library adds, replaces and removes documents; the index follows in place."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.config import ChunkerConfig
from index.documents.corpus import load_corpus
from index.embedding.base import Embedder
from index.errors import (
    DocumentNotFoundError,
    DocumentTooLargeError,
    ExtractionError,
    IndexMismatchError,
    InvalidDocumentError,
    UnsupportedFormatError,
)
from index.ingest.build import build_snapshot
from index.ingest.lexical import passage_terms_of
from index.ingest.library import Library, UpdateReport
from index.ingest.uploads import Upload, document_id_for
from index.retrieval.searcher import Searcher
from index.storage.lexical import lexical_from_terms
from index.storage.snapshot import IndexSnapshot, load_index
from index.text.analysis import query_analysis
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import (
    HTML,
    MARKDOWN,
    GatedEmbedder,
    copy_tree,
    empty_pdf,
    make_pdf,
    run_bounded,
    tree_state,
)


@pytest.fixture
def make_library(
    tmp_path: Path, seed_index_dir: Path, embedder: Embedder
) -> Callable[..., Library]:
    """A library over a copy of the seed corpus and its built index."""
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    index = copy_tree(seed_index_dir, tmp_path / "index")

    def make(**kwargs: object) -> Library:
        return Library(corpus, index, embedder, ChunkerConfig(), **kwargs)  # type: ignore[arg-type]

    return make


def _uploads() -> list[Upload]:
    return [
        Upload(MARKDOWN.encode(), "hzwo.md"),
        Upload(HTML.encode(), "optence.html", source="https://optence.example/"),
        Upload(make_pdf(), "ris3-thueringen.pdf", regions=("TH",)),
    ]


def _assert_consistent(snapshot: IndexSnapshot) -> None:
    assert snapshot.faiss_index.ntotal == len(snapshot.chunks) == snapshot.manifest.chunk_count
    assert snapshot.manifest.document_count == len(snapshot.documents)
    for chunk in snapshot.chunks.values():
        assert snapshot.documents[chunk.document_id].text[chunk.start : chunk.end] == chunk.text


def test_add_every_format_with_sections_pages_and_exact_citations(
    make_library: Callable[..., Library], embedder: Embedder
) -> None:
    library = make_library()
    report = library.add(_uploads())
    assert [c.status for c in report.changes] == ["added", "added", "added"]
    md, html, pdf = (c.document for c in report.changes)
    assert md.title == "Wasserstoff-Cluster Sachsen" and md.language == "de"
    assert md.regions == ("Sachsen",) and md.source == "hzwo.md"
    assert html.title == "Optence: the photonics network of Hessen" and html.language == "en"
    assert html.regions == ("Hessen",) and html.source == "https://optence.example/"
    assert pdf.regions == ("Thüringen",) and len(pdf.pages) == 2
    assert md.id == document_id_for("hzwo.md", md.text)
    snapshot = report.snapshot
    assert snapshot is not None
    _assert_consistent(snapshot)
    sections = {
        doc.id: [c.section for c in snapshot.chunks.values() if c.document_id == doc.id]
        for doc in (md, html, pdf)
    }
    assert sections[md.id] == ["Wasserstoff-Cluster Sachsen", "Förderung", "Partner"]
    assert sections[html.id] == ["Optence: the photonics network of Hessen", "Membership fees"]
    assert sections[pdf.id] == ["Innovation strategy Thuringia", "Budget and governance"]
    assert [c.chunks for c in report.changes] == [3, 2, 2]
    # Only the new documents' chunks were embedded; the seed chunks were kept.
    assert report.stats is not None
    assert (report.stats.kept, report.stats.added, report.stats.removed) == (37, 7, 0)
    assert report.stats.embedded == 7
    # The corpus on disk is the record: it loads, and lists the same documents.
    corpus = load_corpus(library.corpus_dir)
    assert [d.id for d in corpus.documents][-3:] == [md.id, html.id, pdf.id]
    assert corpus.get(pdf.id) == pdf
    assert corpus.content_hash == snapshot.manifest.corpus_hash
    # The saved index is the one in memory, and search finds the new PDF's page 2.
    loaded = load_index(library.index_dir)
    assert set(loaded.chunks) == set(snapshot.chunks)
    hit = Searcher(loaded, embedder).search("ERDF budget of the Thuringia strategy", 1)[0]
    assert hit.document.id == pdf.id and hit.document.page_at(hit.chunk.start) == 2


def test_incremental_index_equals_a_full_build(
    make_library: Callable[..., Library], embedder: Embedder
) -> None:
    library = make_library()
    library.add(_uploads())
    victim = library.documents()[0].id
    library.remove(victim)
    library.replace(
        library.documents()[-1].id, Upload(b"# Neue Fassung\n\nGanz neuer Text zu Jena.", "x.md")
    )
    snapshot = load_index(library.index_dir)
    corpus = load_corpus(library.corpus_dir)
    full = build_snapshot(
        corpus.documents, embedder, ChunkerConfig(), corpus_hash=corpus.content_hash
    )
    assert dict(snapshot.chunks) == dict(full.chunks)
    assert dict(snapshot.documents) == dict(full.documents)
    assert snapshot.manifest.corpus_hash == full.manifest.corpus_hash
    for cid in full.chunks:
        assert np.allclose(
            snapshot.faiss_index.reconstruct(cid), full.faiss_index.reconstruct(cid), atol=1e-6
        )
    chunks = list(full.chunks.values())
    lexical = lexical_from_terms([c.id for c in chunks], passage_terms_of(chunks, full.documents))
    assert len(snapshot.segments) == 3  # the build, the add, the replace (a removal adds none)
    compacted = load_index(library.index_dir) if library.compact(full=True) else None
    assert compacted is not None and len(compacted.segments) == 1
    assert dict(compacted.chunks) == dict(full.chunks)
    for query in ("Wasserstoff Förderung Sachsen", "photonics membership", "Jena"):
        analysed = query_analysis(query)
        reference = lexical.scores(analysed)
        assert snapshot.lexical.scores(analysed) == reference  # global statistics: exact
        assert compacted.lexical.scores(analysed) == reference


def test_same_content_twice_is_no_duplicate(make_library: Callable[..., Library]) -> None:
    library = make_library()
    first = library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    before = tree_state(library.corpus_dir, library.index_dir)
    again = library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    renamed = library.add([Upload(MARKDOWN.encode(), "copy-of-hzwo.md", title="Other")])
    doc_id = first.changes[0].id
    assert [(c.status, c.id, c.duplicate_of) for c in again.changes] == [
        ("unchanged", doc_id, None)
    ]
    assert [(c.status, c.id, c.duplicate_of) for c in renamed.changes] == [
        ("duplicate", doc_id, doc_id)
    ]
    assert again.stats is None and renamed.stats is None
    assert tree_state(library.corpus_dir, library.index_dir) == before


def test_replace_touches_only_that_documents_chunks(
    make_library: Callable[..., Library],
) -> None:
    library = make_library()
    added = library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    doc_id = added.changes[0].id
    old = load_index(library.index_dir)
    others = {cid: c for cid, c in old.chunks.items() if c.document_id != doc_id}
    new_text = MARKDOWN.replace("1,2 Millionen", "2,5 Millionen")
    report = library.replace(doc_id, Upload(new_text.encode(), "hzwo-v2.md"))
    assert [(c.status, c.id) for c in report.changes] == [("replaced", doc_id)]
    assert report.stats is not None
    # Three chunks out, three in; only the changed passage is embedded anew.
    assert (report.stats.removed, report.stats.added, report.stats.embedded) == (3, 3, 1)
    new = load_index(library.index_dir)
    assert {cid: c for cid, c in new.chunks.items() if c.document_id != doc_id} == others
    for cid in others:
        assert np.array_equal(new.faiss_index.reconstruct(cid), old.faiss_index.reconstruct(cid))
    doc = new.documents[doc_id]
    assert "2,5 Millionen" in doc.text and doc.source == "hzwo.md"  # the source is kept
    files = sorted(p.name for p in (library.corpus_dir / "documents").iterdir())
    assert files == sorted(
        [
            *(p.name for p in (SEED_CORPUS / "documents").iterdir()),
            f"{doc_id}.{doc.sha256[:12]}.txt",
        ]
    )


def test_a_replace_stores_a_text_only_when_it_changed(
    make_library: Callable[..., Library],
) -> None:
    library = make_library()
    stored = library.corpus_dir / "documents"
    seed = library.documents()[0]  # stored under a name given by hand
    before = sorted(p.name for p in stored.iterdir())
    report = library.replace(seed.id, Upload(seed.text.encode(), "x.txt", title="Neu"))
    assert [c.status for c in report.changes] == ["replaced"]
    assert sorted(p.name for p in stored.iterdir()) == before  # the same text: kept as it was
    doc_id = library.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].id
    named = sorted(p.name for p in stored.iterdir())
    library.replace(doc_id, Upload(MARKDOWN.encode(), "hzwo.md", title="Anders"))
    assert sorted(p.name for p in stored.iterdir()) == named
    library.replace(seed.id, Upload(b"Ganz neuer Text.", "x.txt"))
    now = next(d for d in library.documents() if d.id == seed.id)
    after = {p.name for p in stored.iterdir()}
    assert after - set(named) == {f"{seed.id}.{now.sha256[:12]}.txt"}
    assert len(set(named) - after) == 1  # its file named by hand, no longer listed


def test_remove_and_readd_uses_the_embedding_cache_across_restarts(
    make_library: Callable[..., Library],
) -> None:
    library = make_library()
    doc_id = library.add([Upload(HTML.encode(), "optence.html")]).changes[0].id
    removed = library.remove(doc_id)
    assert [(c.status, c.id) for c in removed.changes] == [("removed", doc_id)]
    assert removed.stats is not None and removed.stats.removed == 2
    assert doc_id not in load_index(library.index_dir).documents
    assert doc_id not in {d.id for d in library.documents()}
    restarted = make_library()  # a new process: only the cache file carries over
    again = restarted.add([Upload(HTML.encode(), "optence.html")])
    assert again.stats is not None and (again.stats.added, again.stats.embedded) == (2, 0)


def test_the_last_document_cannot_be_removed(make_library: Callable[..., Library]) -> None:
    library = make_library()
    first, second, last = (d.id for d in library.documents())
    library.remove(first)
    library.remove(second)
    before = tree_state(library.corpus_dir, library.index_dir)
    with pytest.raises(InvalidDocumentError, match="last document"):
        library.remove(last)
    assert tree_state(library.corpus_dir, library.index_dir) == before
    assert [d.id for d in load_corpus(library.corpus_dir).documents] == [last]


def test_a_new_corpus_starts_with_the_first_document(tmp_path: Path, embedder: Embedder) -> None:
    library = Library(tmp_path / "corpus", tmp_path / "index", embedder, ChunkerConfig())
    report = library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    assert report.snapshot is not None and len(report.snapshot.chunks) == 3
    corpus = load_corpus(tmp_path / "corpus")
    assert [d.title for d in corpus.documents] == ["Wasserstoff-Cluster Sachsen"]
    assert load_index(tmp_path / "index").manifest.corpus_hash == corpus.content_hash


@pytest.mark.parametrize(
    ("upload", "error", "message"),
    [
        (Upload(b"x", "slides.pptx"), UnsupportedFormatError, "supported are"),
        (Upload(b"%PDF-1.4 broken", "a.pdf"), ExtractionError, "cannot be parsed"),
        (Upload(empty_pdf(), "scan.pdf"), ExtractionError, "no extractable text"),
        (Upload(b"y" * 2000, "big.txt"), DocumentTooLargeError, "limit is 1024 bytes"),
        (Upload(b"Text.", "a.txt", document_id="../etc"), InvalidDocumentError, "Invalid doc"),
        (Upload(b"Text.", "a.txt", document_id="a/b"), InvalidDocumentError, "Invalid doc"),
        (Upload(b"Text.", "a.txt", document_id="a.b"), InvalidDocumentError, "Invalid doc"),
        (Upload(b"Text.", "a.txt", language="deu"), InvalidDocumentError, "two-letter"),
        (Upload(b"Text.", "a.txt", regions=("Atlantis",)), InvalidDocumentError, "Unknown region"),
        (
            Upload(b"Neu.", "a.txt", document_id="000_845843b92d703299"),
            InvalidDocumentError,
            "exists already; replace it",
        ),
    ],
)
def test_refusals_change_nothing(
    make_library: Callable[..., Library],
    upload: Upload,
    error: type[Exception],
    message: str,
) -> None:
    library = make_library(max_bytes=1024)
    before = tree_state(library.corpus_dir, library.index_dir)
    with pytest.raises(error, match=message):
        library.add([Upload(b"A valid first document about Jena.", "ok.txt"), upload])
    assert tree_state(library.corpus_dir, library.index_dir) == before


def test_unknown_or_invalid_ids_for_replace_and_remove(
    make_library: Callable[..., Library],
) -> None:
    library = make_library()
    before = tree_state(library.corpus_dir, library.index_dir)
    with pytest.raises(DocumentNotFoundError, match="'nope'"):
        library.remove("nope")
    with pytest.raises(DocumentNotFoundError, match="'nope'"):
        library.replace("nope", Upload(b"Text.", "a.txt"))
    with pytest.raises(InvalidDocumentError):
        library.remove("../../corpus/manifest")
    assert tree_state(library.corpus_dir, library.index_dir) == before


def test_an_index_of_another_model_must_be_rebuilt_first(
    make_library: Callable[..., Library], embedder: Embedder
) -> None:
    class Other:
        model_id = "other-model"
        dim = embedder.dim
        encode_passages = embedder.encode_passages
        encode_queries = embedder.encode_queries

    library = make_library()
    library.embedder = Other()  # type: ignore[assignment]
    before = tree_state(library.corpus_dir, library.index_dir)
    with pytest.raises(IndexMismatchError, match="build --force"):
        library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    assert tree_state(library.corpus_dir, library.index_dir) == before


def test_recovery_removes_half_written_files(
    make_library: Callable[..., Library],
) -> None:
    library = make_library()
    before = tree_state(library.corpus_dir, library.index_dir)
    docs = library.corpus_dir / "documents"
    (library.index_dir / ".update-pending").write_text("update\n")
    (library.corpus_dir / ".manifest.toml.4242.tmp").write_text("[[documents]]\n")
    (docs / ".x_0123456789abcdef.0123456789ab.txt.4242.tmp").write_text("half")
    (docs / "x_0123456789abcdef.0123456789ab.txt").write_text("unlisted, written by us")
    assert library.recover() is True
    assert library.recover() is False
    assert tree_state(library.corpus_dir, library.index_dir) == before


def test_a_large_document_is_embedded_without_the_update_lock(
    make_library: Callable[..., Library], embedder: Embedder
) -> None:
    gated = GatedEmbedder(embedder, "Zaunkönig")
    fast = make_library()
    slow = Library(fast.corpus_dir, fast.index_dir, gated, ChunkerConfig())
    text = "Zaunkönig-Cluster\n\nDer Zaunkönig-Cluster vernetzt Vogelwarten in Sachsen."
    upload = Upload(text.encode(), "zaunkoenig.txt", language="de")
    writing = threading.Thread(target=lambda: reports.append(slow.add([upload])))
    reports: list[UpdateReport] = []
    writing.start()
    try:
        assert gated.embedding.wait(120)
        # another writer commits while the first one embeds: the update lock is free
        other = run_bounded(lambda: fast.add([Upload(HTML.encode(), "optence.html")]))
        assert [c.status for c in other.changes] == ["added"]
    finally:
        gated.gate.set()
        writing.join(120)
    (report,) = reports
    assert [(c.status, c.chunks) for c in report.changes] == [("added", 1)]
    # it committed on top of the other write, the vectors embedded once, from the cache
    assert report.stats is not None and (report.stats.added, report.stats.embedded) == (1, 0)
    assert sum("Zaunkönig" in t for t in gated.passages) == 1
    snapshot = load_index(slow.index_dir)
    ids = {d.id for d in load_corpus(slow.corpus_dir).documents}
    assert {report.changes[0].id, other.changes[0].id} <= ids == set(snapshot.documents)
    _assert_consistent(snapshot)
