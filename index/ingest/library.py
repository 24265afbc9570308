"""Grow the corpus: add, replace and remove documents, keeping corpus and index in step.

`Library` is the one writer of a corpus directory and its index; the CLI and the API use it.

Every write runs under an exclusive file lock (`INDEX_DIR/.update.lock`), so updates from
several processes and threads take turns. A write goes:

1. read and check the input (format, size, text, language, Länder): a refusal happens
   here, before anything is written;
2. compute the new snapshot in memory (`index.incremental.update_snapshot`; only the
   changed document's chunks are embedded, and only when the embedding cache lacks them);
3. mark the update pending (`INDEX_DIR/.update-pending`), write the new document texts
   (content-addressed names, `ID.SHA12.txt`, written to a hidden temporary and renamed),
   then replace `manifest.toml` atomically — the commit point of the corpus;
4. write the index build beside the live one and swap the `current` symlink (`index.store`);
5. delete the texts no longer listed and clear the pending mark.

A process killed anywhere in 3–5 leaves the mark; the next writer (and the service at
start-up) then deletes unlisted `ID.SHA12.txt` files and brings the index up to the
manifest — the last complete state — re-using the cached embeddings.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import sys
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any, Literal

from index.config import MAX_TITLE_CHARS, ChunkerConfig
from index.documents.corpus import (
    DOCUMENTS_DIR,
    LANGUAGE_CODE,
    MANIFEST_NAME,
    Corpus,
    Document,
    load_corpus,
)
from index.documents.extract import detect_format, detect_language, extract, guess_regions
from index.embedding.base import Embedder
from index.errors import (
    ClusterSearchError,
    CorpusError,
    DocumentNotFoundError,
    DocumentTooLargeError,
    IndexNotFoundError,
    InvalidDocumentError,
    InvalidQueryError,
)
from index.ingest.update import UpdateStats, update_snapshot
from index.storage.cache import CACHE_NAME, PassageCache
from index.storage.snapshot import (
    IndexSnapshot,
    check_compatible,
    current_build,
    load_index,
    save_index,
)
from index.text.regions import canonical_region

__all__ = [
    "CHECKPOINTS",
    "DEFAULT_MAX_BYTES",
    "Change",
    "Library",
    "Refusal",
    "UpdateReport",
    "Upload",
    "corpus_documents",
    "document_id_for",
    "validate_document_id",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PENDING = ".update-pending"
LOCK = ".update.lock"
CHECKPOINTS = ("document-written", "manifest-written", "index-written")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_STORED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.[0-9a-f]{12}\.txt")

_MANIFEST_KEYS = ("id", "file", "title", "language", "source", "regions", "organisation", "pages")
_DEFAULT_HEADER = "# The record of what ClusterSearch indexes (written by `clustersearch add`).\n"

Status = Literal["added", "replaced", "unchanged", "duplicate", "removed"]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file to index and the metadata given with it (None: found in the file or guessed)."""

    data: bytes
    filename: str
    media_type: str | None = None
    title: str | None = None
    source: str | None = None
    language: str | None = None
    regions: tuple[str, ...] | None = None
    document_id: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """What happened to one document; `duplicate_of` names the document with the same text."""

    id: str
    status: Status
    document: Document
    chunks: int
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An upload left out of a batch, and the message of the error that refused it."""

    filename: str
    reason: str


@dataclass(frozen=True)
class UpdateReport:
    """The changes of one write, the index statistics, the snapshot now current, and the
    uploads a batch left out (`Library.add(..., skip_refused=True)`)."""

    changes: tuple[Change, ...]
    snapshot: IndexSnapshot | None
    stats: UpdateStats | None = None
    seconds: float = 0.0
    refused: tuple[Refusal, ...] = ()


def validate_document_id(document_id: str) -> str:
    """`document_id` if it is a safe id (letters, digits, `_`, `-`; no dots, no slashes)."""
    if not _ID.fullmatch(document_id):
        raise InvalidDocumentError(
            f"Invalid document id {document_id[:120]!r}: use 1–100 letters, digits, '_' or '-', "
            "starting with a letter or digit (no '/', '\\\\', '.' or spaces)."
        )
    return document_id


def document_id_for(name: str, text: str) -> str:
    """A stable id from a file name and the text: `slug_SHA16` ("strategy-2030_1a2b…")."""
    ascii_name = unicodedata.normalize("NFKD", PurePath(name).stem)
    ascii_name = ascii_name.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-") or "doc"
    return f"{slug}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


@dataclass
class Library:
    """Adds, replaces and removes documents of `corpus_dir` and updates `index_dir` in place.

    `snapshot` is the snapshot of the build `build` already in memory (the service's), so
    an update need not reload it; `on_commit` gets each new snapshot once it is current.
    `pause_at` names a checkpoint (`CHECKPOINTS`) where a write stops and waits: a test hook
    for killing a writer mid-update. `cache` is the embedding cache (default: one over
    `index_dir/cache.sqlite`, opened on first use); the service passes the one its searchers
    use.
    """

    corpus_dir: Path
    index_dir: Path
    embedder: Embedder
    chunker: ChunkerConfig
    max_bytes: int = DEFAULT_MAX_BYTES
    pause_at: str = ""
    on_commit: Callable[[IndexSnapshot, str], None] | None = None
    cache: PassageCache | None = field(default=None, repr=False)
    _loaded: tuple[str, IndexSnapshot] | None = field(default=None, repr=False)

    def use_snapshot(self, build: str, snapshot: IndexSnapshot) -> None:
        """Tell the library which build `snapshot` is (saves reloading it)."""
        self._loaded = (build, snapshot)

    # -- reading -------------------------------------------------------------------------

    def documents(self) -> tuple[Document, ...]:
        """The documents the corpus manifest lists."""
        return self._read_corpus()[0]

    def prepare(self, upload: Upload, *, previous: Document | None = None) -> Document:
        """The document an upload becomes (text extracted, language and Länder found);
        raises a `ClusterSearchError` saying what is wrong. Writes nothing."""
        if len(upload.data) > self.max_bytes:
            raise DocumentTooLargeError(
                f"{upload.filename or 'The document'} has {len(upload.data)} bytes; the limit "
                f"is {self.max_bytes} bytes (CLUSTERSEARCH_MAX_DOCUMENT_BYTES)."
            )
        if upload.document_id is not None:
            validate_document_id(upload.document_id)
        extracted = extract(upload.data, detect_format(upload.filename, upload.media_type))
        text = extracted.text
        name = PurePath(upload.filename or "document").name
        title = _clean_title(upload.title) or (
            _clean_title(extracted.title)
            or (previous.title if previous else None)
            or _clean_title(PurePath(name).stem)
            or "Untitled document"
        )
        language = upload.language or detect_language(text)
        if language is None:
            raise InvalidDocumentError(
                "Could not tell the document's language; give it (--lang de, or 'language')."
            )
        if not LANGUAGE_CODE.fullmatch(language):
            raise InvalidDocumentError(
                f"language must be a two-letter ISO 639-1 code such as 'de' or 'en', got "
                f"{language!r}."
            )
        if upload.regions is not None:
            try:
                regions = tuple(dict.fromkeys(canonical_region(r) for r in upload.regions))
            except InvalidQueryError as exc:
                raise InvalidDocumentError(str(exc)) from exc
        else:
            regions = guess_regions(title, text)
        document_id = upload.document_id or (
            previous.id if previous else document_id_for(name, text)
        )
        return Document(
            id=document_id,
            title=title,
            language=language,
            source=(upload.source or (previous.source if previous else name)).strip() or name,
            text=text,
            regions=regions,
            organisation=previous.organisation if previous else None,
            pages=extracted.pages,
        )

    # -- writing -------------------------------------------------------------------------

    def add(self, uploads: Sequence[Upload], *, skip_refused: bool = False) -> UpdateReport:
        """Add documents; content already in the corpus is reported as a duplicate.

        An upload that cannot be added raises its error and nothing is added; with
        `skip_refused` it is left out and reported in `UpdateReport.refused`, and the
        others are added (a batch is not lost to one bad file)."""
        refused: list[Refusal] = []
        prepared: list[tuple[str, Document]] = []
        for upload in uploads:
            try:
                prepared.append((upload.filename, self.prepare(upload)))
            except ClusterSearchError as exc:
                if not skip_refused:
                    raise
                refused.append(Refusal(upload.filename, str(exc)))

        def change(docs: list[Document]) -> list[Change]:
            changes = []
            for filename, doc in prepared:
                same = next((d for d in docs if d.sha256 == doc.sha256), None)
                if same is not None:
                    status: Status = "unchanged" if same.id == doc.id else "duplicate"
                    duplicate_of = same.id if status == "duplicate" else None
                    changes.append(Change(same.id, status, same, 0, duplicate_of))
                    continue
                if any(d.id == doc.id for d in docs):
                    error = InvalidDocumentError(
                        f"A document with id {doc.id!r} exists already; replace it instead "
                        f"(clustersearch replace {doc.id} PATH, or PUT /documents/{doc.id})."
                    )
                    if not skip_refused:
                        raise error
                    refused.append(Refusal(filename, str(error)))
                    continue
                docs.append(doc)
                changes.append(Change(doc.id, "added", doc, 0))
            return changes

        return replace(self._write(change), refused=tuple(refused))

    def replace(self, document_id: str, upload: Upload) -> UpdateReport:
        """Replace a document's text (and metadata given) by a new version of it."""
        validate_document_id(document_id)
        previous = self._require(document_id)
        doc = self.prepare(replace(upload, document_id=document_id), previous=previous)

        def change(docs: list[Document]) -> list[Change]:
            i = next((i for i, d in enumerate(docs) if d.id == document_id), None)
            if i is None:
                raise _not_found(document_id)
            if docs[i] == doc:
                return [Change(document_id, "unchanged", doc, 0)]
            other = next((d for d in docs if d.sha256 == doc.sha256 and d.id != doc.id), None)
            if other is not None:
                return [Change(document_id, "duplicate", docs[i], 0, other.id)]
            docs[i] = doc
            return [Change(document_id, "replaced", doc, 0)]

        return self._write(change)

    def remove(self, document_id: str) -> UpdateReport:
        """Remove a document and its chunks."""
        validate_document_id(document_id)

        def change(docs: list[Document]) -> list[Change]:
            i = next((i for i, d in enumerate(docs) if d.id == document_id), None)
            if i is None:
                raise _not_found(document_id)
            if len(docs) == 1:
                raise InvalidDocumentError(
                    f"{document_id!r} is the last document; a corpus needs at least one. Add "
                    "its successor first, or replace it."
                )
            return [Change(document_id, "removed", docs.pop(i), 0)]

        return self._write(change)

    def recover(self) -> bool:
        """Finish or undo an interrupted update (see the module doc); True if there was one."""
        if not (self.index_dir / PENDING).exists():
            return False
        with self._locked():
            return self._recover_locked()

    # -- internals -----------------------------------------------------------------------

    def _require(self, document_id: str) -> Document:
        found = next((d for d in self.documents() if d.id == document_id), None)
        if found is None:
            raise _not_found(document_id)
        return found

    def _write(self, change: Callable[[list[Document]], list[Change]]) -> UpdateReport:
        started = time.perf_counter()
        with self._locked():
            self._recover_locked()
            docs, files, header = self._read_corpus()
            new_docs = list(docs)
            changes = change(new_docs)
            if all(c.status in ("unchanged", "duplicate") for c in changes):
                return UpdateReport(tuple(changes), self._current(), None, _since(started))
            old = self._current()
            if old is not None:
                check_compatible(
                    old.manifest,
                    model_id=self.embedder.model_id,
                    chunker=self.chunker.as_dict(),
                    index_dir=self.index_dir,
                )
            snapshot, stats = update_snapshot(
                old,
                new_docs,
                self.embedder,
                self.chunker,
                self._embedding_cache(),
                corpus_hash=Corpus(tuple(new_docs)).content_hash,
            )
            self._commit(docs, files, header, new_docs, snapshot)
        counted = tuple(
            replace(c, chunks=sum(1 for ch in snapshot.chunks.values() if ch.document_id == c.id))
            if c.status in ("added", "replaced")
            else c
            for c in changes
        )
        return UpdateReport(counted, snapshot, stats, _since(started))

    def _commit(
        self,
        old_docs: Sequence[Document],
        files: dict[str, str],
        header: str,
        new_docs: Sequence[Document],
        snapshot: IndexSnapshot,
    ) -> None:
        docs_dir = self.corpus_dir / DOCUMENTS_DIR
        docs_dir.mkdir(parents=True, exist_ok=True)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.index_dir / PENDING, b"update\n")
        old_by_id = {d.id: d for d in old_docs}
        new_files = dict(files)
        for doc in new_docs:
            if old_by_id.get(doc.id) is not None and old_by_id[doc.id].text == doc.text:
                continue
            name = f"{doc.id}.{doc.sha256[:12]}.txt"
            _write_atomic(docs_dir / name, doc.text.encode("utf-8"))
            new_files[doc.id] = name
        self._checkpoint("document-written")
        manifest = header + "".join(_entry_toml(d, new_files[d.id]) for d in new_docs)
        _write_atomic(self.corpus_dir / MANIFEST_NAME, manifest.encode("utf-8"))
        self._checkpoint("manifest-written")
        build = save_index(
            snapshot, self.index_dir, before_swap=lambda: self._checkpoint("index-written")
        )
        listed = {new_files[d.id] for d in new_docs}
        for name in set(files.values()) - listed:
            with contextlib.suppress(FileNotFoundError):
                (docs_dir / name).unlink()
        (self.index_dir / PENDING).unlink()
        self._loaded = (build.name, snapshot)
        if self.on_commit is not None:
            self.on_commit(snapshot, build.name)

    def _recover_locked(self) -> bool:
        if not (self.index_dir / PENDING).exists():
            return False
        docs_dir = self.corpus_dir / DOCUMENTS_DIR
        listed = _listed_files(self.corpus_dir)
        if docs_dir.is_dir():
            for path in docs_dir.iterdir():
                stray = _STORED.fullmatch(path.name) and path.name not in listed
                if stray or (path.name.startswith(".") and path.name.endswith(".tmp")):
                    path.unlink()
        for path in self.corpus_dir.glob(f".{MANIFEST_NAME}.*.tmp"):
            path.unlink()  # a manifest being written when the writer was killed
        docs = self._read_corpus()[0]
        old = self._current()
        corpus_hash = Corpus(tuple(docs)).content_hash
        if docs and (old is None or old.manifest.corpus_hash != corpus_hash):
            snapshot, _ = update_snapshot(
                old,
                docs,
                self.embedder,
                self.chunker,
                self._embedding_cache(),
                corpus_hash=corpus_hash,
            )
            build = save_index(snapshot, self.index_dir)
            self._loaded = (build.name, snapshot)
            if self.on_commit is not None:
                self.on_commit(snapshot, build.name)
        (self.index_dir / PENDING).unlink()
        return True

    def _current(self) -> IndexSnapshot | None:
        """The current snapshot: the one in memory if it is still current, else from disk."""
        name = current_build(self.index_dir)
        if name is None:
            return None
        if self._loaded is not None and self._loaded[0] == name:
            return self._loaded[1]
        try:
            snapshot = load_index(self.index_dir)
        except IndexNotFoundError:
            return None
        self._loaded = (name, snapshot)
        return snapshot

    def _read_corpus(self) -> tuple[tuple[Document, ...], dict[str, str], str]:
        return _read_corpus(self.corpus_dir)

    def _embedding_cache(self) -> PassageCache:
        if self.cache is None:
            self.cache = PassageCache(self.index_dir / CACHE_NAME)
        return self.cache

    def _checkpoint(self, name: str) -> None:
        if self.pause_at == name:
            print(f"PAUSED {name}", file=sys.stderr, flush=True)
            time.sleep(3600)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / LOCK, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def corpus_documents(corpus_dir: Path) -> tuple[Document, ...]:
    """The documents a corpus manifest lists (none when it is missing or lists none)."""
    return _read_corpus(corpus_dir)[0]


def _read_corpus(corpus_dir: Path) -> tuple[tuple[Document, ...], dict[str, str], str]:
    """The documents, their file names by id, and the manifest's leading comment."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return (), {}, _DEFAULT_HEADER
    source = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path} is not valid TOML: {exc}") from exc
    header = _header(source)
    entries: Any = raw.get("documents") or []
    if not entries:
        return (), {}, header
    corpus = load_corpus(corpus_dir)
    return corpus.documents, {str(e["id"]): str(e["file"]) for e in entries}, header


def _listed_files(corpus_dir: Path) -> set[str]:
    """The file names the manifest lists (read without loading the documents)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return set()
    try:
        entries: Any = tomllib.loads(path.read_text(encoding="utf-8")).get("documents") or []
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path} is not valid TOML: {exc}") from exc
    return {str(e.get("file")) for e in entries if isinstance(e, dict)}


def _not_found(document_id: str) -> DocumentNotFoundError:
    return DocumentNotFoundError(
        f"No document {document_id!r} in the corpus. `clustersearch list` (or GET /documents) "
        "lists the ids."
    )


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = " ".join(title.split())[:MAX_TITLE_CHARS]
    return title or None


def _since(started: float) -> float:
    return time.perf_counter() - started


def _header(source: str) -> str:
    """The comment lines a manifest starts with (kept when it is rewritten)."""
    lines = []
    for line in source.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    header = "".join(lines).rstrip("\n")
    return header + "\n" if header else _DEFAULT_HEADER


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
    for key in _MANIFEST_KEYS:
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


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a hidden temporary, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
