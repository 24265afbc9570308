"""ClusterSearch's offline pipeline: load → chunk → embed → index → search.

Importing this package is cheap: models load only when an embedder is created.
"""

from index.chunk import Chunk, ChunkerConfig, chunk_corpus, chunk_document, find_sections
from index.embed import DEFAULT_MODEL, Embedder, load_embedder
from index.errors import (
    ChunkingError,
    ClusterSearchError,
    CorpusError,
    DocumentNotFoundError,
    EmbedderError,
    IndexMismatchError,
    IndexNotFoundError,
    InvalidQueryError,
)
from index.load import Corpus, Document, load_corpus
from index.pipeline import BuildReport, build_index, build_snapshot
from index.search import Hit, Searcher
from index.store import IndexManifest, IndexSnapshot, check_compatible, load_index, save_index

__all__ = [
    "DEFAULT_MODEL",
    "BuildReport",
    "Chunk",
    "ChunkerConfig",
    "ChunkingError",
    "ClusterSearchError",
    "Corpus",
    "CorpusError",
    "Document",
    "DocumentNotFoundError",
    "Embedder",
    "EmbedderError",
    "Hit",
    "IndexManifest",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexSnapshot",
    "InvalidQueryError",
    "Searcher",
    "build_index",
    "build_snapshot",
    "check_compatible",
    "chunk_corpus",
    "chunk_document",
    "find_sections",
    "load_corpus",
    "load_embedder",
    "load_index",
    "save_index",
]
