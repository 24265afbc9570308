"""Stage 2: split documents into passages that keep their exact span and section.

Sections come from the document's layout: a single-line block between blank lines that
starts at the beginning of its line and does not end like a sentence is a heading
("Freistaat Sachsen", "Resources needed", "Warum Cluster?"), if it is short or numbered
("1.2. What is Debian GNU/Linux?"). An indented block never is: extraction indents code
and every other body block that would otherwise read as a heading.

Each section body is split on its own (`index.documents.split`: langchain's recursive
character splitting, run on offsets), so a chunk never spans two sections. Every chunk
is a span of its document: `document.text[chunk.start:chunk.end] == chunk.text` holds by
construction, whatever the text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from index.config import ChunkerConfig
from index.documents.corpus import Document
from index.documents.split import split_spans
from index.errors import ChunkingError
from index.text.regions import regions_in

__all__ = [
    "MAX_TEXT_REGIONS",
    "Chunk",
    "Section",
    "chunk_corpus",
    "chunk_document",
    "chunk_regions",
    "find_sections",
    "is_heading",
]

_BLOCK_GAP = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = ".:;,…"
_MAX_HEADING_CHARS = 90
_MAX_HEADING_WORDS = 12
# A numbered heading may run longer: the Debian FAQ's question headings reach 234 characters.
_MAX_NUMBERED_CHARS = 250
_NUMBERED = re.compile(r"(?:\d+\.(?:\d+\.?)*|[A-Z]\.(?:\d+\.?)*)\s+\S")
# Paragraphs, lines, sentences, clauses, words, characters: the coarsest that fits wins.
_SEPARATORS = ("\n\n", "\n", ". ", "; ", ", ", " ", "")


@dataclass(frozen=True, slots=True)
class Section:
    """A heading (None before the first one) and the character span of its body."""

    heading: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of one document; `text` is exactly `document.text[start:end]`."""

    id: int
    document_id: str
    ordinal: int
    start: int
    end: int
    text: str
    section: str | None
    regions: tuple[str, ...] = ()


# A passage naming more Länder than this in its text is an overview (a list of all 16,
# "in allen Ländern ..."): it is about none of them in particular.
MAX_TEXT_REGIONS = 3


def chunk_regions(document: Document, section: str | None, text: str) -> tuple[str, ...]:
    """The Länder a passage concerns, canonical names, sorted.

    The union of: the Länder its section heading names ("Freistaat Sachsen"); the Länder
    its text names, unless it names more than `MAX_TEXT_REGIONS` (a list of Länder is not
    about any one); and the document's manifest regions when the document concerns a single
    Land. A document about many Länder (the 16-Länder overview) does not pass its regions
    down to every passage: there the section and the text decide.
    """
    found = set(regions_in(section or ""))
    in_text = regions_in(text)
    if len(in_text) <= MAX_TEXT_REGIONS:
        found.update(in_text)
    if len(document.regions) == 1:
        found.update(document.regions)
    return tuple(sorted(found))


def find_sections(text: str) -> list[Section]:
    """Split `text` into sections at heading-like blocks; bodies keep their exact spans."""
    blocks = list(_blocks(text))
    sections: list[Section] = []
    heading: str | None = None
    body_start = 0
    for i, (start, end) in enumerate(blocks):
        indented = text.rfind("\n", 0, start) + 1 < start
        if i + 1 < len(blocks) and not indented and is_heading(text[start:end]):
            if text[body_start:start].strip():
                sections.append(Section(heading, body_start, start))
            heading = text[start:end].strip()
            body_start = end
    if text[body_start:].strip():
        sections.append(Section(heading, body_start, len(text)))
    return sections


def chunk_document(document: Document, config: ChunkerConfig) -> list[Chunk]:
    """Cut one document into chunks, section by section."""
    text = document.text
    chunks: list[Chunk] = []
    for section in find_sections(text):
        spans = split_spans(
            text,
            section.start,
            section.end,
            size=config.chunk_size,
            overlap=config.chunk_overlap,
            separators=_SEPARATORS,
        )
        for start, end in spans:
            piece = text[start:end]
            chunks.append(
                Chunk(
                    id=chunk_id(document.id, start, end),
                    document_id=document.id,
                    ordinal=len(chunks),
                    start=start,
                    end=end,
                    text=piece,
                    section=section.heading,
                    regions=chunk_regions(document, section.heading, piece),
                )
            )
    return chunks


def chunk_corpus(
    documents: Iterable[Document],
    config: ChunkerConfig,
    *,
    on_error: Callable[[Document, Exception], None] | None = None,
) -> list[Chunk]:
    """Chunk every document; chunk ids are unique across the corpus. A document that
    cannot be chunked raises, or, given `on_error`, is passed to it and has no chunks."""
    chunks: list[Chunk] = []
    for document in documents:
        try:
            chunks.extend(chunk_document(document, config))
        except Exception as exc:
            if on_error is None:
                raise
            on_error(document, exc)
    if len({c.id for c in chunks}) != len(chunks):
        raise ChunkingError("Two chunks share an id; this is a bug in chunk_id, please report it.")
    return chunks


def chunk_id(document_id: str, start: int, end: int) -> int:
    """A stable positive int64 id for the span `start:end` of a document."""
    digest = hashlib.blake2b(f"{document_id}\x00{start}\x00{end}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the non-blank blocks of `text` separated by blank lines, whitespace trimmed."""
    pos = 0
    for gap in [*_BLOCK_GAP.finditer(text), None]:
        stop = gap.start() if gap else len(text)
        block = text[pos:stop]
        if block.strip():
            lead = len(block) - len(block.lstrip())
            yield pos + lead, pos + len(block.rstrip())
        if gap:
            pos = gap.end()


def is_heading(block: str) -> bool:
    """Whether a block reads as a heading: one line with a letter, not ending like a
    sentence (a question may end one), at most 90 characters and 12 words, or, numbered
    ("2.1.", "A.1."), at most 250 characters."""
    line = block.strip()
    if not line or "\n" in line or line[-1] in _SENTENCE_END:
        return False
    if not any(ch.isalpha() for ch in line):
        return False
    if len(line) <= _MAX_HEADING_CHARS and len(line.split()) <= _MAX_HEADING_WORDS:
        return True
    return len(line) <= _MAX_NUMBERED_CHARS and _NUMBERED.match(line) is not None
