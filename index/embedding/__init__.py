"""Texts to L2-normalised float32 vectors: one interface, a backend per model, one factory."""

from index.embedding.backends import (
    DEFAULT_MODEL,
    ST_PREFIX,
    SentenceTransformerEmbedder,
    UseEmbedder,
    limit_threads,
    load_embedder,
)
from index.embedding.base import Embedder, Vectors, normalise
from index.embedding.e5 import E5_MODEL, E5Embedder
from index.embedding.memo import QueryMemo

__all__ = [
    "DEFAULT_MODEL",
    "E5_MODEL",
    "ST_PREFIX",
    "E5Embedder",
    "Embedder",
    "QueryMemo",
    "SentenceTransformerEmbedder",
    "UseEmbedder",
    "Vectors",
    "limit_threads",
    "load_embedder",
    "normalise",
]
