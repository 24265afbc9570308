"""PDF to stored text (pypdf): pages joined by a blank line, where each starts recorded.

A line set larger than the page's body font is a heading; a heading wrapped over lines
of one size is joined into one, unless the next line starts with a section number.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from index.documents.blocks import BLANK_RUN, HEADING_MAX_CHARS, clean, heading_text
from index.documents.chunk import is_heading
from index.errors import ExtractionError

__all__ = ["pdf_to_text"]

_NUMBER_START = re.compile(r"(?:\d+\.)*\d+\.?\s|[A-Z]\.\d")


def pdf_to_text(data: bytes) -> tuple[str, str | None, tuple[int, ...]]:
    """The stored text of a PDF, its title (metadata, else the first heading) and where
    each page starts in the text; `ExtractionError` when it cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5] == b"%PDF-":
        raise ExtractionError("The file is not a PDF (it does not start with %PDF-).")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("The PDF is encrypted with a password; upload it decrypted.")
        read = [_pdf_page(page) for page in reader.pages]
        title = reader.metadata.title if reader.metadata is not None else None
    except ExtractionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ExtractionError(f"The PDF cannot be parsed: {exc}") from exc
    texts = [text for text, _ in read]
    headings = [h for _, page_headings in read for h in page_headings]
    if not (title and title.strip()) and headings:
        title = headings[0]
    pages: list[int] = []
    parts: list[str] = []
    offset = 0
    for text in texts:
        pages.append(offset)
        parts.append(text)
        offset += len(text) + 2
    return "\n\n".join(parts), title.strip() if title else None, tuple(pages)


def _pdf_page(page: Any) -> tuple[str, list[str]]:
    """One page's text; lines set larger than the page's body font become heading blocks."""
    sizes: dict[str, float] = {}
    weights: Counter[float] = Counter()

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        scale = abs(float(tm[3]) * float(cm[3])) or 1.0
        effective = round(float(size) * scale, 1)
        for piece in text.split("\n"):
            piece = " ".join(piece.split())
            if piece:
                sizes[piece] = max(sizes.get(piece, 0.0), effective)
                weights[effective] += len(piece)

    text = clean(page.extract_text(visitor_text=visit) or "")
    body = weights.most_common(1)[0][0] if weights else 0.0
    lines: list[str] = []
    headings: list[str] = []
    wrapped: tuple[str, float] | None = None  # the heading so far and its size, if open
    for line in text.split("\n"):
        bare = " ".join(line.split())
        size = sizes.get(bare, 0.0)
        big = body and size >= body * 1.15 and len(bare) <= HEADING_MAX_CHARS
        # A heading wrapped over lines of one size goes on, unless the line is numbered.
        if big and wrapped and wrapped[1] == size and not _NUMBER_START.match(bare):
            joined = wrapped[0] + ("" if wrapped[0].endswith("-") else " ") + bare
            if is_heading(heading_text(joined)):
                headings[-1] = lines[-2] = heading_text(joined)
                wrapped = (joined, size)
                continue
        if big and any(c.isalpha() for c in bare):
            headings.append(heading_text(bare))
            lines.extend(["", headings[-1], ""])
            wrapped = (bare, size)
        else:
            lines.append(line.rstrip())
            wrapped = None
    return BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n"), headings
