from __future__ import annotations

from dataclasses import replace

import pytest

from index.answering.answerer import Answerer
from index.answering.candidates import Candidate, Span
from index.answering.features import Reading, describe, mark_padded
from index.answering.question import Expectation, expectation
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.retrieval.searcher import Hit

TEXT = "Das Cluster hat 25 Mitarbeiter. Es wurde 2010 gegründet."


def hit(score: float = 0.5, regions: tuple[str, ...] = ("Sachsen",)) -> Hit:
    doc = Document("d", "Cluster in Sachsen", "de", "d.txt", TEXT)
    return Hit(2, score, Chunk(0, "d", 0, 0, len(TEXT), TEXT, "Personal", regions), doc)


def reading(*words: str, **changes: object) -> Reading:
    base = Reading(
        analysed=tuple(frozenset({w}) for w in words),
        weights=None,
        expected=expectation("Wie viele Mitarbeiter hat das Cluster?"),
        regions=frozenset(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_describe_computes_each_feature_of_a_span() -> None:
    span = Span(hit(), 0, 31, "Das Cluster hat 25 Mitarbeiter.")
    # the question's terms: "clust" in the span, "sachs" only in the title, "bayern" nowhere
    c = describe(span, 0.75, reading("clust", "sachs", "bayern"), top=1.0)
    assert (c.hit, c.start, c.end, c.text) == (span.hit, 0, 31, span.text)
    assert c.semantic == 0.75 and c.score == 0.0 and c.support == 0.0 and not c.padded
    assert c.overlap == pytest.approx(2 / 3) and c.focus == pytest.approx(1 / 3)
    assert c.evidence == 1.0 and c.asked  # a number before "Mitarbeiter"
    assert c.retrieval == 0.5 and c.region_ok and not c.fragment
    assert c.novelty == pytest.approx(2 / 3)  # "25", "mitarbeit" of {"clust", "25", "mitarbeit"}
    weighted = describe(span, 0.75, reading("clust", "sachs", weights=(3.0, 1.0)), 1.0)
    assert (weighted.overlap, weighted.focus) == (1.0, 0.75)


def test_describe_flags_other_laender_fragments_and_echoes() -> None:
    span = Span(hit(score=-0.2, regions=("Bayern",)), 0, 11, "Das Cluster")
    echo = reading("clust", expected=Expectation("none"), regions=frozenset({"Sachsen"}))
    c = describe(span, -0.1, echo, top=1.0)
    assert not c.region_ok and c.fragment and not c.asked
    assert c.novelty == 0.0  # only question words
    assert c.retrieval == 0.0  # a negative search score counts as none
    assert describe(span, 0.0, reading(), top=1.0).overlap == 0.0  # no question words


def test_a_pair_is_padded_when_one_sentence_alone_does_as_well() -> None:
    first = Span(hit(), 0, 31, TEXT[:31])
    second = Span(hit(), 32, len(TEXT), TEXT[32:])
    pair = Span(hit(), 0, len(TEXT), TEXT, (31, 32))
    asked = reading("clust", "mitarbeit")
    candidates = [describe(s, 0.5, asked, 1.0) for s in (first, pair, second)]
    marked = mark_padded(candidates, [first, pair, second])
    assert [c.padded for c in marked] == [False, True, False]
    assert marked[0] is candidates[0]
    # a pair whose sentences are not candidates themselves is not judged
    assert [c.padded for c in mark_padded(candidates[1:2], [pair])] == [False]
    # nor is one that holds more than either sentence alone
    richer: list[Candidate] = [replace(candidates[0], focus=0.0), candidates[1]]
    assert [c.padded for c in mark_padded(richer, [first, pair])] == [False, False]


def test_overlap_reads_the_question_as_the_searcher_does(answerer: Answerer) -> None:
    def overlap(question: str, terms: str) -> float:
        hits = answerer.searcher.search(question, 10)
        config = replace(answerer.config, terms=terms)  # type: ignore[arg-type]
        candidates = answerer.with_config(config).features(question, hits)
        return max(c.overlap for c in candidates if "16 employees" in c.text)

    # "emplyees" is corrected to the corpus's "employees"
    typo = "How many emplyees work at BioCon Valley?"
    assert (overlap(typo, "typed"), overlap(typo, "corrected")) == (0.75, 1.0)
    # "Angestellte" is not in the term map; the word bridge finds "employees"
    german = "Wie viele Angestellte hat BioCon Valley?"
    assert overlap(german, "corrected") == pytest.approx(2 / 3)
    assert overlap(german, "bridged") == 1.0


def test_idf_weighted_overlap_counts_rare_words_more(answerer: Answerer) -> None:
    question = "How many emplyees work at BioCon Valley?"
    hits = answerer.searcher.search(question, 10)
    plain = answerer.features(question, hits)
    weighted = answerer.with_config(replace(answerer.config, idf_weighted=True)).features(
        question, hits
    )
    # same candidates, same words found; only the weights differ
    assert [c.text for c in plain] == [c.text for c in weighted]
    pairs = list(zip(plain, weighted, strict=True))
    assert any(a.overlap != b.overlap for a, b in pairs)
    assert all((a.overlap == 1.0) == (b.overlap == 1.0) for a, b in pairs)
