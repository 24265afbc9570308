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

from index.config import ChunkerConfig, FusionConfig
from index.documents.chunk import chunk_document
from index.evaluation.manual import DEFAULT_MANUALS, load_manual
from index.evaluation.retrieval import hit_at_k, recall_at_k
from index.retrieval.fuse import fuse
from index.storage.lexical import LexicalIndex, build_lexical
from index.storage.snapshot import load_index

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


def _minmax(scores: Mapping[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    return {c: (v - low) / (high - low) if high > low else 1.0 for c, v in scores.items()}


def _ceiling_scaled(r: Row, w: float) -> dict[int, float]:
    """min-max dense + BM25 divided by the query's own ceiling (Σ of its words' best idf)."""
    dense = _minmax(r["dense"])
    ceiling = r["ceiling"] or 1.0
    out = {c: w * v for c, v in dense.items()}
    for c, v in r["bm25"].items():
        out[c] = out.get(c, 0.0) + (1 - w) * min(1.0, v / ceiling)
    return out


def _confidence_scaled(r: Row, w: float, power: float = 1.0) -> dict[int, float]:
    """min-max both, the BM25 part scaled by (top BM25 / ceiling) ** power."""
    dense, bm25 = _minmax(r["dense"]), _minmax(r["bm25"])
    top = max(r["bm25"].values(), default=0.0)
    confidence = min(1.0, top / r["ceiling"]) ** power if r["ceiling"] else 0.0
    out = {c: w * v for c, v in dense.items()}
    for c, v in bm25.items():
        out[c] = out.get(c, 0.0) + (1 - w) * confidence * v
    return out


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
    for w in (0.3, 0.4, 0.5, 0.6):
        out[f"ceiling {w}"] = (lambda r, w=w: _ceiling_scaled(r, w), True)
        for p in (1.0, 2.0):
            out[f"confidence {w} p{p}"] = (lambda r, w=w, p=p: _confidence_scaled(r, w, p), True)
    return out


def _add_ceilings(rows: list[Row], lexical: LexicalIndex) -> None:
    """Each row's BM25 ceiling: the sum over its words of the best idf among their terms."""
    vocab = set(lexical.vocabulary)
    for r in rows:
        r["ceiling"] = sum(
            max((lexical.idf(t) for t in terms if t in vocab), default=0.0)
            for _, terms in r["words"]
        )


def _lexicals(manuals: Path, seed_index: Path) -> tuple[LexicalIndex, LexicalIndex]:
    corpus = load_manual(manuals)
    docs = [d for part in corpus.values() for d in part.values()]
    chunks = [c for d in docs for c in chunk_document(d, ChunkerConfig())]
    return load_index(seed_index).lexical, build_lexical(chunks, {d.id: d for d in docs})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--test", action="store_true", help="also print seed test (record only)")
    parser.add_argument("--seed-index", type=Path, default=Path(".clustersearch/index"))
    parser.add_argument("--manuals", type=Path, default=DEFAULT_MANUALS)
    args = parser.parse_args()
    seed_lexical, ood_lexical = _lexicals(args.manuals, args.seed_index)
    for dump in args.dumps:
        data: dict[str, list[Row]] = pickle.loads(dump.read_bytes())
        _add_ceilings(data["dev"] + data["test"], seed_lexical)
        _add_ceilings(data["ood"], ood_lexical)
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
