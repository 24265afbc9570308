"""One `[[documents]]` table of the corpus manifest: a document's values as TOML, a new
table, or a table edited in place with tomlkit so that what a person wrote stays (see
`index.ingest.manifest`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.items import AoT, Item, Table
from tomlkit.toml_document import TOMLDocument

from index.documents.corpus import Document

__all__ = [
    "KEYS",
    "Block",
    "documents_of",
    "edited_table",
    "entry_of",
    "meaning",
    "new_table",
    "table_of",
    "update_table",
]

# The keys of a document's table, in the order a new table lists them.
KEYS = ("id", "file", "title", "language", "source", "regions", "organisation", "pages")


@dataclass(frozen=True, slots=True)
class Block:
    """A document's table in the manifest: its id, its text (from its header line to the
    next one), its values as tomllib reads them."""

    id: str
    text: str
    values: Mapping[str, Any]


def edited_table(doc: Document, file: str, block: Block | None) -> str | None:
    """The text of `doc`'s table (stored as `file`): new when it has no `block`, the block
    edited with tomlkit when a value differs, None when its values are all the same."""
    entry = entry_of(doc, file)
    if block is None:
        return new_table(entry)
    if all(meaning(block.values.get(key)) == meaning(entry[key]) for key in KEYS):
        return None
    edited = tomlkit.parse(block.text)
    update_table(documents_of(edited)[0], entry)
    return tomlkit.dumps(edited)


def documents_of(manifest: TOMLDocument) -> AoT:
    """The manifest's array of `[[documents]]` tables (added when it has none)."""
    found = manifest.get("documents")
    if isinstance(found, AoT):
        return found
    if found is not None:
        del manifest["documents"]  # `documents = []`: no tables to keep
    manifest.append("documents", tomlkit.aot())
    tables = manifest["documents"]
    assert isinstance(tables, AoT)
    return tables


def entry_of(doc: Document, file: str) -> dict[str, Any]:
    """A document's manifest values; None for a key the table leaves out."""
    return {
        "id": doc.id,
        "file": file,
        "title": doc.title,
        "language": doc.language,
        "source": doc.source,
        "regions": list(doc.regions),
        "organisation": doc.organisation,
        "pages": list(doc.pages) or None,
    }


def new_table(entry: Mapping[str, Any]) -> str:
    """The text of a new document's table, a blank line before it."""
    manifest = tomlkit.document()
    manifest.append("documents", tomlkit.aot())
    documents_of(manifest).append(table_of(entry))
    return tomlkit.dumps(manifest)


def table_of(entry: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    table.trivia.indent = "\n"  # a blank line before its [[documents]] header
    for key in KEYS:
        if entry[key] is not None:
            table[key] = entry[key]
    return table


def update_table(table: Table, entry: Mapping[str, Any]) -> None:
    """Set the keys of `table` whose value differs from `entry`; leave the rest as written."""
    for key in KEYS:
        item = table.get(key)
        have = item.unwrap() if isinstance(item, Item) else item
        if meaning(have) == meaning(entry[key]):
            continue
        if entry[key] is None:
            del table[key]
        else:
            table[key] = entry[key]


def meaning(value: Any) -> Any:
    """A value as `load_corpus` reads it: an empty string or list is the same as none."""
    return None if value in ("", []) else value
