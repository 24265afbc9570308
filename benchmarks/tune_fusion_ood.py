"""Compare fusions on seed dev and out of domain (both directions) from candidate dumps.

Reads the dumps of `benchmarks/fusion_candidates.py` (the dense and BM25 candidates of each
query, exactly as the searcher has them before fusing) and ranks them with each fusion of
`index.retrieval.fuse`, then the Land boost as the searcher applies it. Prints hit@1 (and
hit@5 out of domain, recall@5 on the seeds) per set and direction. The seed test split is
printed for the record only, with --test: it is never used to choose.

Usage: .venv/bin/python benchmarks/tune_fusion_ood.py .clustersearch/ood/use.pkl [--test]
"""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from index.config import FusionConfig
from index.evaluation.retrieval import hit_at_k, recall_at_k
from index.retrieval.fuse import fuse

Row = dict[str, Any]
Fusion = Callable[[Row], Mapping[int, float]]


def _ranked(row: Row, fused: Mapping[int, float], boost: bool) -> list[int]:
    lifted = row["boosted"] if boost else set()
    return sorted(fused, key=lambda c: (c not in lifted, -fused[c], c))


def _cells(rows: Sequence[Row], fusion: Fusion, boost: bool, seed: bool) -> str:
    ranked = [(_ranked(r, fusion(r), boost), r["relevant"]) for r in rows]
    hit1 = sum(hit_at_k(rk, rel, 1) for rk, rel in ranked) / len(rows)
    if seed:
        at5 = sum(recall_at_k(rk, rel, 5) for rk, rel in ranked) / len(rows)
    else:
        at5 = sum(hit_at_k(rk, rel, 5) for rk, rel in ranked) / len(rows)
    return f"{hit1:.3f}/{at5:.3f}"


def fusions() -> dict[str, tuple[Fusion, bool]]:
    """name → (fusion, whether the Land boost applies) — the single components first."""
    out: dict[str, tuple[Fusion, bool]] = {
        "dense": (lambda r: r["dense"], False),
        "bm25+bridge": (lambda r: r["bm25"], False),
    }
    for w in (0.4, 0.5, 0.6, 0.7):
        config = FusionConfig("minmax", w)
        out[f"minmax {w}"] = (lambda r, c=config: fuse(r["dense"], r["bm25"], c), True)
    for k in (10, 60):
        for w in (0.5, 0.6):
            config = FusionConfig("rrf", w, k)
            out[f"rrf k={k} {w}"] = (lambda r, c=config: fuse(r["dense"], r["bm25"], c), True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--test", action="store_true", help="also print seed test (record only)")
    args = parser.parse_args()
    for dump in args.dumps:
        data: dict[str, list[Row]] = pickle.loads(dump.read_bytes())
        sets: dict[str, tuple[list[Row], bool]] = {"dev": (data["dev"], True)}
        for pair in ("en->de", "de->en"):
            sets[f"dev {pair}"] = ([r for r in data["dev"] if r["pair"] == pair], True)
        for pair in ("en->de", "de->en"):
            sets[f"ood {pair}"] = ([r for r in data["ood"] if r["pair"] == pair], False)
        if args.test:
            sets["test"] = (data["test"], True)
        print(f"## {dump} (hit@1/recall@5 on seeds, hit@1/hit@5 out of domain)")
        print(f"{'fusion':18s} " + " ".join(f"{name:>13s}" for name in sets))
        for name, (fusion, boost) in fusions().items():
            cells = [_cells(rows, fusion, boost, seed) for rows, seed in sets.values()]
            print(f"{name:18s} " + " ".join(f"{c:>13s}" for c in cells))


if __name__ == "__main__":
    main()
