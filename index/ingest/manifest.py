"""`corpus/manifest.toml`, the record of what is indexed: read it, and write it.

`edit_manifest` keeps the comment lines the manifest starts with and writes one table per
document after them. `index.documents.corpus.load_corpus` checks and reads what is written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.documents.corpus import MANIFEST_NAME, Document, load_corpus
from index.errors import CorpusError

__all__ = [
    "DEFAULT_HEADER",
    "CorpusRecord",
    "corpus_documents",
    "edit_manifest",
    "listed_files",
    "read_corpus",
]

DEFAULT_HEADER = "# The record of what ClusterSearch indexes (written by `clustersearch add`).\n"
# The keys of a document's table, in the order it lists them.
_KEYS = ("id", "file", "title", "language", "source", "regions", "organisation", "pages")


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """What the manifest lists: the documents, their file names by id, and its text
    ("" when there is no manifest yet)."""

    documents: tuple[Document, ...]
    files: Mapping[str, str]
    source: str


def read_corpus(corpus_dir: Path) -> CorpusRecord:
    """The manifest of `corpus_dir` and the documents it lists (none when it is missing)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return CorpusRecord((), {}, "")
    source = path.read_text(encoding="utf-8")
    entries = _entries(path, source)
    if not entries:
        return CorpusRecord((), {}, source)
    corpus = load_corpus(corpus_dir)
    return CorpusRecord(corpus.documents, {str(e["id"]): str(e["file"]) for e in entries}, source)


def corpus_documents(corpus_dir: Path) -> tuple[Document, ...]:
    """The documents a corpus manifest lists (none when it is missing or lists none)."""
    return read_corpus(corpus_dir).documents


def listed_files(corpus_dir: Path) -> set[str]:
    """The file names the manifest lists (read without loading the documents)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return set()
    entries = _entries(path, path.read_text(encoding="utf-8"))
    return {str(e.get("file")) for e in entries if isinstance(e, dict)}


def edit_manifest(source: str, documents: Sequence[Document], files: Mapping[str, str]) -> str:
    """The manifest `source` ("" for none) rewritten to list `documents`, stored as `files`."""
    return _header(source) + "".join(_entry_toml(d, files[d.id]) for d in documents)


def _entries(path: Path, source: str) -> Any:
    """The manifest's `documents` entries as plain values (unchecked: `load_corpus` checks)."""
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path} is not valid TOML: {exc}") from exc
    return raw.get("documents") or []


def _header(source: str) -> str:
    """The comment lines a manifest starts with (kept when it is rewritten)."""
    lines = []
    for line in source.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    header = "".join(lines).rstrip("\n")
    return header + "\n" if header else DEFAULT_HEADER


def _entry_toml(doc: Document, file: str) -> str:
    values: dict[str, Any] = {
        "id": doc.id,
        "file": file,
        "title": doc.title,
        "language": doc.language,
        "source": doc.source,
        "regions": list(doc.regions),
        "organisation": doc.organisation,
        "pages": list(doc.pages),
    }
    lines = ["", "[[documents]]"]
    for key in _KEYS:
        value = values[key]
        if value is None or (key == "pages" and not value):
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in ('"', "\\"):
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
