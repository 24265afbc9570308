"""Grow the corpus: add, replace and remove documents, keeping corpus and index in step.

`Library` is the one writer of a corpus directory and its index; the CLI and the API use it.
Every commit runs under an exclusive file lock (`INDEX_DIR/.update.lock`), so updates from
several processes and threads take turns. A write goes:

1. read and check the input (format, size, text, language, Länder; `index.ingest.uploads`):
   a refusal happens here, before anything is written;
2. compute the new snapshot (`update_snapshot`: only new passages are embedded) WITHOUT the
   lock, from the corpus and build current now: other writers and readers go on meanwhile;
3. take the lock; if the manifest or the current build changed meanwhile, compute the
   snapshot again (its vectors are cached by then: no model call); then, under the lock:
4. mark the update pending (`INDEX_DIR/.update-pending`), write the new document texts
   (content-addressed names, `ID.SHA12.txt`, written to a hidden temporary and renamed),
   then replace `manifest.toml` atomically (edited in place, `index.ingest.manifest`) —
   the commit point of the corpus;
5. write the new index segment and the commit naming it, and swap the `current` symlink
   (`index.storage.snapshot.save_index`: nothing existing is rewritten);
6. delete the texts no longer listed and clear the pending mark.

A process killed anywhere in 4–6 leaves the mark; the next writer (and the service at
start-up) deletes unlisted `ID.SHA12.txt` files and brings the index up to the manifest.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.config import ChunkerConfig, MergePolicy, VectorConfig
from index.documents.corpus import DOCUMENTS_DIR, MANIFEST_NAME, Corpus, Document
from index.embedding.base import Embedder
from index.errors import (
    ClusterSearchError,
    DocumentNotFoundError,
    IndexNotFoundError,
    InvalidDocumentError,
)
from index.ingest.changes import (
    Change,
    Plan,
    Refusal,
    UpdateReport,
    add_documents,
    touched_ids,
)
from index.ingest.compact import compacted
from index.ingest.lexical import load_index
from index.ingest.manifest import CorpusRecord, edited_record, listed_files, reread_corpus
from index.ingest.stored import is_stored_name, stored_already, stored_name
from index.ingest.update import update_snapshot
from index.ingest.uploads import (
    DEFAULT_MAX_BYTES,
    Upload,
    prepare_document,
    validate_document_id,
)
from index.storage.cache import CACHE_NAME, PassageCache
from index.storage.files import exclusive_lock, is_temporary, write_atomic
from index.storage.snapshot import IndexSnapshot, check_compatible, current_build, save_index

__all__ = [
    "CHECKPOINTS",
    "Change",
    "Library",
    "Refusal",
    "UpdateReport",
]

PENDING = ".update-pending"
# Serialises whole corpus updates, from reading the manifest to clearing PENDING, across
# processes and threads. `save_index` takes the index directory's own lock inside it.
UPDATE_LOCK = ".update.lock"
CHECKPOINTS = ("document-written", "manifest-written", "index-written")


@dataclass
class Library:
    """Adds, replaces and removes documents of `corpus_dir` and updates `index_dir` in place.

    `on_commit` gets each new snapshot once current (`use_snapshot`: the one in memory).
    `pause_at` names a checkpoint (`CHECKPOINTS`) where a write stops and waits: a test hook
    for killing a writer mid-update. `cache` is the embedding cache (default: one over
    `index_dir/cache.sqlite`, opened on first use); the service passes the one its searchers
    use. `commit_lock` (a reusable lock) is held, inside the file lock, while a write commits
    or an interrupted update is recovered: the service's, so that it never loads a build
    half-way through being installed; the chunking and embedding run without either lock.
    It reads the corpus again only when the manifest's text changed (`reread_corpus`).
    `merge_policy` says when `compact` merges segments; `vectors` picks their FAISS index.
    """

    corpus_dir: Path
    index_dir: Path
    embedder: Embedder
    chunker: ChunkerConfig
    max_bytes: int = DEFAULT_MAX_BYTES
    pause_at: str = ""
    on_commit: Callable[[IndexSnapshot, str], None] | None = None
    cache: PassageCache | None = field(default=None, repr=False)
    commit_lock: contextlib.AbstractContextManager[object] | None = field(default=None, repr=False)
    merge_policy: MergePolicy = field(default_factory=MergePolicy)
    vectors: VectorConfig = field(default_factory=VectorConfig)
    _loaded: tuple[str, IndexSnapshot] | None = field(default=None, repr=False)
    _record: CorpusRecord | None = field(default=None, repr=False)
    # (manifest text, build) when that build indexes exactly that corpus (made by this library)
    _synced: tuple[str, str] | None = field(default=None, repr=False)

    def use_snapshot(self, build: str, snapshot: IndexSnapshot) -> None:
        """Tell the library which build `snapshot` is (saves reloading it)."""
        self._loaded = (build, snapshot)

    # -- reading -------------------------------------------------------------------------

    def documents(self) -> tuple[Document, ...]:
        """The documents the corpus manifest lists."""
        return self._corpus().documents

    def prepare(self, upload: Upload, *, previous: Document | None = None) -> Document:
        """The document an upload becomes (text extracted, language and Länder found);
        raises a `ClusterSearchError` saying what is wrong. Writes nothing."""
        return prepare_document(upload, max_bytes=self.max_bytes, previous=previous)

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

        clashes: list[Refusal] = []  # refilled on each run of `change` (it may run twice)

        def change(docs: list[Document]) -> list[Change]:
            changes, clashes[:] = add_documents(docs, prepared, skip_refused=skip_refused)
            return changes

        report = self._write(change)
        return replace(report, refused=(*refused, *clashes))

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

    def compact(self, *, full: bool = False) -> int:
        """Merge segments: those the merge policy says are due (`plan_merge`), or with `full`
        all of them into one. Returns how many segments were merged (0: none was due).
        Readers go on meanwhile; other writers wait."""
        with self._locked(), self._commit_lock():
            self._recover_locked()
            old = self._current()
            merged = compacted(old, self.merge_policy, self.vectors, full=full)
            if old is None or merged is None:
                return 0
            self._install(merged)
            return len(old.segments) - len(merged.segments) + 1

    def recover(self) -> bool:
        """Finish or undo an interrupted update (see the module doc); True if there was one."""
        if not (self.index_dir / PENDING).exists():
            return False
        with self._locked(), self._commit_lock():
            return self._recover_locked()

    # -- internals -----------------------------------------------------------------------

    def _require(self, document_id: str) -> Document:
        found = next((d for d in self.documents() if d.id == document_id), None)
        if found is None:
            raise _not_found(document_id)
        return found

    def _write(self, change: Callable[[list[Document]], list[Change]]) -> UpdateReport:
        started = time.perf_counter()
        ahead = self._plan_ahead(change)
        with self._locked(), self._commit_lock():
            self._recover_locked()
            # the manifest's text tells whether the corpus changed: its files are named by
            # their content
            record, build = self._corpus(), current_build(self.index_dir)
            plan = ahead
            if plan is None or (plan.record.source, plan.build) != (record.source, build):
                plan = self._plan(record, build, change)  # its vectors are cached by now
            if plan.snapshot is None:
                return UpdateReport(plan.changes, self._current(), None, _since(started))
            self._commit(plan.record, plan.documents, plan.snapshot, plan.changes)
        snapshot = plan.snapshot
        counted = tuple(
            replace(c, chunks=snapshot.chunk_count(c.id))
            if c.status in ("added", "replaced")
            else c
            for c in plan.changes
        )
        return UpdateReport(counted, snapshot, plan.stats, _since(started))

    def _plan_ahead(self, change: Callable[[list[Document]], list[Change]]) -> Plan | None:
        """The write computed without the lock from the corpus and build current now (the
        chunking and embedding: the long part); None if that fails, and the write is then
        decided, and its error raised, under the lock."""
        try:
            return self._plan(self._corpus(), current_build(self.index_dir), change)
        except (ClusterSearchError, OSError):
            return None

    def _plan(
        self,
        record: CorpusRecord,
        build: str | None,
        change: Callable[[list[Document]], list[Change]],
    ) -> Plan:
        """What `change` makes of the corpus `record` and the build `build`."""
        new_docs = list(record.documents)
        changes = tuple(change(new_docs))
        if all(c.status in ("unchanged", "duplicate") for c in changes):
            return Plan(record, build, changes, tuple(new_docs))
        old = self._current()
        if old is not None:
            check_compatible(
                old.manifest,
                model_id=self.embedder.model_id,
                chunker=self.chunker.as_dict(),
                index_dir=self.index_dir,
            )
        synced = build is not None and self._synced == (record.source, build)
        touched = touched_ids(changes)
        snapshot, stats = update_snapshot(
            old, new_docs, self.embedder, self.chunker, self._embedding_cache(),
            corpus_hash=Corpus(tuple(new_docs)).content_hash, vector_config=self.vectors,
            touched=touched if synced else None,
        )  # fmt: skip
        return Plan(record, build, changes, tuple(new_docs), snapshot, stats)

    def _commit(
        self,
        record: CorpusRecord,
        new_docs: Sequence[Document],
        snapshot: IndexSnapshot,
        changes: Sequence[Change],
    ) -> None:
        """Write the documents `changes` add or replace (the others are `record`'s), the
        manifest and the index."""
        docs_dir = self.corpus_dir / DOCUMENTS_DIR
        docs_dir.mkdir(parents=True, exist_ok=True)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.index_dir / PENDING, b"update\n")
        touched = touched_ids(changes)
        new_files = dict(record.files)
        for doc in (c.document for c in changes if c.status in ("added", "replaced")):
            if not stored_already(record, doc):
                name = stored_name(doc)
                write_atomic(docs_dir / name, doc.text.encode("utf-8"))
                new_files[doc.id] = name
        self._checkpoint("document-written")
        edited = edited_record(record, new_docs, new_files, touched=touched)
        write_atomic(self.corpus_dir / MANIFEST_NAME, edited.source.encode("utf-8"))
        self._record = edited
        self._checkpoint("manifest-written")
        build = save_index(
            snapshot, self.index_dir, before_swap=lambda: self._checkpoint("index-written")
        )
        listed = set(edited.files.values())
        for name in {record.files[i] for i in touched if i in record.files} - listed:
            with contextlib.suppress(FileNotFoundError):
                (docs_dir / name).unlink()
        (self.index_dir / PENDING).unlink()
        self._loaded, self._synced = (build.name, snapshot), (edited.source, build.name)
        if self.on_commit is not None:
            self.on_commit(snapshot, build.name)

    def _recover_locked(self) -> bool:
        if not (self.index_dir / PENDING).exists():
            return False
        docs_dir = self.corpus_dir / DOCUMENTS_DIR
        listed = listed_files(self.corpus_dir)
        if docs_dir.is_dir():
            for path in docs_dir.iterdir():
                stray = is_stored_name(path.name) and path.name not in listed
                if stray or is_temporary(path.name):
                    path.unlink()
        for path in self.corpus_dir.glob(f".{MANIFEST_NAME}.*.tmp"):
            path.unlink()  # a manifest being written when the writer was killed
        record = self._corpus()
        docs, old = record.documents, self._current()
        corpus_hash = Corpus(tuple(docs)).content_hash
        if docs and (old is None or old.manifest.corpus_hash != corpus_hash):
            snapshot, _ = update_snapshot(
                old, docs, self.embedder, self.chunker, self._embedding_cache(),
                corpus_hash=corpus_hash, vector_config=self.vectors,
            )  # fmt: skip
            self._install(snapshot, record.source)
        (self.index_dir / PENDING).unlink()
        return True

    def _corpus(self) -> CorpusRecord:
        """The corpus now: every read goes here (see `reread_corpus`)."""
        self._record = record = reread_corpus(self.corpus_dir, self._record)
        return record

    def _current(self) -> IndexSnapshot | None:
        """The current snapshot: the one in memory if it is still current, else from disk."""
        name = current_build(self.index_dir)
        if name is None:
            return None
        if self._loaded is not None and self._loaded[0] == name:
            return self._loaded[1]
        try:
            snapshot = load_index(
                self.index_dir, reuse=self._loaded[1] if self._loaded is not None else None
            )
        except IndexNotFoundError:
            return None
        self._loaded = (name, snapshot)
        return snapshot

    def _embedding_cache(self) -> PassageCache:
        if self.cache is None:
            self.cache = PassageCache(self.index_dir / CACHE_NAME)
        return self.cache

    def _install(self, snapshot: IndexSnapshot, source: str | None = None) -> None:
        """Save `snapshot` as the current index (of the manifest text `source`, if known;
        else of the one its predecessor indexed) and tell `on_commit`."""
        before = self._loaded[0] if self._loaded is not None else None
        if source is None and self._synced is not None and self._synced[1] == before:
            source = self._synced[0]
        build = save_index(snapshot, self.index_dir)
        self._loaded = (build.name, snapshot)
        self._synced = (source, build.name) if source is not None else None
        if self.on_commit is not None:
            self.on_commit(snapshot, build.name)

    def _checkpoint(self, name: str) -> None:
        if self.pause_at == name:
            print(f"PAUSED {name}", file=sys.stderr, flush=True)
            time.sleep(3600)

    def _commit_lock(self) -> contextlib.AbstractContextManager[object]:
        return self.commit_lock if self.commit_lock is not None else contextlib.nullcontext()

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        return exclusive_lock(self.index_dir / UPDATE_LOCK)


def _not_found(document_id: str) -> DocumentNotFoundError:
    return DocumentNotFoundError(
        f"No document {document_id!r} in the corpus. `clustersearch list` (or GET /documents) "
        "lists the ids."
    )


def _since(started: float) -> float:
    return time.perf_counter() - started
