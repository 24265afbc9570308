"""The out-of-domain corpus on disk: a manual in parallel languages, read, chunked, embedded.

`load_manual(folder)` reads `PART.LANG.html` files (the layout of Debian's reference
manual, `apt-get install debian-reference-en debian-reference-de`, in
/usr/share/debian-reference) with the project's own extraction. `manual_snapshot` chunks
every document with the project's chunker (a document it cannot chunk is skipped and
named) and embeds the passages through a `PassageCache`, so a model embeds the manual
once, ever: the embedding is a stage of its own, and a slow model pays for it only on
the first run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.config import ChunkerConfig
from index.documents.chunk import Chunk, chunk_document
from index.documents.corpus import Document
from index.documents.extract import extract
from index.documents.passage import passage_text
from index.embedding.base import Embedder
from index.errors import ClusterSearchError
from index.evaluation.ood import Parallel
from index.ingest.lexical import passage_terms_of
from index.retrieval.searcher import Searcher
from index.storage.cache import PassageCache
from index.storage.snapshot import IndexSnapshot, create_snapshot

__all__ = [
    "DEFAULT_MANUALS",
    "ManualIndex",
    "load_manual",
    "manual_searcher",
    "manual_snapshot",
]

DEFAULT_MANUALS = Path("/usr/share/debian-reference")
_SLICE = 256  # passages embedded between two cache writes


def load_manual(
    folder: Path,
    languages: Sequence[str] = ("en", "de"),
    *,
    recursive: bool = False,
    keep: Callable[[str], bool] | None = None,
) -> dict[str, dict[str, Document]]:
    """Part → language → document for every `PART.LANG.html` in `folder` (below it, with
    `recursive`) whose part is present in all `languages` (empty when the folder has none);
    a file without extractable text, or whose text `keep` refuses, is left out."""
    found: dict[str, dict[str, Document]] = {}
    for lang in languages:
        pattern = f"*.{lang}.html"
        for path in sorted(folder.rglob(pattern) if recursive else folder.glob(pattern)):
            part = path.name[: -len(f".{lang}.html")]
            try:
                extracted = extract(path.read_bytes(), "html")
            except ClusterSearchError:
                continue
            if keep is not None and not keep(extracted.text):
                continue
            found.setdefault(part, {})[lang] = Document(
                id=f"{part}.{lang}",
                title=extracted.title or part,
                language=lang,
                source=str(path),
                text=extracted.text,
            )
    return {part: docs for part, docs in found.items() if set(languages) <= docs.keys()}


@dataclass(frozen=True)
class ManualIndex:
    """The manual's snapshot, its chunks, and the documents the chunker could not cut."""

    snapshot: IndexSnapshot
    chunks: tuple[Chunk, ...]
    skipped: tuple[str, ...]


def manual_snapshot(
    corpus: Parallel, embedder: Embedder, cache: PassageCache, chunker: ChunkerConfig
) -> ManualIndex:
    """Chunk every document of `corpus` and embed the passages through `cache`."""
    documents = [d for docs in corpus.values() for d in docs.values()]
    chunks: list[Chunk] = []
    skipped: list[str] = []
    for document in documents:
        try:
            chunks.extend(chunk_document(document, chunker))
        except ClusterSearchError:
            skipped.append(document.id)
    by_id = {d.id: d for d in documents}
    texts = [passage_text(c, by_id[c.document_id]) for c in chunks]
    # in slices, each written to the cache when done: an interrupted run keeps its work
    parts = [cache.encode(embedder, texts[i : i + _SLICE])[0] for i in range(0, len(texts), _SLICE)]
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    snapshot = create_snapshot(
        chunks,
        vectors,
        documents,
        model_id=embedder.model_id,
        chunker=chunker.as_dict(),
        corpus_hash="out-of-domain",
        terms=passage_terms_of(chunks, by_id),
    )
    return ManualIndex(snapshot, tuple(chunks), tuple(skipped))


def manual_searcher(
    index: ManualIndex,
    embedder: Embedder,
    cache: PassageCache,
    *,
    bridge_embedder: Embedder | None = None,
) -> Searcher:
    """A searcher over the manual whose word bridge embeds passage words through `cache`
    with `bridge_embedder` (default: `embedder`, the passages' model)."""
    bridge = bridge_embedder or embedder
    return Searcher(
        index.snapshot,
        embedder,
        bridge_embedder=bridge,
        word_encoder=lambda words: cache.encode(bridge, words)[0],
    )
