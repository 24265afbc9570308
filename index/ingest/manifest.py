"""`corpus/manifest.toml`, the record of what is indexed: read it, and edit it in place.

The manifest is written by people as well as by `Library`, so an edit keeps what a person
wrote (tomlkit): comments, blank lines, key order and hand-wrapped arrays stay as they
were. A removed document's table goes (with the comments and blank lines after its keys),
a new document's table is appended, and of a replaced document only the keys whose value
changed are set where they stand. `index.documents.corpus.load_corpus` checks and reads
what is written.

tomlkit parses about a thousand tables a second and tomllib a few thousand, so a manifest
is cut (`Cut`) into its `[[documents]]` tables by their header lines, and only a changed
table is parsed; one whose lines could deceive that cut (another table, a multi-line
string) is parsed whole. The record of a manifest keeps its cut, made by the one tomllib
parse of a read and carried forward by each write (`edited_record`): a write parses only
the tables it changes, and keeps every other table's text byte for byte.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any

import tomlkit

from index.documents.corpus import MANIFEST_NAME, Document, load_corpus
from index.errors import CorpusError
from index.ingest.tables import (
    Block,
    documents_of,
    edited_table,
    entry_of,
    table_of,
    update_table,
)

__all__ = [
    "DEFAULT_HEADER",
    "Block",
    "CorpusRecord",
    "Cut",
    "corpus_documents",
    "edit_manifest",
    "edited_record",
    "listed_files",
    "manifest_source",
    "read_corpus",
    "reread_corpus",
]

DEFAULT_HEADER = "# The record of what ClusterSearch indexes (written by `clustersearch add`).\n"
_HEADER = re.compile(r"[ \t]*\[\[[ \t]*documents[ \t]*\]\][ \t]*(#.*)?\n?")
_OTHER_HEADER = re.compile(r"[ \t]*\[")


@dataclass(frozen=True, slots=True)
class Cut:
    """A manifest (ending with a newline) as the text before its first `[[documents]]`
    table and each table: `head` and the blocks' texts joined are the manifest."""

    head: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """What the manifest lists: the documents, their file names by id, and its text
    ("" when there is no manifest yet).

    `cut` is the text cut into its tables, as `edited_record` edits it (None: not made, or
    the text cannot be cut safely). It is made from `source`, so records are equal when
    their documents, files and text are."""

    documents: tuple[Document, ...]
    files: Mapping[str, str]
    source: str
    cut: Cut | None = field(default=None, compare=False, repr=False)


def manifest_source(corpus_dir: Path) -> str:
    """The text of the manifest of `corpus_dir` ("" when there is none)."""
    path = corpus_dir / MANIFEST_NAME
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def read_corpus(corpus_dir: Path) -> CorpusRecord:
    """The manifest of `corpus_dir` and the documents it lists (none when it is missing)."""
    return _record(corpus_dir, manifest_source(corpus_dir))


def _record(corpus_dir: Path, source: str) -> CorpusRecord:
    """The record of the manifest text `source` and the documents it lists (the text
    parsed once, for the documents and the cut)."""
    if not source:
        return CorpusRecord((), {}, "", Cut(DEFAULT_HEADER, ()))
    raw = _parse(corpus_dir / MANIFEST_NAME, source)
    entries = raw.get("documents") or []
    cut = _cut(_normal(source), raw)
    if not entries:
        return CorpusRecord((), {}, source, cut)
    corpus = load_corpus(corpus_dir, source, parsed=raw)
    files = {str(e["id"]): str(e["file"]) for e in entries}
    return CorpusRecord(corpus.documents, files, source, cut)


def reread_corpus(corpus_dir: Path, record: CorpusRecord | None) -> CorpusRecord:
    """The record of `corpus_dir`: `record` itself while the manifest's text is still its
    `source` (no document is read, none hashed), else the manifest read again.

    A writer keeps the record it read or wrote; any change of the text (another process
    wrote, a person edited it) makes it read the corpus again. Files changed while the
    manifest is not are not seen: the manifest is the record of what is indexed.
    """
    source = manifest_source(corpus_dir)
    if record is not None and source == record.source:
        return record
    return _record(corpus_dir, source)


def corpus_documents(corpus_dir: Path) -> tuple[Document, ...]:
    """The documents a corpus manifest lists (none when it is missing or lists none)."""
    return read_corpus(corpus_dir).documents


def listed_files(corpus_dir: Path) -> set[str]:
    """The file names the manifest lists (read without loading the documents)."""
    source = manifest_source(corpus_dir)
    if not source:
        return set()
    entries = _parse(corpus_dir / MANIFEST_NAME, source).get("documents") or []
    return {str(e.get("file")) for e in entries if isinstance(e, dict)}


def edit_manifest(source: str, documents: Sequence[Document], files: Mapping[str, str]) -> str:
    """The manifest `source` ("" for none) edited to list `documents`, stored as `files`;
    it ends with one newline.

    `documents` keeps the order of those `source` lists already and ends with the new ones
    (as `Library` makes it); anything else raises `ValueError`.
    """
    source = _normal(source)
    cut = _cut(source)
    if cut is None:
        return _edit_whole(source, documents, files)
    return _edit_cut(cut, documents, files, CorpusRecord((), {}, ""), None, None)[0]


def edited_record(
    record: CorpusRecord,
    documents: Sequence[Document],
    files: Mapping[str, str],
    *,
    touched: Collection[str] | None = None,
) -> CorpusRecord:
    """The record of `record`'s manifest edited to list `documents`, stored as `files`
    (`source` as `edit_manifest` edits it; `ValueError` on a wrong order).

    A document that is the record's own (the same or an equal `Document`, the same file)
    keeps its table as it is: only the tables of the others are compared, edited and
    parsed, and the new record's cut is the old one with those tables replaced. A writer
    that knows which documents it added, replaced or removed names them in `touched`: every
    other document is then taken to be the record's own without comparing it (at 150,000
    documents the comparisons cost seconds).
    """
    source = _normal(record.source)
    cut = record.cut if record.cut is not None else _cut(source)
    if cut is None:
        text = _edit_whole(source, documents, files)
        new_cut = _cut(text)
        plan = None
    else:
        plan = _plan(cut, documents, record, touched) if touched is not None else None
        text, new_cut = _edit_cut(cut, documents, files, record, touched, plan)
    gone = plan.removed if plan is not None else None
    return CorpusRecord(tuple(documents), _files_of(documents, files, touched, gone), text, new_cut)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which tables an edit keeps (`kept`, in order) and drops (`removed`, their ids), and
    the positions in the documents whose tables to compare (`compare`, ascending)."""

    kept: Sequence[Block]
    removed: frozenset[str]
    compare: list[int]


def _plan(
    cut: Cut, documents: Sequence[Document], record: CorpusRecord, touched: Collection[str]
) -> _Plan | None:
    """The edit of a writer that names the documents it `touched` and otherwise keeps the
    record's as they are (`Library`: it adds, or replaces in place, or removes), found
    without a pass over the others: their tables are kept unread, their order checked at
    the ends and where the edit meets them only. None for any other edit (it then takes
    the general way, which checks the whole order)."""
    blocks = cut.blocks
    own = {t for t in touched if t in record.files}
    new = [t for t in touched if t not in record.files]
    dropped = len(blocks) + len(new) - len(documents)
    if len(blocks) != len(record.files) or dropped not in (0, len(own)):
        return None
    at = _positions(blocks, own)
    kept: Sequence[Block] = blocks
    if dropped:  # the runs between the dropped blocks, each copied whole
        bounds = zip([-1, *at], [*at, len(blocks)], strict=True)
        kept = list(chain.from_iterable(blocks[a + 1 : b] for a, b in bounds))
    # where the documents must meet the kept tables: the ends, after each dropped, each replaced
    meets = [0, len(kept) - 1, *([p - n for n, p in enumerate(at)] if dropped else at)]
    fresh = documents[len(kept) :]
    if len(fresh) != len(new) or {d.id for d in fresh} != set(new):
        return None
    if any(0 <= i < len(kept) and documents[i].id != kept[i].id for i in meets):
        return None
    compare = [*([] if dropped else at), *range(len(kept), len(documents))]
    return _Plan(kept, frozenset(own) if dropped else frozenset(), compare)


def _positions(blocks: Sequence[Block], ids: Collection[str]) -> list[int]:
    """The positions (ascending) of the blocks of `ids`, read until all are found."""
    found: list[int] = []
    for i, block in enumerate(blocks):
        if len(found) == len(ids):
            break
        if block.id in ids:
            found.append(i)
    return found


def _files_of(
    documents: Sequence[Document],
    files: Mapping[str, str],
    touched: Collection[str] | None,
    gone: Collection[str] | None = None,
) -> dict[str, str]:
    """The file of each of `documents`, from `files` (which may name others too). With
    `touched`, only those can be new or gone; `gone` says which are, if known."""
    if touched is None:
        return {d.id: files[d.id] for d in documents}
    out = dict(files)
    if gone is None:
        listed = {d.id for d in documents if d.id in touched}
        gone = [i for i in touched if i not in listed]
    for i in gone:
        out.pop(i, None)
    return out


def _to_compare(
    record: CorpusRecord,
    touched: Collection[str] | None,
    documents: Sequence[Document],
    kept: Sequence[Block],
    files: Mapping[str, str],
) -> list[int]:
    """The positions in `documents` whose tables may have to change, ascending:
    `documents[:len(kept)]` are those of the `kept` tables, in order, the rest new. A
    document that is `record`'s own, stored as the same file, keeps its table: found by
    comparing each, or, when the writer names the documents it `touched`, every other one."""
    new = range(len(kept), len(documents))
    if touched is not None:
        return [i for i, b in enumerate(kept) if b.id in touched] + list(new)
    own, own_files = {d.id: d for d in record.documents}, record.files
    changed = [
        i
        for i, doc in enumerate(documents[: len(kept)])
        if own_files.get(doc.id) != files[doc.id]
        or ((same := own.get(doc.id)) is not doc and same != doc)
    ]
    return changed + list(new)


def _normal(source: str) -> str:
    """The manifest text an edit starts from: ending with a newline, a header if empty."""
    if source and not source.endswith("\n"):
        source += "\n"
    return source or DEFAULT_HEADER


def _cut(source: str, raw: Mapping[str, Any] | None = None) -> Cut | None:
    """`source` (ending with a newline) cut into its tables, `raw` its values if parsed
    already; None when a line could be misread (a multi-line string, another table)."""
    if '"""' in source or "'''" in source:
        return None
    lines = source.splitlines(keepends=True)
    starts = []
    for i, line in enumerate(lines):
        if _HEADER.fullmatch(line):
            starts.append(i)
        elif _OTHER_HEADER.match(line):
            return None
    if raw is None:
        raw = tomllib.loads(source)
    entries = raw.get("documents", [])
    if not starts:
        return None if "documents" in raw else Cut(source, ())
    if not isinstance(entries, list) or len(entries) != len(starts):
        return None
    if not all(isinstance(entry, dict) for entry in entries):
        return None
    ends = [*starts[1:], len(lines)]
    blocks = tuple(
        Block(str(entry.get("id")), "".join(lines[start:end]), entry)
        for start, end, entry in zip(starts, ends, entries, strict=True)
    )
    return Cut("".join(lines[: starts[0]]), blocks)


def _edit_cut(
    cut: Cut,
    documents: Sequence[Document],
    files: Mapping[str, str],
    record: CorpusRecord,
    touched: Collection[str] | None,
    plan: _Plan | None,
) -> tuple[str, Cut | None]:
    """The manifest `cut` (of `record`) edited, and its cut (None: a changed table cannot
    be cut). Tables the `plan` (else `_to_compare`) passes over are kept unread, a run at a
    time; the others' values are compared, and a table whose values differ is edited with
    tomlkit."""
    if plan is None:
        wanted = {d.id for d in documents}
        kept: Sequence[Block] = [b for b in cut.blocks if b.id in wanted]
        _check_order([b.id for b in kept], documents)
        compare = _to_compare(record, touched, documents, kept, files)
    else:
        kept, compare = plan.kept, plan.compare
    head, parts, blocks = cut.head, [cut.head], list[Block]()
    safe, done = True, 0
    for i in compare:
        parts.extend(b.text for b in kept[done:i])
        blocks.extend(kept[done:i])
        done = i + 1
        block = kept[i] if i < len(kept) else None
        text = edited_table(documents[i], files[documents[i].id], block)
        if text is None:
            assert block is not None
            parts.append(block.text)
            blocks.append(block)
            continue
        parts.append(text)
        table = _cut(text) if safe and text.endswith("\n") else None
        if table is None:
            safe = False
            continue
        # Lines before the header (a new table's blank line) belong to the part above.
        if blocks:
            blocks[-1] = replace(blocks[-1], text=blocks[-1].text + table.head)
        else:
            head += table.head
        blocks.append(table.blocks[0])
    parts.extend(b.text for b in kept[done:])
    blocks.extend(kept[done:])
    # The blank line before a table belongs to the table above it: one removed from the
    # end leaves it behind.
    text = "".join(parts).rstrip("\n") + "\n"
    if not safe:
        return text, None
    if blocks:
        blocks[-1] = replace(blocks[-1], text=blocks[-1].text.rstrip("\n") + "\n")
    else:
        head = head.rstrip("\n") + "\n"
    return text, Cut(head, tuple(blocks))


def _edit_whole(source: str, documents: Sequence[Document], files: Mapping[str, str]) -> str:
    manifest = tomlkit.parse(source)
    tables = documents_of(manifest)
    wanted = {d.id for d in documents}
    for i in reversed(range(len(tables))):
        if str(tables[i].get("id")) not in wanted:
            del tables[i]
    present = {str(t.get("id")): t for t in tables}
    _check_order(list(present), documents)
    for doc in documents:
        entry = entry_of(doc, files[doc.id])
        if doc.id in present:
            update_table(present[doc.id], entry)
        else:
            tables.append(table_of(entry))
    return tomlkit.dumps(manifest).rstrip("\n") + "\n"


def _check_order(kept: list[str], documents: Sequence[Document]) -> None:
    """`documents` must be the `kept` ones in their order, then the new ones."""
    ids = [d.id for d in documents]
    if ids[: len(kept)] != kept or set(ids[len(kept) :]) & set(kept):
        raise ValueError(f"documents must keep the manifest's order, then new ones: {kept}")


def _parse(path: Path, source: str) -> dict[str, Any]:
    """The manifest as plain values (unchecked: `load_corpus` checks)."""
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path} is not valid TOML: {exc}") from exc
