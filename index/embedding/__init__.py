"""Texts to L2-normalised float32 vectors: one interface, a backend per model, one factory."""

from index.embedding.backends import (
    DEFAULT_MODEL,
    ST_PREFIX,
    SentenceTransformerEmbedder,
    UseEmbedder,
    limit_threads,
    load_embedder,
    model_names,
)
from index.embedding.base import Embedder, Vectors, normalise
from index.embedding.combined import MODEL_SEPARATOR, CombinedEmbedder, combined_parts
from index.embedding.e5 import E5_MODEL, E5Embedder
from index.embedding.memo import QueryMemo

__all__ = [
    "DEFAULT_MODEL",
    "E5_MODEL",
    "MODEL_SEPARATOR",
    "ST_PREFIX",
    "CombinedEmbedder",
    "E5Embedder",
    "Embedder",
    "QueryMemo",
    "SentenceTransformerEmbedder",
    "UseEmbedder",
    "Vectors",
    "combined_parts",
    "limit_threads",
    "load_embedder",
    "model_names",
    "normalise",
]
