"""A corpus record keeps its manifest cut into tables: a read parses the manifest once, and
a write parses only the tables it changes, writing what `edit_manifest` writes."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

import index.ingest.manifest as manifest_module
from index.documents.corpus import Document
from index.ingest.manifest import (
    DEFAULT_HEADER,
    CorpusRecord,
    Cut,
    edit_manifest,
    edited_record,
    read_corpus,
)
from tests.conftest import SEED_CORPUS
from tests.index.ingest.test_manifest import HAND_WRITTEN, WHOLE
from tests.ingest_samples import copy_tree


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CorpusRecord]:
    """The seed corpus read with its manifest as a person wrote it, cut (`HAND_WRITTEN`)
    and not (`WHOLE`)."""
    out = {}
    for name, text in (("hand", HAND_WRITTEN), ("whole", WHOLE)):
        corpus = copy_tree(SEED_CORPUS, tmp_path_factory.mktemp(name) / "corpus")
        (corpus / "manifest.toml").write_text(text, encoding="utf-8")
        out[name] = read_corpus(corpus)
    return out


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The texts parsed by tomllib and by tomlkit."""
    calls: dict[str, list[str]] = {"tomllib": [], "tomlkit": []}

    def counting(name: str, real: Callable[[str], Any]) -> Callable[[str], Any]:
        def parse(text: str) -> Any:
            calls[name].append(text)
            return real(text)

        return parse

    monkeypatch.setattr(tomllib, "loads", counting("tomllib", tomllib.loads))
    monkeypatch.setattr(tomlkit, "parse", counting("tomlkit", tomlkit.parse))
    return calls


def _fresh_cut(source: str) -> Cut | None:
    return manifest_module._cut(source)


NEW = Document(id="n", title="Neu", language="de", source="n.md", text="N.")
NEW_TABLE = (
    '[[documents]]\nid = "n"\nfile = "n.txt"\ntitle = "Neu"\nlanguage = "de"\n'
    'source = "n.md"\nregions = []\n'
)


def test_a_read_parses_the_manifest_once_and_keeps_its_cut(
    tmp_path: Path, parses: dict[str, list[str]]
) -> None:
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    (corpus / "manifest.toml").write_text(HAND_WRITTEN, encoding="utf-8")
    record = read_corpus(corpus)
    assert parses == {"tomllib": [HAND_WRITTEN], "tomlkit": []}
    assert record.cut is not None and record.cut == _fresh_cut(HAND_WRITTEN)
    assert record.cut.head + "".join(b.text for b in record.cut.blocks) == HAND_WRITTEN
    assert [b.id for b in record.cut.blocks] == [d.id for d in record.documents]
    assert record.cut.blocks[0].values["organisation"] == "BioCon Valley GmbH"


def test_a_manifest_that_cannot_be_cut_is_read_without_a_cut(
    records: dict[str, CorpusRecord],
) -> None:
    assert records["whole"].cut is None
    assert records["whole"].documents == records["hand"].documents
    assert records["whole"] != records["hand"]  # the texts differ


def test_an_add_parses_only_the_new_table(
    records: dict[str, CorpusRecord], parses: dict[str, list[str]]
) -> None:
    record = records["hand"]
    assert record.cut is not None
    edited = edited_record(record, [*record.documents, NEW], {**record.files, "n": "n.txt"})
    assert parses == {"tomllib": ["\n" + NEW_TABLE], "tomlkit": []}
    assert edited.source == HAND_WRITTEN + "\n" + NEW_TABLE
    assert edited.cut is not None and edited.cut == _fresh_cut(edited.source)
    assert edited.cut.blocks[:2] == record.cut.blocks[:2]
    assert edited.cut.blocks[2].text == record.cut.blocks[2].text + "\n"
    assert (edited.documents, dict(edited.files)) == (
        (*record.documents, NEW),
        {**record.files, "n": "n.txt"},
    )


def test_a_replace_parses_only_the_replaced_table(
    records: dict[str, CorpusRecord], parses: dict[str, list[str]]
) -> None:
    record = records["hand"]
    assert record.cut is not None
    docs = list(record.documents)
    docs[1] = replace(docs[1], title="Dialog")
    edited = edited_record(record, docs, record.files)
    table = record.cut.blocks[1].text.replace(
        'title = "Cluster Policy in Baden-Württemberg: the Cluster Dialogue"', 'title = "Dialog"'
    )
    assert parses == {"tomllib": [table], "tomlkit": [record.cut.blocks[1].text]}
    assert edited.source == edit_manifest(record.source, docs, record.files)
    assert edited.cut == _fresh_cut(edited.source)


def test_an_equal_document_keeps_its_table_unread(
    records: dict[str, CorpusRecord], parses: dict[str, list[str]]
) -> None:
    record = records["hand"]
    equal = [replace(d) for d in record.documents]  # equal, not the same objects
    assert edited_record(record, equal, record.files).source == HAND_WRITTEN
    assert parses == {"tomllib": [], "tomlkit": []}


def test_a_remove_parses_nothing(
    records: dict[str, CorpusRecord], parses: dict[str, list[str]]
) -> None:
    record = records["hand"]
    assert record.cut is not None
    kept = record.documents[:2]
    edited = edited_record(record, kept, record.files)
    assert parses == {"tomllib": [], "tomlkit": []}
    # the blank line before the removed table goes with it: one trailing newline
    second = record.cut.blocks[1].text
    assert second.endswith('Baden-Württemberg"\n\n')
    assert edited.source == record.cut.head + record.cut.blocks[0].text + second[:-1]
    assert edited.cut == _fresh_cut(edited.source)
    assert dict(edited.files) == {d.id: record.files[d.id] for d in kept}


def test_named_touched_documents_are_the_only_ones_compared(
    records: dict[str, CorpusRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = records["hand"]
    docs = [record.documents[0], replace(record.documents[1], title="Dialog"), NEW]
    files = {**record.files, "n": "n.txt"}
    compared: list[str] = []
    real_eq = Document.__eq__

    def counting_eq(self: Document, other: object) -> bool:
        compared.append(self.id)
        return real_eq(self, other)

    monkeypatch.setattr(Document, "__eq__", counting_eq)
    # the third document removed, the second replaced, one added
    touched = {docs[1].id, record.documents[2].id, "n"}
    edited = edited_record(record, docs, files, touched=touched)
    assert compared == []
    assert edited == edited_record(record, docs, files)
    assert compared  # without `touched`, the record's documents are compared
    assert edited.cut == _fresh_cut(edited.source)
    # a document left out of `touched` keeps its table, even if it changed
    stale = edited_record(record, docs, files, touched={record.documents[2].id, "n"})
    assert 'title = "Dialog"' not in stale.source and 'title = "Dialog"' in edited.source


def test_a_record_without_a_cut_is_edited_whole(
    records: dict[str, CorpusRecord], parses: dict[str, list[str]]
) -> None:
    record = records["whole"]
    edited = edited_record(record, [*record.documents, NEW], {**record.files, "n": "n.txt"})
    assert edited.source == WHOLE + "\n" + NEW_TABLE
    assert parses["tomlkit"] == [WHOLE] and edited.cut is None


def test_a_record_made_without_its_cut_cuts_its_text(records: dict[str, CorpusRecord]) -> None:
    record = records["hand"]
    bare = CorpusRecord(record.documents, record.files, record.source)
    assert bare == record and bare.cut is None
    edited = edited_record(bare, [*record.documents, NEW], {**record.files, "n": "n.txt"})
    assert edited.source == HAND_WRITTEN + "\n" + NEW_TABLE
    assert edited.cut == _fresh_cut(edited.source)


def test_the_first_document_of_an_empty_record() -> None:
    edited = edited_record(CorpusRecord((), {}, ""), [NEW], {"n": "n.txt"})
    assert edited.source == DEFAULT_HEADER + "\n" + NEW_TABLE
    assert edited.cut == Cut(DEFAULT_HEADER + "\n", edited.cut.blocks if edited.cut else ())
    assert edited.cut == _fresh_cut(edited.source)
    emptied = edited_record(edited, [], {})
    assert emptied.source == DEFAULT_HEADER and emptied.cut == Cut(DEFAULT_HEADER, ())


def test_a_wrong_order_raises(records: dict[str, CorpusRecord]) -> None:
    record = records["hand"]
    with pytest.raises(ValueError, match="keep the manifest's order"):
        edited_record(record, record.documents[::-1], record.files)
    with pytest.raises(ValueError, match="keep the manifest's order"):  # touched or not
        edited_record(record, record.documents[::-1], record.files, touched={"zzz"})


def test_a_writer_naming_what_it_touched_checks_no_other_table(
    records: dict[str, CorpusRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = records["hand"]
    docs, files = list(record.documents), dict(record.files)
    added = edited_record(record, [*docs, NEW], {**files, "n": "n.txt"})
    replaced = [*docs[:1], replace(docs[1], title="Neu"), *docs[2:]]
    changed = edited_record(record, replaced, files)
    removed = edited_record(record, docs[:1] + docs[2:], files)
    # told what was touched, the whole order is not checked (nor every table compared)
    monkeypatch.setattr(manifest_module, "_check_order", _refuse)
    assert edited_record(record, [*docs, NEW], {**files, "n": "n.txt"}, touched={"n"}) == added
    assert edited_record(record, replaced, files, touched={docs[1].id}) == changed
    assert edited_record(record, docs[:1] + docs[2:], files, touched={docs[1].id}) == removed


def _refuse(*args: object) -> None:
    raise AssertionError("the whole order was checked")


# Titles that tempt the cut: quotes (three make a manifest uncuttable), escapes, a line
# separator that `str.splitlines` splits at, header-like text.
_TITLE = st.lists(
    st.sampled_from(["a", "Ä", " ", '"', "'", "\\", "\n", "[", "#", "\u2028", "[[documents]]"]),
    min_size=1,
    max_size=6,
).map("".join)
_OPS = st.lists(
    st.tuples(st.sampled_from(["add", "replace", "rename", "remove"]), st.integers(0, 50), _TITLE),
    max_size=8,
)


def _apply(
    op: str, n: int, title: str, docs: list[Document], files: dict[str, str], serial: int
) -> str:
    """Apply the edit to `docs` and `files`; returns the id of the document it touched."""
    if op == "add" or not docs:
        doc_id = f"d{serial}"
        regions = ("Bayern",) * (n % 2)
        docs.append(Document(doc_id, title, "de", "x.md", "T.", regions, title if n % 3 else None))
        files[doc_id] = f"{doc_id}.txt"
        return doc_id
    i = n % len(docs)
    if op == "remove":
        doc_id = docs.pop(i).id
        del files[doc_id]
        return doc_id
    if op == "replace":
        docs[i] = replace(docs[i], title=title, pages=(0, n) if n % 2 else ())
    else:
        files[docs[i].id] = f"{docs[i].id}.{n}.txt"
    return docs[i].id


@settings(max_examples=150, deadline=None)
@given(start=st.sampled_from(["hand", "whole", "empty"]), ops=_OPS)
def test_a_carried_cut_writes_what_the_text_edit_writes(
    records: dict[str, CorpusRecord], start: str, ops: list[tuple[str, int, str]]
) -> None:
    record = records.get(start, CorpusRecord((), {}, ""))
    text = record.source
    for serial, (op, n, title) in enumerate(ops):
        docs, files = list(record.documents), dict(record.files)
        touched = _apply(op, n, title, docs, files, serial)
        told = edited_record(record, docs, files, touched={touched})  # as `Library` writes
        record = edited_record(record, docs, files)
        text = edit_manifest(text, docs, files)
        assert record.source == text == told.source
        assert told.cut == record.cut and told.files == record.files
        assert record.cut == _fresh_cut(text)
        assert [d.id for d in record.documents] == list(record.files)
        if record.cut is not None:
            assert [b.id for b in record.cut.blocks] == list(record.files)
