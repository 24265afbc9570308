"""The text of a passage as each consumer sees it: one module, one reason per framing.

* `passage_text` — what the dense model embeds for a chunk: its document's title and
  section heading frame the chunk's text, so a chunk that never names its subject is
  still found by it.
* `lexical_text` — what BM25 indexes: the same three parts as plain lines (no
  punctuation to analyse).
* `span_text` — what the answerer embeds for a candidate span (a sentence or two of a
  chunk): the same frame as `passage_text` around the span instead of the chunk.
"""

from __future__ import annotations

from index.documents.chunk import Chunk
from index.documents.corpus import Document

__all__ = ["lexical_text", "passage_text", "span_text"]


def lexical_text(chunk: Chunk, document: Document) -> str:
    """What BM25 indexes for a chunk: its document's title, its section heading, its text.

    The title puts the document's subject ("BioCon Valley") into every one of its chunks,
    so the subject stops singling out the few chunks that repeat it, and the words
    specific to a chunk decide among them.
    """
    return "\n".join(p for p in (document.title, chunk.section, chunk.text) if p)


def passage_text(chunk: Chunk, document: Document) -> str:
    """What gets embedded for a chunk: its document title and section give it context."""
    context = " — ".join(p for p in (document.title, chunk.section) if p)
    return f"{context}\n{chunk.text}"


def span_text(document: Document, section: str | None, span: str) -> str:
    """What a candidate answer span is embedded as: its document's title and section
    heading, then the span."""
    return f"{document.title} — {section}: {span}" if section else f"{document.title}: {span}"
