"""The read path: BM25 and dense candidates, the word bridge, fusion, highlights, the searcher."""

from index.retrieval.bridge import Encode, LazyBridge, WordBridge
from index.retrieval.fuse import fuse, minmax, rrf
from index.retrieval.searcher import (
    Facets,
    Highlight,
    Hit,
    Scores,
    Searcher,
    SearchPage,
    StageHook,
    highlights,
)

__all__ = [
    "Encode",
    "Facets",
    "Highlight",
    "Hit",
    "LazyBridge",
    "Scores",
    "SearchPage",
    "Searcher",
    "StageHook",
    "WordBridge",
    "fuse",
    "highlights",
    "minmax",
    "rrf",
]
