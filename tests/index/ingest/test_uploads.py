"""What an upload becomes: ids, titles, language and Länder, and the refusals."""

from __future__ import annotations

import pytest

from index.documents.corpus import Document
from index.errors import DocumentTooLargeError, InvalidDocumentError
from index.ingest.uploads import (
    Upload,
    document_id_for,
    prepare_document,
    validate_document_id,
)
from tests.ingest_samples import MARKDOWN, MARKDOWN_TEXT


def test_document_ids() -> None:
    assert document_id_for("Strategie 2030 (Entwurf).PDF", "x") == (
        "strategie-2030-entwurf_2d711642b726b044"
    )
    assert document_id_for("Über.md", "x").startswith("uber_")
    assert document_id_for("...", "x").startswith("doc_")
    assert validate_document_id("002_ef865dbee6ab942a") == "002_ef865dbee6ab942a"
    for bad in ("", ".hidden", "a b", "a\\b", "ä", "x" * 101):
        with pytest.raises(InvalidDocumentError):
            validate_document_id(bad)


def test_a_new_document_takes_what_the_file_says() -> None:
    doc = prepare_document(Upload(MARKDOWN.encode(), "dir/hzwo.md"))
    assert doc == Document(
        id=document_id_for("hzwo.md", MARKDOWN_TEXT),
        title="Wasserstoff-Cluster Sachsen",
        language="de",
        source="hzwo.md",
        text=MARKDOWN_TEXT,
        regions=("Sachsen",),
    )


def test_a_new_version_keeps_what_the_upload_does_not_give() -> None:
    previous = Document(id="old", title="Old title", language="de", source="https://x.example/",
                        text="Alt.", regions=("Bayern",), organisation="Org")  # fmt: skip
    upload = Upload(b"  Ein neuer   Text aus Jena.  ", "neu.txt", title=" Neuer\n Titel ")
    doc = prepare_document(upload, previous=previous)
    assert (doc.id, doc.title, doc.source, doc.organisation) == (
        "old",
        "Neuer Titel",
        "https://x.example/",
        "Org",
    )
    untitled = prepare_document(Upload(b"Ein Text aus Jena.", "   .txt", language="de"))
    assert untitled.title == "Untitled document"


def test_refusals_say_what_to_fix() -> None:
    with pytest.raises(DocumentTooLargeError, match="has 5 bytes; the limit is 4 bytes"):
        prepare_document(Upload(b"12345", "a.txt"), max_bytes=4)
    with pytest.raises(InvalidDocumentError, match="two-letter ISO 639-1 code"):
        prepare_document(Upload(b"Text.", "a.txt", language="DE"))
    with pytest.raises(InvalidDocumentError, match="Unknown region"):
        prepare_document(Upload(b"Text.", "a.txt", language="de", regions=("Atlantis",)))
