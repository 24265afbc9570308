"""Recursive character splitting that knows where every piece lies.

The algorithm is langchain's `RecursiveCharacterTextSplitter` with `keep_separator="end"`
and `strip_whitespace=True`: cut the text after each occurrence of the first separator it
contains; merge consecutive cuts into pieces of at most `size` characters, each piece
starting with up to `overlap` characters of the one before; cut a part that is too long
again with the next separator; trim whitespace off every piece. Here it runs on
`(start, end)` offsets instead of strings, so a piece's span is known rather than searched
for. Searching cannot work in general: once whitespace is trimmed, a piece can start where
the piece before it started (the window only dropped blank text), or repeat it exactly,
and a text that repeats itself has several places a piece could have come from.
`tests/index/documents/test_split.py` checks the pieces against langchain's own output.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

__all__ = ["Span", "recursive_spans", "split_spans"]

Span = tuple[int, int]


def split_spans(
    text: str,
    start: int,
    end: int,
    *,
    size: int,
    overlap: int,
    separators: Sequence[str],
) -> list[Span]:
    """The passages of `text[start:end]` as spans of `text`: `recursive_spans` without a
    piece that lies wholly inside its neighbour (trimming whitespace can leave one piece
    the start of the next, or the end of the one before; it adds nothing)."""
    spans: list[Span] = []
    for span in recursive_spans(
        text, start, end, size=size, overlap=overlap, separators=separators
    ):
        while spans and spans[-1][0] == span[0]:
            spans.pop()  # starts where this one starts and ends no later
        if not spans or span[1] > spans[-1][1]:
            spans.append(span)
    return spans


def recursive_spans(
    text: str,
    start: int,
    end: int,
    *,
    size: int,
    overlap: int,
    separators: Sequence[str],
) -> Iterator[Span]:
    """The pieces langchain's recursive splitter makes of `text[start:end]`, as spans of
    `text`, in its order: whitespace-trimmed, never empty, at most `size` characters when
    `separators` end with "" (a cut longer than `size` is split with the next separator).
    Starts and ends never decrease."""
    return _pieces(text, start, end, tuple(separators), size, overlap)


def _pieces(
    text: str, start: int, end: int, separators: tuple[str, ...], size: int, overlap: int
) -> Iterator[Span]:
    separator, finer = _separator(text, start, end, separators)
    cuts = _cut(text, start, end, separator)
    for fits, run in itertools.groupby(cuts, key=lambda cut: cut[1] - cut[0] < size):
        if fits:
            yield from _merge(text, run, size, overlap)
            continue
        for cut in run:
            if finer:
                yield from _pieces(text, cut[0], cut[1], finer, size, overlap)
            elif (trimmed := _trim(text, *cut)) is not None:
                yield trimmed


def _separator(
    text: str, start: int, end: int, separators: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """The first separator found in `text[start:end]` ("" always is) and the finer ones."""
    for i, separator in enumerate(separators):
        if not separator:
            return separator, ()
        if text.find(separator, start, end) >= 0:
            return separator, separators[i + 1 :]
    return separators[-1] if separators else "", ()


def _cut(text: str, start: int, end: int, separator: str) -> Iterator[Span]:
    """`text[start:end]` cut after every `separator` (kept at the end of its part); with ""
    every character is a part."""
    if not separator:
        yield from ((i, i + 1) for i in range(start, end))
        return
    pos = start
    while (found := text.find(separator, pos, end)) >= 0:
        yield pos, found + len(separator)
        pos = found + len(separator)
    if pos < end:
        yield pos, end


def _merge(text: str, cuts: Iterable[Span], size: int, overlap: int) -> Iterator[Span]:
    """Consecutive cuts joined into pieces of at most `size` characters; a new piece keeps
    the last cuts of the one before that fit in `overlap` characters (and leave room)."""
    window: deque[Span] = deque()
    total = 0
    for cut in cuts:
        length = cut[1] - cut[0]
        if window and total + length > size:
            if (piece := _trim(text, window[0][0], window[-1][1])) is not None:
                yield piece
            while window and (total > overlap or total + length > size):
                first = window.popleft()
                total -= first[1] - first[0]
        window.append(cut)
        total += length
    if window and (piece := _trim(text, window[0][0], window[-1][1])) is not None:
        yield piece


def _trim(text: str, start: int, end: int) -> Span | None:
    """`start:end` without leading and trailing whitespace (`str.strip`'s), or None if blank."""
    part = text[start:end]
    stripped = part.lstrip()
    if not stripped:
        return None
    return start + len(part) - len(stripped), start + len(part.rstrip())
