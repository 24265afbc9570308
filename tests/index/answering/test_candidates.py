from __future__ import annotations

from dataclasses import replace

from index.answering.answerer import Answerer
from index.answering.candidates import (
    Span,
    candidate_spans,
    content_sentences,
    is_content,
    is_fragment,
    passage_spans,
)
from index.config import WEIGHTED_THRESHOLD, AnswerConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.retrieval.searcher import Hit

WEIGHTED = AnswerConfig(scorer="weighted", threshold=WEIGHTED_THRESHOLD)

TEXT = (
    "Start Date\nJanuary 2000\n\n"
    "The cluster has 16 employees.\nThey work in two offices.\nIt grew fast.\n"
    "\n\nMehr: »\n"
)


def hit(text: str = TEXT, start: int = 0, end: int | None = None) -> Hit:
    doc = Document("d", "T", "en", "d.txt", text)
    end = len(text) if end is None else end
    return Hit(1, 1.0, Chunk(0, "d", 0, start, end, text[start:end], None), doc)


def spans(config: AnswerConfig = WEIGHTED, passage: Hit | None = None) -> list[Span]:
    return candidate_spans([passage or hit()], lambda d: content_sentences(d.text), config)


def test_fragments_and_content() -> None:
    assert is_fragment("Start Date") and is_fragment("one two three four five six")
    assert not is_fragment("one two three four five six seven")
    assert not is_fragment("It grew.") and not is_fragment("Why? ")
    assert is_content("It grew fast.") and is_content("January 2000")
    assert is_content("+49 (0) 711 123-2240")  # no words, but a phone number
    assert is_content("AB-12")  # one word and a number
    assert not is_content("Mehr: »") and not is_content("2000") and not is_content("§ 4")
    assert [s.text for s in content_sentences(TEXT)][-1] == "It grew fast."


def test_the_spans_of_a_passage() -> None:
    found = spans()
    assert [(s.text, s.split_at) for s in found] == [
        ("Start Date", None),
        ("January 2000", None),
        ("Start Date\nJanuary 2000", None),  # a list-like line with its label
        ("The cluster has 16 employees.", None),
        # a sentence with the next of its paragraph; "They …" refers back to the same span,
        # which is kept once, as the pair
        ("The cluster has 16 employees.\nThey work in two offices.", (54, 55)),
        ("They work in two offices.", None),
        ("They work in two offices.\nIt grew fast.", (80, 81)),
        ("It grew fast.", None),
    ]
    assert all(TEXT[s.start : s.end] == s.text for s in found)
    # the keys (document, start, end) of a pair's two sentences
    assert found[4].parts == (("d", 25, 54), ("d", 55, 80))
    assert found[3].parts == ()


def test_without_sentence_pairs_a_back_reference_still_brings_its_antecedent() -> None:
    found = spans(replace(WEIGHTED, sentence_pairs=False))
    assert [(s.text, s.split_at) for s in found][3:] == [
        ("The cluster has 16 employees.", None),
        ("They work in two offices.", None),
        ("The cluster has 16 employees.\nThey work in two offices.", None),
        ("It grew fast.", None),
        ("They work in two offices.\nIt grew fast.", None),
    ]


def test_only_sentences_of_the_passage_and_label_lines_up_to_the_limit() -> None:
    first_block = hit(end=TEXT.index("\n\n"))
    assert [s.text for s in spans(passage=first_block)] == [
        "Start Date",
        "January 2000",
        "Start Date\nJanuary 2000",
    ]
    no_labels = replace(WEIGHTED, max_label_lines=0)
    assert [s.text for s in spans(no_labels, first_block)] == ["Start Date", "January 2000"]
    # the next sentence of a pair must start inside the passage
    second = TEXT.index("The cluster")
    cut = hit(start=second, end=second + len("The cluster has 16 employees."))
    assert [s.text for s in passage_spans(cut, content_sentences(TEXT), WEIGHTED)] == [
        "The cluster has 16 employees."
    ]


def test_a_label_line_comes_with_its_label(answerer: Answerer) -> None:
    question = "When did BioCon Valley start?"
    label = next(
        c for c in answerer.ask(question).candidates if c.text == "Start Date\nJanuary 2000"
    )
    assert label.fragment and label.evidence == 1.0 and label.overlap == 1.0
    # Scored like a sentence (the weighted scorer without its fragment penalty), the label
    # with its value is the answer.
    unpenalised = answerer.with_config(replace(WEIGHTED, fragment_penalty=1.0))
    answer = unpenalised.ask(question)
    assert answer.text is not None
    assert answer.text.startswith("Start Date\nJanuary 2000")


def test_a_phone_number_line_is_a_candidate(answerer: Answerer) -> None:
    question = "What is the phone number of the cluster policy unit in Stuttgart?"
    candidates = answerer.ask(question).candidates
    assert any(c.text.endswith("\n+49 (0) 711 123-2240") for c in candidates)
    best_with_phone = next(c for c in candidates if "711 123-2240" in c.text)
    assert best_with_phone.evidence == 1.0
