"""The write path's BM25: analyse passages into terms and index them.

Every passage is analysed in its document's language (`passage_terms` of `lexical_text`).
A full build analyses all of them (`build_lexical`); an update takes the terms of passages
seen before from the passage cache (`cached_lexical`); both make the same index. A build
saved by an older analysis version (`LEXICAL_VERSION`) has no BM25 index storage can use:
`load_index` loads it and builds one from its chunks (in memory; the next save writes it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.documents.passage import lexical_text
from index.storage.cache import PassageCache, content_key
from index.storage.lexical import LexicalIndex, lexical_from_terms
from index.storage.snapshot import IndexSnapshot
from index.storage.snapshot import load_index as load_stored_index
from index.text.analysis import LEXICAL_VERSION, passage_terms

__all__ = ["build_lexical", "cached_lexical", "load_index"]


def build_lexical(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> LexicalIndex:
    """The BM25 index of `chunks`, each analysed in its document's language."""
    corpus = [
        passage_terms(lexical_text(c, documents[c.document_id]), documents[c.document_id].language)
        for c in chunks
    ]
    return lexical_from_terms([c.id for c in chunks], corpus)


def cached_lexical(
    chunks: Sequence[Chunk], documents: Mapping[str, Document], cache: PassageCache
) -> LexicalIndex:
    """`build_lexical(chunks, documents)`, analysing only passages `cache` has no terms of.

    Chunks kept from the last snapshot are the same objects: their terms are remembered
    in memory by (chunk, title, language), without hashing their text again.
    """
    memo = cache.chunk_terms
    wanted = [
        (c, documents[c.document_id].title, documents[c.document_id].language) for c in chunks
    ]
    todo = [w for w in wanted if w not in memo]
    texts = [(lexical_text(c, documents[c.document_id]), lang) for c, _, lang in todo]
    keys = [content_key(f"{LEXICAL_VERSION}\x00{lang}\x00{text}") for text, lang in texts]
    found = cache.terms(keys)
    fresh = {
        keys[i]: passage_terms(text, lang)
        for i, (text, lang) in enumerate(texts)
        if keys[i] not in found
    }
    if fresh:
        cache.put_terms(fresh)
    found.update(fresh)
    memo.update({w: found[k] for w, k in zip(todo, keys, strict=True)})
    corpus = [memo[w] for w in wanted]
    if len(memo) > 2 * len(wanted) + 1000:
        cache.chunk_terms = dict(zip(wanted, corpus, strict=True))
    return lexical_from_terms([c.id for c in chunks], corpus)


def load_index(index_dir: Path) -> IndexSnapshot:
    """Load the current build of `index_dir`; one without a usable BM25 index (missing, or
    of another analysis version) gets one built from its chunks."""
    return load_stored_index(index_dir, rebuild_lexical=build_lexical)
