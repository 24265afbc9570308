"""How far fusion can go on a model's candidates, and three fusions that did not get there.

Reads a dump of `benchmarks/fusion_candidates.py` (the dense and BM25 candidates of each
seed and out-of-domain query) and prints hit@1 per set (seed dev, out of domain EN→DE and
DE→EN; seed test for the record only, never used to choose):

* `dense`, `bm25`, and the shipped fusion at `--dense-share` / `--power`;
* `oracle`: a query counts when the dense, the BM25 or the fused first passage is right,
  an upper bound for any choice between the three rankings per query;
* `idf coverage`: coverage counts each query word by its BM25 idf (the rarest of its
  terms that the corpus holds) instead of counting words alike;
* `dense top N`: BM25 may only lift passages among the dense ranking's first N;
* `learned`: a linear score over per-candidate features (normalised dense and BM25 scores,
  coverage, whether the passage is in another language than the query, and the
  interactions), fitted by softmax cross-entropy per query on seed dev and out of domain
  together, scored by 2-fold cross-validation (out of domain split by chapter parity, seed
  dev by question parity), so no query is ranked by weights fitted on it;

and how well the shipped fusion's first-passage score and its margin over the second
tell a right first passage from a wrong one (AUC; `benchmarks/calibrate_lead.py`).

Usage: .venv/bin/python benchmarks/fusion_bounds.py X.pkl --dense-share 0.7 --power 1
"""

from __future__ import annotations

import argparse
import pickle
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score
from tune_fusion_ood import _add_coverage, _ranked, _terms

from index.config import FusionConfig
from index.evaluation.manual import DEFAULT_MANUALS
from index.evaluation.retrieval import hit_at_k
from index.retrieval.fuse import fuse, normalise
from index.storage.postings import bm25_idf

Row = dict[str, Any]
Scores = Callable[[Row], Mapping[int, float]]
FEATURES = ("dense", "bm25", "bm25_other_lang", "coverage", "coverage_other_lang", "dense_gap")
BOOST = {"dev": True, "en->de": False, "de->en": False, "test": True}


def _idf_coverage(rows: list[Row], terms: Mapping[int, set[str]]) -> None:
    """Each row's `idf_coverage`: BM25 candidate → idf mass of the query words it has."""
    df: Counter[str] = Counter()
    for t in terms.values():
        df.update(t)
    n = len(terms)
    for r in rows:
        words = [set(t) for _, t in r["words"]]
        weights = [max((bm25_idf(df[x], n) for x in w if df[x]), default=0.0) for w in words]
        total = sum(weights) or 1.0
        r["idf_coverage"] = {
            c: sum(wt for w, wt in zip(words, weights, strict=True) if w & terms[c]) / total
            for c in r["bm25"]
        }


def _hit1(rows: list[Row], scores: Scores, boost: bool) -> float:
    return sum(hit_at_k(_ranked(r, scores(r), boost), r["relevant"], 1) for r in rows) / len(rows)


def _line(name: str, sets: dict[str, list[Row]], scores: Scores) -> None:
    cells = {k: _hit1(rows, scores, BOOST[k]) for k, rows in sets.items()}
    print(f"{name:28s} " + " ".join(f"{k} {v:.3f}" for k, v in cells.items()), flush=True)


def confidence(sets: dict[str, list[Row]], config: FusionConfig) -> None:
    """AUC of two signals for "the shipped fusion's first passage is right": the fused
    score of the first passage, and its margin over the second."""
    for name, rows in sets.items():
        right, top, margin = [], [], []
        for r in rows:
            fused = fuse(r["dense"], r["bm25"], config, r["coverage"])
            ranked = _ranked(r, fused, BOOST[name])
            right.append(hit_at_k(ranked, r["relevant"], 1))
            top.append(fused[ranked[0]])
            margin.append(fused[ranked[0]] - fused[ranked[1]])
        auc_top, auc_margin = roc_auc_score(right, top), roc_auc_score(right, margin)
        print(f"  {name}: AUC fused score {auc_top:.3f}, fused margin {auc_margin:.3f}")


def _features(r: Row) -> tuple[list[int], np.ndarray, np.ndarray]:
    ids = sorted(set(r["dense"]) | set(r["bm25"]))
    dense, bm25, cov = normalise(r["dense"]), normalise(r["bm25"]), r["coverage"]
    top, low = max(r["dense"].values()), min(r["dense"].values())
    rows = []
    for c in ids:
        other = float(r["langs"].get(c, r["detected"]) != r["detected"])
        b = bm25.get(c, 0.0) * cov.get(c, 0.0)
        cv = cov.get(c, 0.0)
        rows.append([dense.get(c, 0.0), b, b * other, cv, cv * other, r["dense"].get(c, low) - top])
    y = np.array([c in r["relevant"] for c in ids], dtype=float)
    return ids, np.array(rows), y


def _loss(w: np.ndarray, data: list[Any], l2: float = 1e-3) -> tuple[float, np.ndarray]:
    total, grad = 0.0, np.zeros_like(w)
    for _, x, y in data:
        s = x @ w
        p = np.exp(s - s.max())
        p /= p.sum()
        t = y / y.sum()
        total -= float(np.sum(t * np.log(p + 1e-12)))
        grad += x.T @ (p - t)
    return total / len(data) + l2 * float(w @ w), grad / len(data) + 2 * l2 * w


def _fit(data: list[Any]) -> np.ndarray:
    start = np.zeros(len(FEATURES))
    start[0] = 5.0
    return np.asarray(minimize(_loss, start, args=(data,), jac=True, method="L-BFGS-B").x)


def _fold(name: str, i: int, r: Row) -> int:
    return i % 2 if name == "dev" else int(r["id"].split(":")[1][2:]) % 2


def learned(sets: dict[str, list[Row]]) -> None:
    """The 2-fold cross-validated learned fusion's hit@1 per chosen-on set."""
    names = ("dev", "en->de", "de->en")
    feats = {k: [_features(r) for r in sets[k]] for k in names}
    hits = dict.fromkeys(names, 0.0)
    for held in (0, 1):
        train = [
            f
            for k in names
            for i, (r, f) in enumerate(zip(sets[k], feats[k], strict=True))
            if _fold(k, i, r) != held and f[2].sum() > 0
        ]
        w = _fit(train)
        print(
            f"  fold {held} weights "
            + " ".join(f"{n} {v:.2f}" for n, v in zip(FEATURES, w, strict=True))
        )
        for k in names:
            for i, (r, (ids, x, _)) in enumerate(zip(sets[k], feats[k], strict=True)):
                if _fold(k, i, r) == held:
                    ranked = _ranked(r, dict(zip(ids, x @ w, strict=True)), BOOST[k])
                    hits[k] += hit_at_k(ranked, r["relevant"], 1)
    print(
        f"{'learned (2-fold)':28s} " + " ".join(f"{k} {hits[k] / len(sets[k]):.3f}" for k in names)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--dense-share", type=float, required=True)
    parser.add_argument("--power", type=float, required=True)
    parser.add_argument("--seed-index", type=Path, default=Path(".clustersearch/index"))
    args = parser.parse_args()
    seed_terms, ood_terms = _terms(DEFAULT_MANUALS, args.seed_index)
    data: dict[str, list[Row]] = pickle.loads(args.dump.read_bytes())
    for rows, terms in ((data["dev"] + data["test"], seed_terms), (data["ood"], ood_terms)):
        _add_coverage(rows, terms)
        _idf_coverage(rows, terms)
    sets = {"dev": data["dev"]}
    sets |= {p: [r for r in data["ood"] if r["pair"] == p] for p in ("en->de", "de->en")}
    sets["test"] = data["test"]
    shipped = FusionConfig("minmax", args.dense_share, coverage_power=args.power)
    _line("dense", sets, lambda r: r["dense"])
    _line("bm25", sets, lambda r: r["bm25"])
    _line("shipped", sets, lambda r: fuse(r["dense"], r["bm25"], shipped, r["coverage"]))

    def oracle(r: Row) -> Mapping[int, float]:
        for scores in (fuse(r["dense"], r["bm25"], shipped, r["coverage"]), r["dense"], r["bm25"]):
            ranked = _ranked(r, scores, bool(r["boosted"]))
            if hit_at_k(ranked, r["relevant"], 1):
                return scores
        return scores

    _line("oracle", sets, oracle)
    for share in (args.dense_share - 0.05, args.dense_share, args.dense_share + 0.05):
        for power in (1.0, 1.5):
            c = FusionConfig("minmax", share, coverage_power=power)
            _line(
                f"idf coverage {share:.2f} ^{power}",
                sets,
                lambda r, c=c: fuse(r["dense"], r["bm25"], c, r["idf_coverage"]),
            )
    for depth in (10, 50):

        def top(r: Row, depth: int = depth) -> Mapping[int, float]:
            keep = set(sorted(r["dense"], key=lambda c: -r["dense"][c])[:depth])
            lexical = {c: s for c, s in r["bm25"].items() if c in keep}
            return fuse(r["dense"], lexical, shipped, r["coverage"])

        _line(f"dense top {depth}", sets, top)
    learned(sets)
    confidence(sets, shipped)


if __name__ == "__main__":
    main()
