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
from index.documents.passage import lexical_text
from index.evaluation.manual import DEFAULT_MANUALS, load_manual
from index.evaluation.retrieval import hit_at_k, recall_at_k
from index.retrieval.fuse import fuse
from index.storage.snapshot import load_index
from index.text.analysis import passage_terms

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
        for power in (0.0, 0.5, 1.0, 2.0):
            config = FusionConfig("minmax", w, coverage_power=power)
            out[f"minmax {w} cov^{power}"] = (
                lambda r, c=config: fuse(r["dense"], r["bm25"], c, r["coverage"]),
                True,
            )
    for k in (10, 60):
        for w in (0.5, 0.6):
            for power in (0.0, 1.0):
                config = FusionConfig("rrf", w, k, coverage_power=power)
                out[f"rrf k={k} {w} cov^{power}"] = (
                    lambda r, c=config: fuse(r["dense"], r["bm25"], c, r["coverage"]),
                    True,
                )
    return out


def _add_coverage(rows: list[Row], terms: Mapping[int, set[str]]) -> None:
    """Each row's coverage: BM25 candidate → share of the query's words whose terms it has
    (what `Searcher` computes from the BM25 index, here from the passages' terms)."""
    for r in rows:
        words = [set(t) for _, t in r["words"]]
        r["coverage"] = {
            c: sum(1 for w in words if w & terms[c]) / len(words) if words else 0.0
            for c in r["bm25"]
        }


def _terms(manuals: Path, seed_index: Path) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """Chunk id → the BM25 terms of its passage, for the seed index and the manual."""
    seed = load_index(seed_index)
    corpus = load_manual(manuals)
    docs = {d.id: d for part in corpus.values() for d in part.values()}
    ood = [
        (c, docs[c.document_id]) for d in docs.values() for c in chunk_document(d, ChunkerConfig())
    ]
    pairs = [(c, seed.documents[c.document_id]) for c in seed.chunks.values()]
    return tuple(  # type: ignore[return-value]
        {c.id: set(passage_terms(lexical_text(c, d), d.language)) for c, d in group}
        for group in (pairs, ood)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--test", action="store_true", help="also print seed test (record only)")
    parser.add_argument("--seed-index", type=Path, default=Path(".clustersearch/index"))
    parser.add_argument("--manuals", type=Path, default=DEFAULT_MANUALS)
    args = parser.parse_args()
    seed_terms, ood_terms = _terms(args.manuals, args.seed_index)
    for dump in args.dumps:
        data: dict[str, list[Row]] = pickle.loads(dump.read_bytes())
        _add_coverage(data["dev"] + data["test"], seed_terms)
        _add_coverage(data["ood"], ood_terms)
        sets: dict[str, tuple[list[Row], bool]] = {"dev": (data["dev"], True)}
        for pair in ("en->de", "de->en"):
            sets[f"dev {pair}"] = ([r for r in data["dev"] if r["pair"] == pair], True)
        for pair in ("en->de", "de->en"):
            if data["ood"]:
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
