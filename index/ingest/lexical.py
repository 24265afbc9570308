"""The write path's BM25 terms: each passage analysed once, in its document's language.

A full build analyses every passage (`passage_terms_of`); an update takes the terms of
passages seen before from the passage cache (`cached_terms`); both give the same terms.
Storage makes the BM25 postings of a segment from them (`index.storage.segment`). A segment
saved by another analysis version (`LEXICAL_VERSION`) has postings storage cannot use:
`load_index` loads it and makes them anew from its chunks (in memory).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.documents.passage import lexical_text
from index.storage.cache import PassageCache, content_key
from index.storage.snapshot import IndexSnapshot
from index.storage.snapshot import load_index as load_stored_index
from index.text.analysis import LEXICAL_VERSION, passage_terms

__all__ = ["cached_terms", "load_index", "passage_terms_of"]


def passage_terms_of(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> list[list[str]]:
    """The BM25 terms of each of `chunks`, analysed in its document's language."""
    return [
        passage_terms(lexical_text(c, documents[c.document_id]), documents[c.document_id].language)
        for c in chunks
    ]


def cached_terms(
    chunks: Sequence[Chunk], documents: Mapping[str, Document], cache: PassageCache
) -> list[list[str]]:
    """`passage_terms_of(chunks, documents)`, analysing only passages `cache` has no terms
    of (and keeping theirs in it)."""
    texts = [
        (lexical_text(c, documents[c.document_id]), documents[c.document_id].language)
        for c in chunks
    ]
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
    return [found[k] for k in keys]


def load_index(
    index_dir: Path, *, reuse: IndexSnapshot | None = None, mmap: bool = True
) -> IndexSnapshot:
    """Load the current commit of `index_dir` (segments of `reuse` taken from it); a segment
    without usable BM25 postings (of another analysis version) gets them made from its
    chunks."""
    return load_stored_index(index_dir, terms_of=passage_terms_of, reuse=reuse, mmap=mmap)
