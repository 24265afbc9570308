"""Sentence splitting with exact offsets, for German and English policy texts.

`split_sentences(text)` returns `Sentence`s whose `text[start:end] == sentence.text`, always:
spans are cut out of the input, never rebuilt from tokens. Rules, in order:

* a line break ends a sentence: headings, list items and the list-like lines of scraped
  pages ("Start Date", "Information, networking, initiation, marketing") stand alone;
* inside a line, `.`, `!`, `?` or `…` (with closing quotes or brackets after it) ends a
  sentence when whitespace and then an upper-case letter, a digit or an opening quote
  follow — unless the word before the full stop is an abbreviation ("ca. 40", "z. B.",
  "Mio.", "Dr.", "e.g."), a single letter (initials, "z. B."), or a one- or two-digit
  number read as a German ordinal ("seit dem 19. Jahrhundert", "am 3. Oktober") when the
  next word does not start a sentence;
* decimal commas and points ("1,2 mio.", "14.7 %") never split, since no space follows
  the mark inside the number;
* leading and trailing whitespace is trimmed; empty pieces are dropped.

No model and no dependency (pysbd was considered, not adopted): cutting the spans out of
the text ourselves keeps citations exact by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ABBREVIATIONS", "Sentence", "split_sentences"]

# Lower-cased, without the final full stop. German and English abbreviations that are
# commonly followed by a capitalised word or a number, so a full stop after them is not
# a sentence end.
ABBREVIATIONS = frozenset(
    {
        # German
        "abb", "abs", "abt", "allg", "anm", "art", "aufl", "bd", "bspw", "bzgl", "bzw",
        "ca", "chr", "d.h", "dgl", "dr", "ebd", "etc", "evtl", "f", "ff", "ggf", "gem",
        "ggü", "hrsg", "i.d.r", "inkl", "insb", "jh", "jhd", "kap", "lt", "max", "mind",
        "mio", "mrd", "nr", "o.ä", "prof", "rd", "s", "sog", "str", "tab", "tel", "tsd",
        "u.a", "u.ä", "usw", "v.a", "vgl", "z.b", "z.t", "zzgl", "zz", "zzt",
        "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez",
        # English
        "approx", "bn", "cf", "co", "corp", "dept", "e.g", "eds", "est", "fig", "i.e",
        "inc", "jr", "ltd", "mr", "mrs", "ms", "mt", "no", "nos", "op", "p", "pp", "sr",
        "st", "vol", "vs", "oct", "dec",
    }
)  # fmt: skip

# Words that start a sentence after a number with a full stop ("… im Jahr 2011. Die …").
_STARTERS = frozenset(
    {
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "es", "er", "sie", "wir",
        "ich", "dies", "diese", "dieser", "damit", "dabei", "daher", "im", "in", "auf",
        "mit", "seit", "zum", "zur", "bei", "nach", "auch", "so", "the", "this", "these",
        "that", "it", "on", "at", "since", "a", "an", "we", "they", "he", "she",
    }
)  # fmt: skip

_END = re.compile(r"(?:[.!?]+|…)[\"'”“’)\]»«]*(?=\s)")
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*|\d+)$")
_NEXT_WORD = re.compile(r"\s+([\"'„“‚‘(«»]*)([^\s]*)")


@dataclass(frozen=True, slots=True)
class Sentence:
    """`text[start:end]` of the text it was split from; `text` is that very slice."""

    start: int
    end: int
    text: str


def split_sentences(text: str, offset: int = 0) -> tuple[Sentence, ...]:
    """The sentences of `text`; spans are shifted by `offset` (for slices of a document)."""
    out: list[Sentence] = []
    line_start = 0
    for line in text.splitlines(keepends=True):
        line_end = line_start + len(line)
        for start, end in _line_sentences(line):
            _add(out, text, line_start + start, line_start + end, offset)
        line_start = line_end
    return tuple(out)


def _add(out: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append(Sentence(offset + start, offset + end, text[start:end]))


def _line_sentences(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(line):
        if _is_boundary(line, match):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(line)))
    return spans


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    following = _NEXT_WORD.match(line, match.end())
    if following is None or not following.group(2):
        return False
    opening, word = following.group(1), following.group(2)
    first = word[0]
    if not (first.isupper() or first.isdigit() or opening):
        return False
    mark = match.group()
    if not mark.startswith("."):
        return True  # "!", "?", "…" end a sentence before a capital
    before = _WORD_BEFORE.search(line, 0, match.start())
    if before is None:
        return True
    token = before.group(1)
    lowered = token.casefold()
    if lowered in ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # initials, "z. B.", "u. a."
    if token.isdigit() and len(token) <= 2 and mark == ".":
        # "19. Jahrhundert", "3. Oktober": an ordinal, unless a sentence plainly starts.
        return word.casefold().strip("\"'„“,;:") in _STARTERS
    return True
