"""Stored texts' names: made from the id and the text's hash, and what a name tells."""

from __future__ import annotations

from dataclasses import replace

from index.documents.corpus import Document
from index.ingest.manifest import CorpusRecord
from index.ingest.stored import is_stored_name, stored_already, stored_name

DOC = Document(id="hzwo", title="H", language="de", source="h.md", text="Hallo.")


def test_a_stored_name_is_the_id_and_the_texts_hash() -> None:
    assert stored_name(DOC) == f"hzwo.{DOC.sha256[:12]}.txt"
    assert is_stored_name(stored_name(DOC))
    assert not is_stored_name("000_845843b92d703299.txt")  # named by hand
    assert not is_stored_name("hzwo.txt")


def test_stored_already_by_name_or_by_text_for_files_named_by_hand() -> None:
    other_text = replace(DOC, text="Anders.")
    by_name = CorpusRecord((DOC,), {"hzwo": stored_name(DOC)}, "")
    assert stored_already(by_name, replace(DOC, title="Neu"))  # same text, new metadata
    assert not stored_already(by_name, other_text)  # the name says another text
    by_hand = CorpusRecord((DOC,), {"hzwo": "hand.txt"}, "")
    assert stored_already(by_hand, replace(DOC, title="Neu"))
    assert not stored_already(by_hand, other_text)
    assert not stored_already(CorpusRecord((), {}, ""), DOC)  # not in the record
