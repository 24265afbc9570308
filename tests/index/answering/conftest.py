"""The answerer over the seed index, shared by the answering tests."""

from __future__ import annotations

import pytest

from index.answering.answerer import Answerer
from index.embedding.base import Embedder
from index.retrieval.searcher import Searcher


@pytest.fixture(scope="session")
def answerer(searcher: Searcher, embedder: Embedder) -> Answerer:
    return Answerer(searcher, embedder)
