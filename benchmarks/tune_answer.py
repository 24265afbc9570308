"""Choose the WEIGHTED answer scorer's weights and its no-answer threshold on the DEV split only.

(The weighted scorer is the default, `AnswerConfig.scorer`; the learned one is an option
that benchmarks/train_answer.py fits.)

Run: .venv/bin/python benchmarks/tune_answer.py   (needs a built index: make index)

1. Every dev question is searched once (the answerer's candidate depth) and its candidate
   spans get their features, once per feature variant (`FEATURES`: how the question is
   read, sentence pairs, …); each weight setting of a small grid (`GRID`) re-scores them.
   With the unmatched-word veto on (`UNMATCHED`), a question with a word the index has no
   trace of (`Answerer.unmatched`) is never answered, whatever the weights and threshold.
2. Threshold, per setting: of the thresholds that keep at least 90 % of the answerable dev
   questions answered, the one with the highest contains-gold + null (null: the share of
   the dev "no answer" questions left unanswered); of the thresholds that tie, the middle
   one (the widest margin on both sides).
3. Setting: the highest contains-gold + null at its threshold; ties go to the wider mean
   margin between the best candidate holding the gold string and the best one not holding
   it (clipped to ±0.2 per question): the setting least likely to flip.
4. Prints the figures of the chosen setting on dev, then (reported, never tuned on) on test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path

from index.answering.answerer import Answerer
from index.answering.candidates import Candidate
from index.answering.model import AnswerModel
from index.answering.scoring import rescore
from index.config import WEIGHTED_THRESHOLD, AnswerConfig
from index.embedding.backends import UseEmbedder
from index.embedding.memo import QueryMemo
from index.evaluation.retrieval import Question, load_questions
from index.retrieval.searcher import Searcher
from index.storage.snapshot import load_index

REPO = Path(__file__).resolve().parents[1]
MIN_ANSWERED = 0.90
# The unmatched-word veto (`AnswerConfig.unmatched_veto`) from words of this many letters;
# 0: no veto.
UNMATCHED = (0, 8)  # also tried: 4, 6 (worse on dev)
FEATURES = {
    "terms": ("bridged",),  # also tried: "typed", "corrected" (worse on dev, 2026-11-23)
    "idf_weighted": (False,),  # also tried: True (no better on dev)
    "sentence_pairs": (True,),  # also tried: False (dev contains gold 0.886 vs 0.914)
    "max_label_lines": (4,),  # also tried: 6, 8 (equal on dev); candidate_hits 5, 20: equal
}
GRID = {
    "w_semantic": (0.2, 0.3, 0.4),
    "w_overlap": (0.2, 0.3),
    "w_focus": (0.0, 0.1),
    "w_evidence": (0.25,),  # also tried: 0.4 (+1 dev question with w_semantic 0.4: a tie)
    "w_retrieval": (0.0, 0.1),  # also tried: 0.2, 0.3 (a tie on dev: 1.489 vs 1.486)
    "fragment_penalty": (1.0, 0.85),
    "unfocused_penalty": (1.0, 0.8),
    # fixed: contains-gold cannot see a second sentence that adds nothing, so 1.0 (no
    # penalty) ties or wins there while making answers longer for nothing (tried: 1.0)
    "padded_penalty": (0.9,),
}
THRESHOLDS = [round(0.20 + 0.01 * i, 2) for i in range(61)]
# The weighted scorer (the package default) at its tuned threshold, `WEIGHTED_THRESHOLD`.
WEIGHTED = AnswerConfig(scorer="weighted", threshold=WEIGHTED_THRESHOLD)


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
    model: AnswerModel | None = None,
    threshold: float | None = None,
) -> Figures:
    t = threshold if threshold is not None else config.threshold
    assert t is not None, "figures() needs a threshold"
    return sweep(questions, cands, config, [t], vetoed, model)[0][1]


def sweep(
    questions: list[Question],
    cands: dict[str, list[Candidate]],
    config: AnswerConfig,
    thresholds: list[float],
    vetoed: frozenset[str] = frozenset(),
    model: AnswerModel | None = None,
) -> list[tuple[float, Figures]]:
    """The figures of `config` (and the learned `model`) at each threshold (candidates
    re-scored once)."""
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    ranked = {q.id: rescore(cands[q.id], config, model) for q in questions}
    best = {q.id: (ranked[q.id] or (None,))[0] for q in questions}

    def ok(q: Question) -> bool:
        c = best[q.id]
        return c is not None and q.gold is not None and q.gold in c.text

    def answered(q: Question, threshold: float) -> bool:
        c = best[q.id]
        return c is not None and q.id not in vetoed and c.score >= threshold

    n = len(answerable) or 1
    margins = []
    for q in answerable:
        gold = [c.score for c in ranked[q.id] if q.gold is not None and q.gold in c.text]
        other = [c.score for c in ranked[q.id] if q.gold is None or q.gold not in c.text]
        if gold:
            margins.append(max(-0.2, min(0.2, gold[0] - (other[0] if other else 0.0))))
        else:
            margins.append(-0.2)
    top1 = sum(ok(q) for q in answerable) / n
    return [
        (
            t,
            Figures(
                margin=sum(margins) / n,
                top1=top1,
                contains_gold=sum(ok(q) and answered(q, t) for q in answerable) / n,
                answered=sum(answered(q, t) for q in answerable) / n,
                null=sum(not answered(q, t) for q in unanswerable) / (len(unanswerable) or 1),
            ),
        )
        for t in thresholds
    ]


def calibrate(
    questions: list[Question],
    cands: dict[str, list[Candidate]],
    config: AnswerConfig,
    vetoed: frozenset[str] = frozenset(),
    model: AnswerModel | None = None,
    thresholds: list[float] = THRESHOLDS,
) -> tuple[float, Figures]:
    rows = sweep(questions, cands, config, thresholds, vetoed, model)
    allowed = [(t, f) for t, f in rows if f.answered >= MIN_ANSWERED] or rows[:1]
    top = max(f.contains_gold + f.null for _, f in allowed)
    tied = [(t, f) for t, f in allowed if f.contains_gold + f.null == top]
    return tied[len(tied) // 2]


def show(label: str, f: Figures) -> str:
    return (
        f"{label}: top1 {f.top1:.3f}  contains gold {f.contains_gold:.3f}  "
        f"answered {f.answered:.3f}  null {f.null:.3f}  margin {f.margin:+.3f}"
    )


def veto_config(min_chars: int) -> AnswerConfig:
    """The default configuration, vetoing from words of `min_chars` letters (0: no veto)."""
    if not min_chars:
        return replace(WEIGHTED, unmatched_veto=False)
    return replace(WEIGHTED, unmatched_veto=True, unmatched_min_chars=min_chars)


def configured(setting: dict[str, object]) -> AnswerConfig:
    """An `AnswerConfig` from one grid setting ("veto_from" as in `veto_config`)."""
    rest = {k: v for k, v in setting.items() if k != "veto_from"}
    return replace(veto_config(int(setting["veto_from"])), **rest)  # type: ignore[call-overload, arg-type]


def main() -> None:
    embedder = QueryMemo(UseEmbedder(threads=2))
    searcher = Searcher(load_index(REPO / ".clustersearch/index"), embedder)
    answerer = Answerer(searcher, embedder)
    depth = answerer.config.candidate_hits
    questions = {s: load_questions(REPO / "eval/questions.jsonl", s) for s in ("dev", "test")}
    hits = {q.id: searcher.search(q.question, depth) for qs in questions.values() for q in qs}
    # The features themselves depend on these settings: one candidate set per variant.
    variants = {
        values: {
            q.id: answerer.with_config(
                replace(WEIGHTED, **dict(zip(FEATURES, values, strict=True)))
            ).features(q.question, hits[q.id])
            for qs in questions.values()
            for q in qs
        }
        for values in itertools.product(*FEATURES.values())
    }
    # Which questions the unmatched-word check vetoes, for each word length it starts at.
    vetoes = {
        n: frozenset(
            q.id
            for qs in questions.values()
            for q in qs
            if n and answerer.with_config(veto_config(n)).unmatched(q.question)
        )
        for n in UNMATCHED
    }
    dev = questions["dev"]
    settings = len(list(itertools.product(*GRID.values()))) * len(variants) * len(UNMATCHED)
    print(f"dev: {sum(q.answerable for q in dev)} answerable, "
          f"{sum(not q.answerable for q in dev)} unanswerable; {settings} settings")  # fmt: skip
    results = []
    names = (*FEATURES, "veto_from", *GRID)
    for (variant, cands), min_chars in itertools.product(variants.items(), UNMATCHED):
        for values in itertools.product(*GRID.values()):
            setting = dict(zip(names, (*variant, min_chars, *values), strict=True))
            config = configured(setting)
            threshold, f = calibrate(dev, cands, config, vetoes[min_chars])
            results.append(
                (f.contains_gold + f.null, f.margin, (*variant, min_chars, *values), threshold, f)
            )
    results.sort(reverse=True)
    print(f"best settings on dev ({', '.join(names)}):")
    for *_, values, threshold, f in results[:8]:
        print(f"  {values}  threshold {threshold:.2f}  " + show("dev", f))
    *_, values, threshold, chosen = results[0]
    setting = dict(zip(names, values, strict=True))
    config = replace(configured(setting), threshold=threshold)
    cands = variants[values[: len(FEATURES)]]
    vetoed = vetoes[int(setting["veto_from"])]
    print(f"\nchosen: {setting}, threshold {threshold:.2f}")
    rows = sweep(dev, cands, config, THRESHOLDS, vetoed)
    tied = [t for t, f in rows if (f.null, f.contains_gold, f.answered) ==
            (chosen.null, chosen.contains_gold, chosen.answered)]  # fmt: skip
    print(f"thresholds giving the same dev figures: {min(tied):.2f}-{max(tied):.2f}")
    print("threshold sweep on dev (chosen weights):")
    for t, swept in rows[::5]:
        print(f"  {t:.2f}  " + show("dev", swept))
    print(show("\nDEV ", chosen))
    test = figures(questions["test"], cands, config, vetoed)
    print(show("TEST", test) + "   (reported, not tuned)")


if __name__ == "__main__":
    main()
