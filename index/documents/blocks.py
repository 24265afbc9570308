"""Plain-text blocks as the chunker reads them: what every format's extraction shares.

A heading stands alone between blank lines (`heading_text`; `source_heading` when the
source marks it as one and it must read as one). A body block that would read as a
heading (`index.documents.chunk.is_heading`) is indented by four spaces (`body_block`),
and code line by line (`code_block`): an indented block is never a heading, so only the
source's own headings start sections.
"""

from __future__ import annotations

import re
import unicodedata

from index.documents.chunk import is_heading

__all__ = [
    "BLANK_RUN",
    "HEADING_MAX_CHARS",
    "body_block",
    "clean",
    "code_block",
    "heading_text",
    "source_heading",
]

HEADING_MAX_CHARS = 90
BLANK_RUN = re.compile(r"\n{3,}")
_HEADING_MAX_WORDS = 12
_HEADING_TRAILER = ":;,.…"
_INDENT = "    "
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Unix line ends, NFC, no control characters (tabs and newlines stay)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text.replace("\f", "\n\n"))


def heading_text(text: str) -> str:
    """A heading as the chunker recognises it: one line, no trailing colon or full stop."""
    return " ".join(text.split()).rstrip(_HEADING_TRAILER).strip()


def source_heading(text: str) -> str:
    """A heading the source marks as one (Markdown, HTML): shortened at a word boundary
    when it is too long to read as a heading, so that it still starts a section."""
    heading = heading_text(text)
    if is_heading(heading):
        return heading
    words = heading[: HEADING_MAX_CHARS + 1].split()[:_HEADING_MAX_WORDS]
    while words and not is_heading(heading_text(" ".join(words))):
        words.pop()
    return heading_text(" ".join(words)) if words else heading[:HEADING_MAX_CHARS]


def body_block(block: str) -> str:
    """A block of body text, indented if it would otherwise read as a heading."""
    if block == block.lstrip() and is_heading(block):
        return _INDENT + block
    return block


def code_block(block: str) -> str:
    """Preformatted text indented line by line: code never reads as a heading."""
    return "\n".join(_INDENT + line if line.strip() else line for line in block.split("\n"))
