"""Dump each query's dense and BM25 candidates, so fusions can be compared without search.

For seed dev, seed test and the out-of-domain set (Debian reference titles, both
directions), per query: the dense and BM25 candidate scores exactly as the searcher
computes them before fusion (`Searcher.candidates`), the relevant chunk ids, and the
passages a Land boost would lift. `benchmarks/tune_fusion_ood.py` reads the dump.

Usage:
  .venv/bin/python benchmarks/fusion_candidates.py --model use-multilingual-v3 \
      --index .clustersearch/index --out .clustersearch/ood/use.pkl
  .venv/bin/python benchmarks/fusion_candidates.py --model multilingual-e5-small \
      --index .clustersearch/index-e5 --out .clustersearch/ood/e5.pkl [--bridge-model M]
  (the word bridge is on USE unless --bridge-model names another model, as in the service)
  (--domain-terms-only: the term map without its dev-driven pairs)

The out-of-domain passages and passage words are embedded through a cache
(.clustersearch/ood/cache.sqlite), so a slow model pays once.
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path
from typing import Any

import index.text.analysis as analysis
from index.config import ChunkerConfig
from index.documents.extract import detect_language
from index.embedding.backends import DEFAULT_MODEL
from index.evaluation.manual import DEFAULT_MANUALS, load_manual, manual_snapshot
from index.evaluation.ood import ood_questions
from index.evaluation.retrieval import load_questions, relevant_chunks
from index.retrieval.searcher import Searcher
from index.storage.cache import PassageCache
from index.storage.snapshot import load_index
from index.text.regions import find_regions
from index.text.terms import term_pairs
from service.models import load_models
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def _row(
    searcher: Searcher, text: str, lang: str | None, relevant: frozenset[int]
) -> dict[str, Any]:
    """What the searcher computes for `text` before fusing, and which passages are relevant."""
    allowed = searcher._filters.select(lang, None, None)
    analysed = searcher.analyse(text)
    dense = searcher._dense(text, allowed)
    bm25 = searcher._bm25(analysed, allowed)
    regions = {m.canonical for m in find_regions(text)}
    chunks = searcher.snapshot.chunks
    boosted = {c for c in set(dense) | set(bm25) if regions.intersection(chunks[c].regions)}
    documents = searcher.snapshot.documents
    return {
        "detected": detect_language(text),
        "langs": {c: documents[chunks[c].document_id].language for c in set(dense) | set(bm25)},
        "dense": dense,
        "bm25": bm25,
        "relevant": relevant,
        "boosted": boosted,
        "words": [(q.source, sorted(q.terms)) for q in analysed],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="use-multilingual-v3")
    parser.add_argument(
        "--bridge-model", default=DEFAULT_MODEL, help="model of the word bridge (as the service's)"
    )
    parser.add_argument("--index", type=Path, default=REPO / ".clustersearch/index")
    parser.add_argument("--manuals", type=Path, default=DEFAULT_MANUALS)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--domain-terms-only", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help="skip the out-of-domain set")
    args = parser.parse_args()
    if args.domain_terms_only:
        domain = tuple(p for p in term_pairs() if p.origin == "domain")
        analysis.term_pairs = lambda: domain  # type: ignore[assignment]
        analysis._term_map.cache_clear()
    # the models as the service loads them (a combined model's USE part is the bridge)
    loaded = load_models(Settings(model=args.model, bridge_model=args.bridge_model))
    embedder, bridge = loaded.passages, loaded.bridge
    cache = PassageCache(REPO / ".clustersearch/ood/cache.sqlite")
    started = time.perf_counter()
    rows: dict[str, list[dict[str, Any]]] = {}
    seed = Searcher(load_index(args.index), embedder, bridge_embedder=bridge)
    for split in ("dev", "test"):
        questions = [
            q for q in load_questions(REPO / "eval/questions.jsonl", split) if q.answerable
        ]
        rows[split] = [
            {**_row(seed, q.question, None, relevant_chunks(seed, q)), "pair": q.pair, "id": q.id}
            for q in questions
        ]
        print(
            f"{split}: {len(questions)} questions, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    if args.seed_only:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(pickle.dumps({**rows, "ood": []}))
        return
    corpus = load_manual(args.manuals)
    manual = manual_snapshot(corpus, embedder, cache, ChunkerConfig())
    print(f"manual: {len(manual.chunks)} chunks, {time.perf_counter() - started:.0f} s", flush=True)
    searcher = Searcher(
        manual.snapshot,
        embedder,
        bridge_embedder=bridge,
        word_encoder=lambda ws: cache.encode(bridge, ws)[0],
    ).warm()
    print(f"bridge warm: {time.perf_counter() - started:.0f} s", flush=True)
    questions = ood_questions(corpus, manual.chunks, [("en", "de"), ("de", "en")])
    rows["ood"] = [
        {**_row(searcher, q.question, q.target_lang, q.relevant), "pair": q.pair, "id": q.id}
        for q in questions
    ]
    print(f"ood: {len(questions)} questions, {time.perf_counter() - started:.0f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pickle.dumps(rows))


if __name__ == "__main__":
    main()
