from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.text.analysis import (
    compound_parts,
    correct_typos,
    fold,
    max_edits,
    passage_pieces,
    passage_terms,
    query_analysis,
    query_terms,
    stem,
)


def test_umlauts_and_sharp_s_are_spelled_out() -> None:
    assert fold("Thüringen") == fold("THUERINGEN") == "thueringen"
    assert fold("Größe") == "groesse"
    assert passage_terms("Thüringen", "de") == passage_terms("Thueringen", "de") == ["thuring"]


def test_german_compounds_are_split_into_stemmed_parts() -> None:
    assert compound_parts("Clusterpolitik") == ((0, 7), (7, 14))
    assert compound_parts("Innovationsstrategie") == ((0, 11), (11, 20))
    assert compound_parts("Cluster") == ()
    assert compound_parts("Thueringen") == ()  # a Land's name is never split
    assert passage_terms("Clusterpolitik", "de") == ["clusterpolit", "clust", "polit"]
    assert passage_terms("Innovationsstrategie", "de") == [
        "innovationsstrategi",
        "innovation",
        "strategi",
    ]


def test_english_passages_use_the_english_stemmer_and_no_splitting() -> None:
    assert passage_terms("The networking clusters", "en") == ["network", "cluster"]


def test_mixed_words_yield_their_runs() -> None:
    assert passage_terms("innoBB2025plus", "de") == ["innobb2025plus", "innobb", "2025", "plus"]


def test_pieces_carry_offsets() -> None:
    pieces = passage_pieces("Die Clusterpolitik", "de")
    assert [(p.start, p.end, p.term) for p in pieces] == [
        (4, 18, "clusterpolit"),
        (4, 11, "clust"),
        (11, 18, "polit"),
    ]


def test_a_word_is_analysed_the_same_wherever_it_stands() -> None:
    # each word's pieces are analysed once and kept: offsets follow the word
    alone = [(p.start, p.end, p.term) for p in passage_pieces("Clusterpolitik", "de")]
    later = passage_pieces("In Sachsen: Clusterpolitik, Clusterpolitik.", "de")
    assert [(p.start - 12, p.end - 12, p.term) for p in later if 12 <= p.start < 26] == alone
    assert [(p.start - 28, p.end - 28, p.term) for p in later if p.start >= 28] == alone


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcäößü ABCÄ019_-\u00ad\u200b\u0301ǅ\t\n"), max_size=60))
def test_every_piece_is_the_stem_of_its_own_span(text: str) -> None:
    for lang in ("de", "en"):
        for piece in passage_pieces(text, lang):
            assert 0 <= piece.start < piece.end <= len(text)
            assert piece.term == stem(fold(text[piece.start : piece.end]), lang)


def test_query_terms_cover_both_languages_translations_and_land_names() -> None:
    # German and English stems of each word, "Förderung" for "funding" (term map), and
    # both names of the Land the query names.
    assert query_terms("Saxony funding") == [
        "saxoni",
        "saxony",
        "forder",
        "fund",
        "funding",
        "sachs",
        "sachsen",
        "saxoni",
        "saxony",
    ]


def test_max_edits_grow_with_the_stem() -> None:
    assert [max_edits(t) for t in ("geld", "valey", "polcies", "clusterpolitk")] == [0, 1, 1, 2]
    assert max_edits("innobb2025") == 0  # digits: codes and years are never corrected


def test_typos_are_corrected_against_the_vocabulary() -> None:
    vocabulary = sorted(["valley", "govern", "clusterpolit", "clust", "feld", "value"])
    fixed = correct_typos(query_analysis("valey goverment Clusterpolitk geld"), [vocabulary])
    added = {
        q.source: sorted(q.terms - a.terms)
        for q, a in zip(fixed, query_analysis("valey goverment Clusterpolitk geld"), strict=True)
    }
    # "geld" is too short to correct ("feld" is one edit away but a different word).
    assert added == {
        "valey": ["valley"],
        "goverment": ["govern"],
        "Clusterpolitk": ["clusterpolit"],
        "geld": [],
    }


def test_known_words_and_land_names_are_never_corrected() -> None:
    vocabulary = sorted(["valley", "vallex", "sachs", "sachsen"])
    analysed = query_analysis("Valley Saxony")
    assert correct_typos(analysed, [vocabulary]) == analysed


def test_ties_take_the_alphabetically_first_term() -> None:
    (fixed,) = correct_typos(query_analysis("clustor"), [["clustar", "clustir"]])
    assert "clustar" in fixed.terms and "clustir" not in fixed.terms


def test_ties_across_vocabularies_take_the_alphabetically_first_term() -> None:
    """Segments' vocabularies are searched one by one: the result is the union's."""
    (fixed,) = correct_typos(query_analysis("clustor"), [["clustir"], ["clustar", "zzz"]])
    assert "clustar" in fixed.terms and "clustir" not in fixed.terms
    (fixed,) = correct_typos(query_analysis("clustor"), [["clustar"], ["clustor1x"]])
    assert "clustar" in fixed.terms
