"""One [[documents]] table: new, kept, or edited where a value changed."""

from __future__ import annotations

import tomllib

from index.documents.corpus import Document
from index.ingest.tables import Block, edited_table, entry_of, meaning

DOC = Document(id="a", title="Alt", language="de", source="a.md", text="A.", regions=("Bayern",))
TEXT = (
    '[[documents]]\nid = "a"  # kept\nfile = "a.txt"\ntitle = "Alt"\nlanguage = "de"\n'
    'source = "a.md"\nregions = ["Bayern"]\n'
)
BLOCK = Block("a", TEXT, tomllib.loads(TEXT)["documents"][0])


def test_a_table_whose_values_are_the_same_is_kept() -> None:
    assert edited_table(DOC, "a.txt", BLOCK) is None


def test_a_changed_value_is_set_where_it_stands() -> None:
    new = Document(id="a", title="Neu", language="de", source="a.md", text="B.")
    assert edited_table(new, "a.2.txt", BLOCK) == TEXT.replace('"a.txt"', '"a.2.txt"').replace(
        '"Alt"', '"Neu"'
    ).replace('regions = ["Bayern"]\n', "regions = []\n")


def test_a_document_without_a_table_gets_a_new_one() -> None:
    assert edited_table(DOC, "a.txt", None) == (
        '\n[[documents]]\nid = "a"\nfile = "a.txt"\ntitle = "Alt"\nlanguage = "de"\n'
        'source = "a.md"\nregions = ["Bayern"]\n'
    )


def test_entry_and_meaning() -> None:
    assert entry_of(DOC, "a.txt")["pages"] is None
    assert meaning("") is None and meaning([]) is None and meaning("x") == "x"
