"""corpus/manifest.toml is read and written."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.documents.corpus import Document
from index.errors import CorpusError
from index.ingest.manifest import (
    DEFAULT_HEADER,
    corpus_documents,
    edit_manifest,
    listed_files,
    read_corpus,
)
from tests.conftest import SEED_CORPUS

DOC = Document(id="a", title='Say "hi" \\ \x01', language="de", source="a.md", text="A.")


def test_a_new_manifest_starts_with_the_default_header() -> None:
    text = edit_manifest("", [DOC], {"a": "a.0123.txt"})
    assert text == DEFAULT_HEADER + (
        "\n[[documents]]\n"
        'id = "a"\n'
        'file = "a.0123.txt"\n'
        'title = "Say \\"hi\\" \\\\ \\u0001"\n'
        'language = "de"\n'
        'source = "a.md"\n'
        "regions = []\n"
    )


def test_reading_a_missing_or_broken_manifest(tmp_path: Path) -> None:
    record = read_corpus(tmp_path)
    assert (record.documents, dict(record.files), record.source) == ((), {}, "")
    assert corpus_documents(tmp_path) == () and listed_files(tmp_path) == set()
    (tmp_path / "manifest.toml").write_text("# nothing yet\n")
    assert read_corpus(tmp_path).source == "# nothing yet\n"
    (tmp_path / "manifest.toml").write_text("[[documents]\n")
    with pytest.raises(CorpusError, match="is not valid TOML"):
        read_corpus(tmp_path)
    with pytest.raises(CorpusError, match="is not valid TOML"):
        listed_files(tmp_path)


def test_the_seed_manifest_lists_its_files() -> None:
    record = read_corpus(SEED_CORPUS)
    assert [d.id for d in record.documents] == list(record.files)
    assert listed_files(SEED_CORPUS) == set(record.files.values())
    assert record.source == (SEED_CORPUS / "manifest.toml").read_text(encoding="utf-8")
