"""Measured answer quality on the gold question set (the "answers" part of `clustersearch eval`).

For every question, `Answerer.ask` runs once (k = 5, no filters). Then:

* contains gold   answerable questions whose answer contains the gold string (a null answer
                  counts as wrong), over all answerable ones — target ≥ 0.85;
* answered        answerable questions that get an answer at all — target ≥ 0.90;
* cites gold doc  answerable questions whose citations include the gold document;
* null            unanswerable questions that get `answer: null` — target ≥ 0.75.

`answers_section(answerer)` is a section builder for `index.evaluate.evaluate` (a table of
these figures, overall and per language pair, and one row for the unanswerable questions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.answering.answerer import Answerer
from index.evaluation.retrieval import PAIRS, EvalContext, Question, Section

__all__ = [
    "TARGETS",
    "AnswerRun",
    "AnswerSummary",
    "answer_runs",
    "answers_section",
    "summarise",
]

# The targets on the test split.
TARGETS = {"contains gold": 0.85, "answered": 0.90, "null": 0.75}
COLUMNS = ("group", "n", "contains gold", "answered", "cites gold doc", "null")


@dataclass(frozen=True, slots=True)
class AnswerRun:
    """One question's answer: the text (None: no answer), its score and the cited documents."""

    question: Question
    answer: str | None
    confidence: float
    cited: tuple[str, ...]

    @property
    def contains_gold(self) -> bool:
        q = self.question
        return (
            q.answerable
            and q.gold is not None
            and self.answer is not None
            and q.gold in self.answer
        )


@dataclass(frozen=True, slots=True)
class AnswerSummary:
    """The figures over a group of runs (None where the group has no such question)."""

    answerable: int
    unanswerable: int
    contains_gold: float | None
    answered: float | None
    cites_gold_document: float | None
    null: float | None


def answer_runs(answerer: Answerer, questions: Sequence[Question], k: int = 5) -> list[AnswerRun]:
    """Ask every question once."""
    runs = []
    for q in questions:
        answer = answerer.ask(q.question, k)
        runs.append(
            AnswerRun(
                question=q,
                answer=answer.text,
                confidence=answer.confidence,
                cited=tuple(c.document.id for c in answer.citations),
            )
        )
    return runs


def summarise(runs: Sequence[AnswerRun]) -> AnswerSummary:
    """The answer figures of `runs`."""
    answerable = [r for r in runs if r.question.answerable]
    unanswerable = [r for r in runs if not r.question.answerable]

    def share(group: Sequence[AnswerRun], test: Callable[[AnswerRun], bool]) -> float | None:
        return round(sum(1 for r in group if test(r)) / len(group), 3) if group else None

    return AnswerSummary(
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        contains_gold=share(answerable, lambda r: r.contains_gold),
        answered=share(answerable, lambda r: r.answer is not None),
        cites_gold_document=share(answerable, lambda r: r.question.document_id in r.cited),
        null=share(unanswerable, lambda r: r.answer is None),
    )


def _row(group: str, summary: AnswerSummary) -> tuple[str | int | float, ...]:
    def cell(value: float | None) -> str | float:
        return "–" if value is None else value

    return (
        group,
        summary.answerable + summary.unanswerable,
        cell(summary.contains_gold),
        cell(summary.answered),
        cell(summary.cites_gold_document),
        cell(summary.null),
    )


def answers_section(answerer: Answerer, k: int = 5) -> Callable[[EvalContext], Section]:
    """A section builder for `index.evaluate.evaluate`: answer figures per language pair."""

    def build(ctx: EvalContext) -> Section:
        runs = answer_runs(answerer, ctx.questions, k)
        rows = [_row("all", summarise(runs))]
        for pair in PAIRS:
            group = [r for r in runs if r.question.pair == pair]
            if group:
                rows.append(_row(pair, summarise(group)))
        unanswerable = [r for r in runs if not r.question.answerable]
        if unanswerable:
            rows.append(_row("no answer", summarise(unanswerable)))
        return Section("Answers", COLUMNS, tuple(rows))

    return build
