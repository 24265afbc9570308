"""Stage 1: load the corpus (manifest + document files) into `Document`s."""

from __future__ import annotations

import bisect
import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from index.errors import CorpusError

__all__ = [
    "DOCUMENTS_DIR",
    "LANGUAGE_CODE",
    "MANIFEST_NAME",
    "Corpus",
    "Document",
    "load_corpus",
]

MANIFEST_NAME = "manifest.toml"
DOCUMENTS_DIR = "documents"
_REQUIRED = ("id", "file", "title", "language", "source")
_OPTIONAL = ("regions", "organisation", "pages")
# A document or filter language: an ISO 639-1 code such as "de" or "en".
LANGUAGE_CODE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class Document:
    """One source document: its metadata and its full text (citations index into `text`).

    Not slotted: `sha256` and `fingerprint` are made once per object and kept in its
    `__dict__` (a write to a corpus of thousands of documents compares hashes and hashes
    the corpus; hashing every text each time was most of its cost). The caches are no
    field: equality, `repr` and `dataclasses.replace` (which makes a new object, hashed
    afresh) see only the fields.
    """

    id: str
    title: str
    language: str
    source: str
    text: str
    regions: tuple[str, ...] = ()
    organisation: str | None = None
    # Where each page of a PDF starts in `text` (page 1 at 0); empty for other formats.
    pages: tuple[int, ...] = ()

    @cached_property
    def sha256(self) -> str:
        """The SHA-256 of `text` (hex), computed on first use."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def fingerprint(self) -> bytes:
        """What `Corpus.content_hash` hashes of this document: its metadata and `sha256`,
        each ending with a NUL byte; made on first use (a write hashes every document)."""
        parts = (
            self.id,
            self.title,
            self.language,
            self.source,
            "|".join(self.regions),
            self.organisation or "",
            self.sha256,
            *([",".join(map(str, self.pages))] if self.pages else []),
        )
        return b"".join(part.encode("utf-8") + b"\x00" for part in parts)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that `text[offset]` is on, or None when pages are not known."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


@dataclass(frozen=True, slots=True)
class Corpus:
    """All documents of a corpus, in manifest order."""

    documents: tuple[Document, ...]

    @property
    def content_hash(self) -> str:
        """A hash over every document's metadata and text: changes when anything indexed changes."""
        return hashlib.sha256(b"".join(d.fingerprint for d in self.documents)).hexdigest()

    def get(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == document_id), None)


def load_corpus(
    corpus_dir: Path, source: str | None = None, *, parsed: Mapping[str, Any] | None = None
) -> Corpus:
    """Read `corpus_dir/manifest.toml` and every file it lists from `corpus_dir/documents/`.

    `source` is the manifest's text when the caller has read it already: the documents are
    then the ones that very text lists, even if the file was replaced since. `parsed` is
    that text as `tomllib` reads it, when the caller has parsed it already (a manifest of
    thousands of tables takes seconds to parse).

    Raises `CorpusError` when the manifest is missing or malformed, when an entry's file
    is missing, or when a file in `documents/` is not listed in the manifest.
    """
    manifest_path = corpus_dir / MANIFEST_NAME
    docs_dir = corpus_dir / DOCUMENTS_DIR
    if source is None and not manifest_path.is_file():
        raise CorpusError(
            f"No corpus manifest at {manifest_path}. Create it with one [[documents]] "
            f"entry per file in {docs_dir}."
        )
    if source is None:
        source = manifest_path.read_text(encoding="utf-8")
    if parsed is None:
        try:
            parsed = tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            raise CorpusError(f"{manifest_path} is not valid TOML: {exc}") from exc
    entries = parsed.get("documents")
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{manifest_path} lists no documents: add [[documents]] entries.")

    documents = [_document(entry, i, manifest_path, docs_dir) for i, entry in enumerate(entries)]
    _check_unique(documents, entries, manifest_path)
    listed = {str(e["file"]) for e in entries}
    on_disk = {p.name for p in docs_dir.iterdir() if p.is_file() and not p.name.startswith(".")}
    unlisted = sorted(on_disk - listed)
    if unlisted:
        raise CorpusError(
            f"{docs_dir} holds files that {manifest_path} does not list: {', '.join(unlisted)}. "
            "Add a [[documents]] entry for each, or remove the files."
        )
    return Corpus(tuple(documents))


def _document(entry: Any, i: int, manifest_path: Path, docs_dir: Path) -> Document:
    _check_keys(entry, i, manifest_path)
    name = entry["file"]
    if Path(name).name != name:
        raise CorpusError(
            f"{manifest_path}: entry {entry['id']} names file {name!r}; give a bare file name "
            f"inside {docs_dir}."
        )
    path = docs_dir / name
    if not path.is_file():
        raise CorpusError(
            f"{manifest_path}: entry {entry['id']} names {name}, but {path} does not exist. "
            "Add the file or remove the entry."
        )
    regions = entry.get("regions", [])
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise CorpusError(f"{manifest_path}: entry {entry['id']}: regions must be a list of names.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 text: {exc}. Convert it to UTF-8.") from exc
    if not text.strip():
        raise CorpusError(f"{path} is empty: a document needs text to be indexed.")
    organisation = entry.get("organisation")
    return Document(
        id=entry["id"],
        title=entry["title"],
        language=entry["language"],
        source=entry["source"],
        text=text,
        regions=tuple(regions),
        organisation=organisation if isinstance(organisation, str) and organisation else None,
        pages=_pages(entry, text, manifest_path),
    )


def _check_keys(entry: Any, i: int, manifest_path: Path) -> None:
    """The entry is a table with every required key, no unknown one, and a language code."""
    if not isinstance(entry, dict):
        raise CorpusError(f"{manifest_path}: entry {i + 1} is not a table.")
    missing = [key for key in _REQUIRED if not isinstance(entry.get(key), str) or not entry[key]]
    if missing:
        raise CorpusError(
            f"{manifest_path}: entry {i + 1} ({entry.get('id', '?')}) lacks {', '.join(missing)}."
        )
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise CorpusError(
            f"{manifest_path}: entry {entry['id']} has unknown keys {', '.join(unknown)}; "
            f"allowed: {', '.join(_REQUIRED + _OPTIONAL)}."
        )
    if not LANGUAGE_CODE.fullmatch(entry["language"]):
        raise CorpusError(
            f"{manifest_path}: entry {entry['id']} has language {entry['language']!r}; give an "
            "ISO 639-1 code in lower case, such as 'de' or 'en'."
        )


def _pages(entry: dict[str, Any], text: str, manifest_path: Path) -> tuple[int, ...]:
    """Where each page starts in `text`: ascending offsets, the first 0 (none: not a PDF)."""
    pages = entry.get("pages", [])
    if (
        not isinstance(pages, list)
        or not all(isinstance(p, int) and 0 <= p <= len(text) for p in pages)
        or pages != sorted(pages)
        or (pages and pages[0] != 0)
    ):
        raise CorpusError(
            f"{manifest_path}: entry {entry['id']}: pages must list where each page starts in "
            "the text (ascending character offsets, the first 0)."
        )
    return tuple(pages)


def _check_unique(documents: list[Document], entries: list[Any], manifest_path: Path) -> None:
    for key, values in (("id", [d.id for d in documents]), ("file", [e["file"] for e in entries])):
        dupes = sorted(v for v, n in Counter(values).items() if n > 1)
        if dupes:
            raise CorpusError(f"{manifest_path}: {key} listed more than once: {', '.join(dupes)}.")
