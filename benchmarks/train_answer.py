"""Fit the learned answer scorer (`index.answering.model`) and its threshold on the DEV split.

Run: .venv/bin/python benchmarks/train_answer.py [--holdout q220] [--dry-run]
     (needs a built index: make index; scikit-learn comes with sentence-transformers)

1. Every dev question is searched once (the answerer's candidate depth) and its candidate
   spans get their features (`index.answering.scoring.feature_values`).
2. A logistic regression (scikit-learn, C=1, classes balanced) learns from the candidates
   of the answerable dev questions whether a candidate answers: it does when it holds the
   gold string and no shorter candidate inside it does. A longer span around such a one
   (a sentence pair, more label lines) is left out of training: taught that it answers,
   the model learnt to prefer long spans, which hold the gold string more often (answers
   1.4 times as long on q220-q299). C was chosen by 5-fold cross-validation on dev
   (0.03-10 within one question of each other).
3. Threshold (with the default config's unmatched-word veto, as served): of the
   probabilities that keep at least 90 % of the answerable dev questions answered, the one
   with the highest contains-gold + null; of those that tie, the middle.
4. Writes index/data/answer_model.json and prints the dev figures of the learned and the
   weighted scorer, then (reported, never used to choose anything) the test figures.

--holdout qNNN trains on the dev questions before qNNN only and prints both scorers'
figures on the dev questions from qNNN on (a blind batch), without writing the model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from tune_answer import WEIGHTED, calibrate, figures, show

from index.answering.answerer import Answerer
from index.answering.candidates import Candidate
from index.answering.model import DEFAULT_MODEL_PATH, FEATURES, AnswerModel
from index.answering.scoring import feature_values
from index.config import AnswerConfig
from index.embedding.backends import UseEmbedder
from index.embedding.memo import QueryMemo
from index.evaluation.retrieval import Question, load_questions
from index.retrieval.searcher import Searcher
from index.storage.snapshot import load_index

REPO = Path(__file__).resolve().parents[1]
C = 1.0
THRESHOLDS = [round(0.005 * i, 3) for i in range(1, 200)]


def fit(questions: list[Question], cands: dict[str, list[Candidate]], label: str) -> AnswerModel:
    """The logistic model fitted on the candidates of the answerable `questions`."""
    xs, ys = [], []
    for q in questions:
        if q.answerable and q.gold is not None:
            gold = q.gold
            holding = [c for c in cands[q.id] if gold in c.text]
            for c in cands[q.id]:
                right = gold in c.text
                if right and any(_inside(o, c) for o in holding):
                    continue  # a longer span around an answer: neither right nor wrong
                xs.append(feature_values(c))
                ys.append(int(right))
    lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    lr.fit(np.array(xs), np.array(ys))
    return AnswerModel(
        features=FEATURES,
        coefficients=tuple(float(w) for w in lr.coef_[0]),
        intercept=float(lr.intercept_[0]),
        threshold=0.5,
        trained_on=label,
    )


def _inside(inner: Candidate, outer: Candidate) -> bool:
    """`inner` is a span of the same document within `outer` (and not the same span)."""
    return (
        inner.hit.document.id == outer.hit.document.id
        and outer.start <= inner.start
        and inner.end <= outer.end
        and (inner.start, inner.end) != (outer.start, outer.end)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", help="train on dev ids before this one, judge the rest")
    parser.add_argument("--dry-run", action="store_true", help="do not write the model")
    args = parser.parse_args()

    embedder = QueryMemo(UseEmbedder(threads=2))
    searcher = Searcher(load_index(REPO / ".clustersearch/index"), embedder)
    answerer = Answerer(searcher, embedder, AnswerConfig(scorer="weighted"))
    depth = answerer.config.candidate_hits
    questions = {s: load_questions(REPO / "eval/questions.jsonl", s) for s in ("dev", "test")}
    # the unmatched-word veto of the default config applies to both scorers
    vetoed = frozenset(
        q.id
        for qs in questions.values()
        for q in qs
        if answerer.config.unmatched_veto and answerer.unmatched(q.question)
    )
    cands = {
        q.id: answerer.features(q.question, searcher.search(q.question, depth))
        for qs in questions.values()
        for q in qs
    }
    dev = questions["dev"]
    held: list[Question] = []
    if args.holdout:
        held = [q for q in dev if q.id >= args.holdout]
        dev = [q for q in dev if q.id < args.holdout]
    label = f"dev split: {len(dev)} questions ({dev[0].id}-{dev[-1].id}), C={C}"
    print(f"training on the {label}")
    model = fit(dev, cands, label)
    learned = AnswerConfig(scorer="learned")
    threshold, f = calibrate(dev, cands, learned, vetoed, model, THRESHOLDS)
    model = AnswerModel(model.features, model.coefficients, model.intercept, threshold, label)
    print(f"threshold {threshold:.3f}")
    for name, w in zip(FEATURES, model.coefficients, strict=True):
        print(f"  {name:15s} {w:+.3f}")
    print(f"  {'(intercept)':15s} {model.intercept:+.3f}")
    print(show("DEV  learned ", f))
    print(show("DEV  weighted", figures(dev, cands, WEIGHTED, vetoed)))
    if held:
        print(f"\nheld out: {len(held)} questions ({held[0].id}-{held[-1].id})")
        held_f = figures(held, cands, learned, vetoed, model, threshold)
        print(show("HELD learned ", held_f))
        print(show("HELD weighted", figures(held, cands, WEIGHTED, vetoed)))
        return
    test = questions["test"]
    print(show("TEST learned ", figures(test, cands, learned, vetoed, model, threshold))
          + "   (reported, not tuned)")  # fmt: skip
    print(
        show("TEST weighted", figures(test, cands, WEIGHTED, vetoed)) + "   (reported, not tuned)"
    )
    if not args.dry_run:
        DEFAULT_MODEL_PATH.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {DEFAULT_MODEL_PATH.relative_to(REPO)}")


if __name__ == "__main__":
    main()
