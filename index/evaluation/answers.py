"""Measured answer quality on the gold question set (the "answers" part of `clustersearch eval`).

For every question, `Answerer.ask` runs once (k = 5, no filters). Then:

* contains gold   answerable questions whose answer contains the gold string (a null answer
                  counts as wrong), over all answerable ones — target ≥ 0.85;
* answered        answerable questions that get an answer at all — target ≥ 0.90;
* precision       of the answers given, the right ones: an answer to an unanswerable
                  question is wrong, one to an answerable question right when it contains
                  the gold string — target ≥ 0.85;
* cites gold doc  answerable questions whose citations include the gold document;
* null            unanswerable questions that get `answer: null` — target ≥ 0.75.

Each run is reduced to a `Graded` question (answerable? answered? right? and what its
best candidate would give at another threshold), so that another question set with its
own idea of "right" (`index.evaluation.faq`) shares the figures. `coverage` shows what a
threshold choice costs: precision, answered, null and contains gold had the answerer
used another threshold (the best candidate answers when its score reaches it, unless the
unmatched-word veto nulls it; a citation that fails verification is not replayed).

`answers_section(answerer)` is a section builder for `index.evaluate.evaluate` (a table of
these figures, overall and per language pair, and one row for the unanswerable questions);
`coverage_section` is the threshold view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.answering.answerer import Answer, Answerer
from index.evaluation.retrieval import PAIRS, EvalContext, Question, Section

__all__ = [
    "COVERAGE_THRESHOLDS",
    "TARGETS",
    "AnswerRun",
    "AnswerSummary",
    "Best",
    "Graded",
    "answer_runs",
    "answer_sections",
    "answers_section",
    "answers_table",
    "best_of",
    "coverage",
    "coverage_section",
    "figures",
    "summarise",
]

# The targets on the test split.
TARGETS = {"contains gold": 0.85, "answered": 0.90, "precision": 0.85, "null": 0.75}
COLUMNS = ("group", "n", "contains gold", "answered", "precision", "cites gold doc", "null")
# The thresholds of the coverage view.
COVERAGE_THRESHOLDS = tuple(round(0.40 + 0.05 * i, 2) for i in range(9))
COVERAGE_COLUMNS = ("threshold", "precision", "answered", "null", "contains gold")


@dataclass(frozen=True, slots=True)
class Best:
    """An answer's best candidate, given or not: its text and where it lies."""

    text: str
    document_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Graded:
    """One asked question as the figures see it.

    `score`: its best candidate's score, None when no threshold would make it answer (no
    candidate, or the unmatched-word veto); `best_right`: that candidate would be a right
    answer; `right`: the answer given is right (False when none is given).
    """

    answerable: bool
    answered: bool
    right: bool
    score: float | None
    best_right: bool


@dataclass(frozen=True, slots=True)
class AnswerRun:
    """One question's answer: the text (None: no answer), its score, the cited documents,
    and its best candidate (`best`, None when there was none) with whether the
    unmatched-word veto nulled it."""

    question: Question
    answer: str | None
    confidence: float
    cited: tuple[str, ...]
    best: Best | None = None
    vetoed: bool = False

    @property
    def contains_gold(self) -> bool:
        return self.answer is not None and _holds_gold(self.question, self.answer)

    def graded(self) -> Graded:
        q = self.question
        best_right = self.best is not None and _holds_gold(q, self.best.text)
        score = None if self.best is None or self.vetoed else self.confidence
        return Graded(q.answerable, self.answer is not None, self.contains_gold, score, best_right)


@dataclass(frozen=True, slots=True)
class AnswerSummary:
    """The figures over a group of runs (None where the group has no such question)."""

    answerable: int
    unanswerable: int
    contains_gold: float | None
    answered: float | None
    cites_gold_document: float | None
    null: float | None
    precision: float | None = None


def best_of(answer: Answer) -> tuple[Best | None, bool]:
    """`answer`'s best candidate (None when it had none) and whether the unmatched-word
    veto nulled it (`Answer.vetoed`)."""
    if not answer.candidates:
        return None, False
    c = answer.candidates[0]
    return Best(c.text, c.hit.document.id, c.start, c.end), answer.vetoed


def answer_runs(answerer: Answerer, questions: Sequence[Question], k: int = 5) -> list[AnswerRun]:
    """Ask every question once."""
    runs = []
    for q in questions:
        answer = answerer.ask(q.question, k)
        best, vetoed = best_of(answer)
        runs.append(
            AnswerRun(
                question=q,
                answer=answer.text,
                confidence=answer.confidence,
                cited=tuple(c.document.id for c in answer.citations),
                best=best,
                vetoed=vetoed,
            )
        )
    return runs


def _share(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def figures(graded: Sequence[Graded]) -> tuple[float | None, ...]:
    """(contains gold, answered, precision, null) of `graded`: the first two over the
    answerable questions, precision over the answers given, null over the unanswerable."""
    answerable = [g for g in graded if g.answerable]
    unanswerable = [g for g in graded if not g.answerable]
    given = [g for g in graded if g.answered]
    return (
        _share(sum(g.right for g in answerable), len(answerable)),
        _share(sum(g.answered for g in answerable), len(answerable)),
        _share(sum(g.right for g in given), len(given)),
        _share(sum(not g.answered for g in unanswerable), len(unanswerable)),
    )


def summarise(runs: Sequence[AnswerRun]) -> AnswerSummary:
    """The answer figures of `runs`."""
    answerable = [r for r in runs if r.question.answerable]
    contains_gold, answered, precision, null = figures([r.graded() for r in runs])
    cites = sum(r.question.document_id in r.cited for r in answerable)
    return AnswerSummary(
        answerable=len(answerable),
        unanswerable=len(runs) - len(answerable),
        contains_gold=contains_gold,
        answered=answered,
        cites_gold_document=_share(cites, len(answerable)),
        null=null,
        precision=precision,
    )


def coverage(graded: Sequence[Graded], threshold: float) -> Sequence[Graded]:
    """`graded` as they would be had the best candidate answered from `threshold` on."""
    return [
        Graded(
            g.answerable,
            answered := g.score is not None and g.score >= threshold,
            answered and g.answerable and g.best_right,
            g.score,
            g.best_right,
        )
        for g in graded
    ]


def coverage_section(
    graded: Sequence[Graded],
    title: str,
    thresholds: Sequence[float] = COVERAGE_THRESHOLDS,
) -> Section:
    """Precision, answered, null and contains gold of `graded` at each of `thresholds`."""
    rows = []
    for t in thresholds:
        contains_gold, answered, precision, null = figures(coverage(graded, t))
        rows.append(tuple(_cell(v) for v in (t, precision, answered, null, contains_gold)))
    return Section(title, COVERAGE_COLUMNS, tuple(rows))


def _holds_gold(q: Question, text: str) -> bool:
    return q.answerable and q.gold is not None and q.gold in text


def _cell(value: float | None) -> str | float:
    return "–" if value is None else value


def _row(group: str, summary: AnswerSummary) -> tuple[str | int | float, ...]:
    return (
        group,
        summary.answerable + summary.unanswerable,
        _cell(summary.contains_gold),
        _cell(summary.answered),
        _cell(summary.precision),
        _cell(summary.cites_gold_document),
        _cell(summary.null),
    )


def answers_table(runs: Sequence[AnswerRun], title: str = "Answers") -> Section:
    """The answer figures of `runs`: all, per language pair, and the unanswerable ones."""
    rows = [_row("all", summarise(runs))]
    for pair in PAIRS:
        group = [r for r in runs if r.question.pair == pair]
        if group:
            rows.append(_row(pair, summarise(group)))
    unanswerable = [r for r in runs if not r.question.answerable]
    if unanswerable:
        rows.append(_row("no answer", summarise(unanswerable)))
    return Section(title, COLUMNS, tuple(rows))


def answer_sections(answerer: Answerer, k: int = 5) -> dict[str, Callable[[EvalContext], Section]]:
    """Section builders for `index.evaluate.evaluate`: "answers" (the figures per language
    pair) and "answer coverage" (the figures at other thresholds), from one run."""
    memo: dict[tuple[str, ...], list[AnswerRun]] = {}

    def runs_of(ctx: EvalContext) -> list[AnswerRun]:
        key = tuple(q.id for q in ctx.questions)
        if key not in memo:
            memo.clear()
            memo[key] = answer_runs(answerer, ctx.questions, k)
        return memo[key]

    def table(ctx: EvalContext) -> Section:
        return answers_table(runs_of(ctx))

    def view(ctx: EvalContext) -> Section:
        title = f"Answers at other thresholds (the answerer's: {answerer.threshold})"
        return coverage_section([r.graded() for r in runs_of(ctx)], title)

    return {"answers": table, "answer coverage": view}


def answers_section(answerer: Answerer, k: int = 5) -> Callable[[EvalContext], Section]:
    """A section builder for `index.evaluate.evaluate`: answer figures per language pair."""
    return answer_sections(answerer, k)["answers"]
