"""Would the answerer abstain better if it knew how far its passage leads the search?

The search's own confidence separates right from wrong first passages better than the
passage's fused score does (`benchmarks/fusion_bounds.py` dumps; AUC of the fused margin
between the first two passages). This tries it as an answer feature, on the candidates
`benchmarks/calibrate_answer.py` keeps (run that first; same arguments):

  lead = max(0, the passage's fused score − the best fused score of another passage)

(nonzero for the first passage only), added to the weighted mean with weight `w_lead`
and scaled by the candidate's penalties as the other features are. For each `w_lead`,
the (w_passage, threshold) setting is chosen by calibrate_answer's rule, and its figures
printed. Seed dev and the FAQ set only; never seed test.

Run: .venv/bin/python benchmarks/calibrate_lead.py [--model M] [--answer-model M]
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import sys
from pathlib import Path

from calibrate_answer import VARIANTS, Item, choose, dump_path, grade

from index.answering.scoring import penalties, rescore
from index.config import AnswerConfig
from index.embedding.backends import DEFAULT_MODEL
from index.evaluation.answers import Graded, figures

W_LEADS = (0.0, 0.2, 0.4, 0.6, 1.0)


def _leads(item: Item) -> dict[int, float]:
    """id(hit) → how far its fused score leads the best other passage's (0 if behind)."""
    hits = {id(c.hit): c.hit.scores.fused for c in item.candidates}
    return {
        key: max(0.0, score - max((s for k, s in hits.items() if k != key), default=0.0))
        for key, score in hits.items()
    }


def graded(items: list[Item], config: AnswerConfig, w_lead: float, t: float) -> list[Graded]:
    """calibrate_answer's grading with each candidate's weighted mean extended by the lead."""
    weights = ("w_semantic", "w_overlap", "w_focus", "w_evidence", "w_retrieval", "w_passage")
    total = sum(getattr(config, w) for w in weights)
    out = []
    for item in items:
        leads = _leads(item)
        scored = [
            (
                (c.score * total + w_lead * leads[id(c.hit)] * math.prod(penalties(c, config)))
                / (total + w_lead),
                c,
            )
            for c in rescore(item.candidates, config)
        ]
        if not scored:
            out.append(grade(item, None, 0.0, t))
            continue
        score, best = max(scored, key=lambda sc: (sc[0], -sc[1].hit.rank, -sc[1].start))
        out.append(grade(item, best, score, t))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--answer-model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    index_dir = Path(os.environ.get("CLUSTERSEARCH_INDEX_DIR", ".clustersearch/index"))
    dump = dump_path(index_dir, args.model, args.answer_model)
    if not dump.exists():
        sys.exit(f"no {dump}: run benchmarks/calibrate_answer.py with the same arguments first")
    sys.modules["__main__"].Item = Item  # type: ignore[attr-defined]  # pickled from there
    sets: dict[str, list[Item]] = pickle.loads(dump.read_bytes())
    sets = {name: items for name, items in sets.items() if items}
    for w_lead in W_LEADS:
        name, t, mean = choose(sets, lambda items, c, t, w=w_lead: graded(items, c, w, t))
        cells = {
            set_name: figures(graded(items, VARIANTS[name], w_lead, t))
            for set_name, items in sets.items()
        }
        shown = "; ".join(
            f"{k} " + " / ".join("–" if v is None else f"{v:.3f}" for v in c)
            for k, c in cells.items()
        )
        print(f"w_lead {w_lead}: {name}, threshold {t}, mean precision {mean:.4f} ({shown})")


if __name__ == "__main__":
    main()
