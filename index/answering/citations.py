"""Citations of an answer, each checked against its document before it is shown.

Nothing is generated: an answer is `document.text[start:end]` of its first citation.
`verify_citations` keeps only the citations whose text is exactly that slice of their
document; one that is not (a splitter whose offsets drifted, say) is dropped and logged as
an error, never shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from index.documents.corpus import Document

__all__ = ["AnswerCitation", "verify_citations"]

log = logging.getLogger("clustersearch.answer")


@dataclass(frozen=True, slots=True)
class AnswerCitation:
    """`document.text[start:end] == text` (verified before it is returned)."""

    document: Document
    section: str | None
    start: int
    end: int
    text: str


def verify_citations(citations: Iterable[AnswerCitation]) -> tuple[AnswerCitation, ...]:
    """The citations whose text is exactly `document.text[start:end]`; others are logged."""
    kept = []
    for c in citations:
        if 0 <= c.start < c.end <= len(c.document.text) and c.document.text[c.start : c.end] == (
            c.text
        ):
            kept.append(c)
        else:
            log.error(
                "dropped a citation that does not verify: %s[%d:%d] != %r",
                c.document.id,
                c.start,
                c.end,
                c.text[:80],
            )
    return tuple(kept)
