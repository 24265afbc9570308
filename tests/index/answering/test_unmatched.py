from __future__ import annotations

import pytest

from index.answering.unmatched import land_words, unmatched_words
from index.text.analysis import QueryTerm

KNOWN = frozenset({"clust", "cluster", "innovation", "valley"})


def term(source: str, *terms: str, stems: bool = True) -> QueryTerm:
    own = frozenset(terms)
    return QueryTerm(source, own, own if stems else frozenset())


def test_names_the_salient_words_with_no_known_term_in_order_once() -> None:
    analysed = [
        term("Cluster", "clust", "cluster"),
        term("Österreich", "osterreich"),
        term("Valey", "valey", "valley"),  # typo corrected: its terms reach the vocabulary
        term("email", "email"),
        term("Österreich", "osterreich"),
    ]
    assert unmatched_words(analysed, KNOWN) == ("Österreich", "email")


def test_short_non_alphabetic_land_and_ignored_words_do_not_count() -> None:
    analysed = [
        term("per", "per"),  # shorter than min_chars
        term("2025er", "2025er"),  # not alphabetic
        term("Bayern", "bayern", stems=False),  # a Land name (no stems)
        term("Welche", "welch"),  # ignored (a question word)
        term("Quote", "quot"),
    ]
    found = unmatched_words(analysed, KNOWN, ignore=lambda w: w.lower() == "welche")
    assert found == ("Quote",)
    assert unmatched_words(analysed, KNOWN, min_chars=3) == ("per", "Welche", "Quote")
    assert unmatched_words(analysed, KNOWN, min_chars=7) == ()
    assert unmatched_words([], KNOWN) == ()


def test_min_chars_must_be_positive() -> None:
    with pytest.raises(ValueError, match="min_chars must be at least 1, got 0"):
        unmatched_words([term("Österreich", "osterreich")], KNOWN, min_chars=0)


def test_land_words_are_the_words_of_the_lands_named_in_either_language() -> None:
    assert land_words("What does North Rhine-Westphalia focus on?") == {
        "north",
        "rhine",
        "westphalia",
    }
    assert land_words("Wie unterstützt Bavaria Netzwerke in Österreich?") == {"bavaria"}
    assert land_words("Welche Cluster gibt es in Österreich?") == frozenset()
