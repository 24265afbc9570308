from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from index.documents.corpus import Corpus
from index.text.sentences import Sentence, split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_every_sentence_of_the_seed_corpus_is_its_own_slice(seed_corpus: Corpus) -> None:
    for doc in seed_corpus.documents:
        sentences = split_sentences(doc.text)
        assert sentences
        for s in sentences:
            assert doc.text[s.start : s.end] == s.text
            assert s.text == s.text.strip()


def test_abbreviations_and_numbers_do_not_split() -> None:
    assert texts("Die HTAI betreut ca. 40 Netzwerke. Das ist viel.") == [
        "Die HTAI betreut ca. 40 Netzwerke.",
        "Das ist viel.",
    ]
    assert texts("Every year 1,2 mio. euros are available. 16 employees work there.") == [
        "Every year 1,2 mio. euros are available.",
        "16 employees work there.",
    ]
    assert texts("Städte, z. B. Dresden und Leipzig, u. a. Chemnitz. Gut.") == [
        "Städte, z. B. Dresden und Leipzig, u. a. Chemnitz.",
        "Gut.",
    ]
    assert texts("Prof. Dr. Müller leitet es, vgl. Abb. 3 und Tab. 4. Das folgt.") == [
        "Prof. Dr. Müller leitet es, vgl. Abb. 3 und Tab. 4.",
        "Das folgt.",
    ]
    assert texts("Partners, e.g. Steinbeis, i.e. Europe. Then more.") == [
        "Partners, e.g. Steinbeis, i.e. Europe.",
        "Then more.",
    ]
    assert texts("A share of 14.7 % was reached. Mio. € 60 were raised.") == [
        "A share of 14.7 % was reached.",
        "Mio. € 60 were raised.",
    ]


def test_ordinals_and_years() -> None:
    assert texts("Seit dem 19. Jahrhundert gewachsen. Am 3. Oktober gefeiert.") == [
        "Seit dem 19. Jahrhundert gewachsen.",
        "Am 3. Oktober gefeiert.",
    ]
    # a year at the end of a sentence, and a small number before a sentence start
    assert texts("Sie begann im Jahr 2011. Die Strategie wirkt.") == [
        "Sie begann im Jahr 2011.",
        "Die Strategie wirkt.",
    ]
    assert texts("Es gab 12. Die nächste Runde kommt.") == [
        "Es gab 12.",
        "Die nächste Runde kommt.",
    ]


def test_other_marks_quotes_and_lowercase() -> None:
    assert texts('Is it? Yes! He said "Stop." Then left… Later more.') == [
        "Is it?",
        "Yes!",
        'He said "Stop."',
        "Then left…",
        "Later more.",
    ]
    # no capital after the stop: not a sentence end
    assert texts("Version 2. und weiter. ende") == ["Version 2. und weiter. ende"]
    # no space after the stop ("author.You") is not split either
    assert texts("Please login.You are here:") == ["Please login.You are here:"]


def test_lines_are_sentences_and_blank_lines_vanish() -> None:
    text = (
        "Contact person\nMinistry of Economic Affairs\n\n  Edith Köchel  \n\n"
        "Start Date\nJanuary 2000"
    )
    got = split_sentences(text)
    assert [s.text for s in got] == [
        "Contact person",
        "Ministry of Economic Affairs",
        "Edith Köchel",
        "Start Date",
        "January 2000",
    ]
    assert got[2] == Sentence(47, 59, "Edith Köchel")


def test_offset_shifts_spans() -> None:
    assert split_sentences("Eins. Zwei.", offset=100) == (
        Sentence(100, 105, "Eins."),
        Sentence(106, 111, "Zwei."),
    )
    assert split_sentences("") == ()
    assert split_sentences("  \n\n ") == ()


@given(st.text(alphabet=st.sampled_from(list('ab C1.!? \n"z.B')), max_size=80))
def test_spans_are_ordered_exact_and_cover_all_but_whitespace(text: str) -> None:
    sentences = split_sentences(text)
    position = 0
    for s in sentences:
        assert s.text == text[s.start : s.end] and s.text and s.text == s.text.strip()
        assert s.start >= position
        assert text[position : s.start].strip() == ""
        position = s.end
    assert text[position:].strip() == ""
