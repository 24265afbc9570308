"""Choose the answer scorer's weights and its no-answer threshold on the DEV split only.

Run: .venv/bin/python benchmarks/tune_answer.py   (needs a built index: make index)

1. Every dev question is searched once (the answerer's candidate depth) and its candidate
   spans get their features; each weight setting of a small grid re-scores them. A question
   with a word the index has no trace of (`Answerer.unmatched`) is never answered, whatever
   the weights and threshold.
2. Weights: the setting whose best candidate contains the gold string for the most
   answerable dev questions; ties go to the better no-answer rate (step 3), then to the
   wider mean margin between the best candidate holding the gold string and the best one
   not holding it (clipped to ±0.2 per question): the setting least likely to flip.
3. Threshold: the highest null rate on the dev "no answer" questions that keeps at least
   90 % of the answerable dev questions answered; of the thresholds that tie, the middle
   one (the widest margin on both sides).
4. Prints the figures of the chosen setting on dev, then (reported, never tuned on) on test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path

from index.answer import AnswerConfig, Answerer, Candidate, QueryMemo, rescore
from index.embed import UseEmbedder
from index.evaluate import Question, load_questions
from index.search import Searcher
from index.store import load_index

REPO = Path(__file__).resolve().parents[1]
MIN_ANSWERED = 0.90
GRID = {
    "w_semantic": (0.2, 0.3, 0.4, 0.5),
    "w_overlap": (0.1, 0.2, 0.3),
    "w_focus": (0.0, 0.1, 0.2),
    "w_evidence": (0.25,),
    "w_retrieval": (0.0, 0.1),
    "fragment_penalty": (1.0, 0.85, 0.7),
    "unfocused_penalty": (1.0, 0.8, 0.6),
}
THRESHOLDS = [round(0.20 + 0.01 * i, 2) for i in range(61)]


@dataclass(frozen=True)
class Figures:
    top1: float  # best candidate contains gold (answerable), whatever the threshold
    contains_gold: float  # answered and contains gold
    answered: float
    null: float
    margin: float = 0.0  # mean (best gold candidate - best other candidate), clipped


def figures(
    questions: list[Question],
    cands: dict[str, list[Candidate]],
    config: AnswerConfig,
    vetoed: frozenset[str] = frozenset(),
) -> Figures:
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    best = {q.id: (rescore(cands[q.id], config) or (None,))[0] for q in questions}

    def ok(q: Question) -> bool:
        c = best[q.id]
        return c is not None and q.gold is not None and q.gold in c.text

    def answered(q: Question) -> bool:
        c = best[q.id]
        return c is not None and q.id not in vetoed and c.score >= config.threshold

    n = len(answerable) or 1
    margins = []
    for q in answerable:
        ranked = rescore(cands[q.id], config)
        gold = [c.score for c in ranked if q.gold is not None and q.gold in c.text]
        other = [c.score for c in ranked if q.gold is None or q.gold not in c.text]
        if gold:
            margins.append(max(-0.2, min(0.2, gold[0] - (other[0] if other else 0.0))))
        else:
            margins.append(-0.2)
    return Figures(
        margin=sum(margins) / n,
        top1=sum(ok(q) for q in answerable) / n,
        contains_gold=sum(ok(q) and answered(q) for q in answerable) / n,
        answered=sum(answered(q) for q in answerable) / n,
        null=sum(not answered(q) for q in unanswerable) / (len(unanswerable) or 1),
    )


def calibrate(
    questions: list[Question],
    cands: dict[str, list[Candidate]],
    config: AnswerConfig,
    vetoed: frozenset[str] = frozenset(),
) -> tuple[float, Figures]:
    rows = [
        (t, figures(questions, cands, replace(config, threshold=t), vetoed)) for t in THRESHOLDS
    ]
    allowed = [(t, f) for t, f in rows if f.answered >= MIN_ANSWERED] or rows[:1]
    top = max((f.null, f.contains_gold) for _, f in allowed)
    tied = [(t, f) for t, f in allowed if (f.null, f.contains_gold) == top]
    return tied[len(tied) // 2]


def show(label: str, f: Figures) -> str:
    return (
        f"{label}: top1 {f.top1:.3f}  contains gold {f.contains_gold:.3f}  "
        f"answered {f.answered:.3f}  null {f.null:.3f}  margin {f.margin:+.3f}"
    )


def main() -> None:
    embedder = QueryMemo(UseEmbedder(threads=2))
    searcher = Searcher(load_index(REPO / ".clustersearch/index"), embedder)
    answerer = Answerer(searcher, embedder)
    depth = answerer.config.candidate_hits
    questions = {s: load_questions(REPO / "eval/questions.jsonl", s) for s in ("dev", "test")}
    cands = {
        q.id: answerer.features(q.question, searcher.search(q.question, depth))
        for qs in questions.values()
        for q in qs
    }
    vetoed = frozenset(
        q.id for qs in questions.values() for q in qs if answerer.unmatched(q.question)
    )
    dev = questions["dev"]
    print(f"dev: {sum(q.answerable for q in dev)} answerable, "
          f"{sum(not q.answerable for q in dev)} without answer; grid of "
          f"{len(list(itertools.product(*GRID.values())))} weight settings")  # fmt: skip
    results = []
    for values in itertools.product(*GRID.values()):
        config = replace(AnswerConfig(), **dict(zip(GRID, values, strict=True)))
        threshold, f = calibrate(dev, cands, config, vetoed)
        results.append((f.top1, f.null, f.margin, values, threshold, f))
    results.sort(reverse=True)
    print(f"best settings on dev ({', '.join(GRID)}):")
    for *_, values, threshold, f in results[:8]:
        print(f"  {values}  threshold {threshold:.2f}  " + show("dev", f))
    *_, values, threshold, chosen = results[0]
    config = replace(AnswerConfig(), **dict(zip(GRID, values, strict=True)), threshold=threshold)
    print(f"\nchosen: {dict(zip(GRID, values, strict=True))}, threshold {threshold:.2f}")
    rows = [(t, figures(dev, cands, replace(config, threshold=t), vetoed)) for t in THRESHOLDS]
    tied = [t for t, f in rows if (f.null, f.contains_gold, f.answered) ==
            (chosen.null, chosen.contains_gold, chosen.answered)]  # fmt: skip
    print(f"thresholds giving the same dev figures: {min(tied):.2f}-{max(tied):.2f}")
    print("threshold sweep on dev (chosen weights):")
    for t in THRESHOLDS[::5]:
        swept = figures(dev, cands, replace(config, threshold=t), vetoed)
        print(f"  {t:.2f}  " + show("dev", swept))
    print(show("\nDEV ", chosen))
    test = figures(questions["test"], cands, config, vetoed)
    print(show("TEST", test) + "   (reported, not tuned)")


if __name__ == "__main__":
    main()
