"""The span splitter is langchain's recursive splitter, with every piece's place known."""

from __future__ import annotations

import itertools

from hypothesis import example, given, settings
from hypothesis import strategies as st
from langchain_text_splitters import RecursiveCharacterTextSplitter

from index.documents.split import recursive_spans, split_spans

SEPARATORS = ("\n\n", "\n", ". ", "; ", ", ", " ", "")
TOKENS = ["a", "Wort", "é", "x" * 70, " ", "  ", "\t", "\xa0", "\u200b", "\n", "\n\n", "\n \n",
          ". ", "; ", ", ", "\n\xa0\xa0\xa0 "]  # fmt: skip
texts = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)


def langchain(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=list(SEPARATORS),
        keep_separator="end",
        strip_whitespace=True,
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(texts, st.integers(min_value=50, max_value=130), st.integers(min_value=0, max_value=49))
@example("  " * 10 + "a" * 40 + " " * 540 + "\n\n" + "b" * 50, 600, 80)
def test_pieces_are_exactly_langchains(text: str, size: int, overlap: int) -> None:
    spans = list(recursive_spans(text, 0, len(text), size=size, overlap=overlap,
                                 separators=SEPARATORS))  # fmt: skip
    assert [text[a:b] for a, b in spans] == langchain(size, overlap).split_text(text)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(texts, st.integers(min_value=50, max_value=130), st.integers(min_value=0, max_value=49))
def test_passages_are_ordered_trimmed_and_cover_the_text(
    text: str, size: int, overlap: int
) -> None:
    prefix = "Kopf\n\n"
    full = prefix + text + "\n\nEnde"
    spans = split_spans(full, len(prefix), len(full) - 6, size=size, overlap=overlap,
                        separators=SEPARATORS)  # fmt: skip
    for start, end in spans:
        piece = full[start:end]
        assert len(prefix) <= start < end <= len(full) - 6
        assert piece == piece.strip() and len(piece) <= size
    for (s1, e1), (s2, e2) in itertools.pairwise(spans):
        assert s1 < s2 and e1 < e2  # ordered; none lies inside another
    covered = {i for start, end in spans for i in range(start, end)}
    body = range(len(prefix), len(full) - 6)
    assert {i for i in body if not full[i].isspace()} <= covered


def test_a_piece_that_only_shed_whitespace_is_given_once() -> None:
    # langchain's second piece starts where its first did: the window only dropped the
    # leading blank line. The first piece lies inside the second and is left out.
    text = "\n\n" + "a" * 69 + "\n\n" + "b" * 526 + "\n\n" + "c" * 21
    raw = list(recursive_spans(text, 0, len(text), size=600, overlap=80, separators=SEPARATORS))
    assert raw == [(2, 71), (2, 599), (601, 622)]
    spans = split_spans(text, 0, len(text), size=600, overlap=80, separators=SEPARATORS)
    assert spans == [(2, 599), (601, 622)]


def test_a_piece_repeating_the_one_before_is_given_once() -> None:
    # The window after the x's keeps them and a long blank part: trimmed, langchain's
    # second piece is the first one again.
    text = " " * 28 + "\n\n" + "x" * 48 + "\n\n" + " " * 538 + "\n\n" + "v" * 50
    assert langchain(600, 80).split_text(text) == ["x" * 48, "x" * 48, "v" * 50]
    raw = list(recursive_spans(text, 0, len(text), size=600, overlap=80, separators=SEPARATORS))
    assert raw == [(30, 78), (30, 78), (620, 670)]
    spans = split_spans(text, 0, len(text), size=600, overlap=80, separators=SEPARATORS)
    assert spans == [(30, 78), (620, 670)]


def test_a_long_line_without_separators_is_cut_into_windows() -> None:
    text = "z" * 250
    spans = split_spans(text, 0, 250, size=100, overlap=20, separators=SEPARATORS)
    assert spans == [(0, 100), (80, 180), (160, 250)]
