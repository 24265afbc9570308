"""The words of a question the index has no trace of — evidence that the corpus cannot answer it.

A question about "Österreich", an "email address" or a "Förderquote" of a corpus that never
mentions them has no answer there, however well its other words ("Cluster", "Innovation")
match. `unmatched_words` names the question's salient words none of whose terms is in the
index vocabulary after the searcher's analysis: typo correction and the term map
(`index.storage.lexical`) and the dense model's word bridge (`index.retrieval.bridge`), so
a word the corpus has in the other language, misspelt or as a near synonym does not count.

Salient: at least `min_chars` letters (the bridge's own minimum: shorter words such as
"per", "get", "ab" are neither bridged nor telling), not a question word, not a word of a
Land name (the gazetteer resolves those, in both languages: "Bavaria", the "Rhine" of
"North Rhine-Westphalia"; see `land_words`). Stopwords never reach here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from index.text.analysis import QueryTerm, fold
from index.text.regions import find_regions

__all__ = ["land_words", "unmatched_words"]

_WORD = re.compile(r"[^\W\d_]+")


def land_words(question: str) -> frozenset[str]:
    """The words (folded) of the Land names `question` mentions, in either language."""
    return frozenset(
        fold(w) for m in find_regions(question) for w in _WORD.findall(question[m.start : m.end])
    )


def unmatched_words(
    analysed: Sequence[QueryTerm],
    known: Collection[str],
    *,
    min_chars: int = 4,
    ignore: Callable[[str], bool] = lambda _word: False,
) -> tuple[str, ...]:
    """The salient words of `analysed` (as typed, in order, once each) with no term in `known`.

    `analysed`: the question's words as the searcher analysed them (`Searcher.analyse`);
    `known`: the index vocabulary; `ignore`: words never counted (the question words).
    """
    if min_chars < 1:
        raise ValueError(f"min_chars must be at least 1, got {min_chars}")
    out: dict[str, None] = {}
    for q in analysed:
        word = q.source
        if not q.stems or len(word) < min_chars or not word.isalpha() or ignore(word):
            continue
        if not any(t in known for t in q.terms):
            out[word] = None
    return tuple(out)
