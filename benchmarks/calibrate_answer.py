"""Calibrate when the answerer abstains: on seed DEV and the FAQ answer set, never seed test.

Run: CLUSTERSEARCH_INDEX_DIR=DIR .venv/bin/python benchmarks/calibrate_answer.py
     (DIR: a built index, `clustersearch build`; the FAQ: apt-get install debian-faq
     debian-faq-de; `--model M` for another passage model, whose index DIR must hold;
     `--answer-model M` for the answerer's model, USE by default as in the service)

1. Every seed dev question and every FAQ question (`index.evaluation.faq`, both languages
   and across) is searched once as `Answerer.ask` does, and its candidates get their
   features once; a candidate is "right" when it holds the gold string (seed) or lies in
   the gold section's body (FAQ). The candidates are kept in a pickle beside the index
   (`--fresh` recomputes them).
2. Each scoring variant (`VARIANTS`: the weight of the passage's own fused score) re-scores
   them; at each threshold of `THRESHOLDS` the best candidate answers when it reaches it
   (and the unmatched-word veto allows).
3. Choice: of the (variant, threshold) settings that keep at least `MIN_ANSWERED` of the
   answerable questions answered on each set (the answered share does not collapse), the
   one with the highest precision of the answers given, averaged over the two sets (ties:
   the lower threshold, the first variant). A precision of 0.85 on both sets is out of
   reach of any threshold (the sweep shows it), so the floor on answers decides.
4. Prints the figures per set and language pair at the chosen setting, and the sweep.
"""

from __future__ import annotations

import argparse
import os
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index import Answerer, Embedder, Searcher, load_index
from index.answering.candidates import Candidate
from index.answering.model import default_model
from index.answering.scoring import rescore
from index.config import AnswerConfig, ChunkerConfig
from index.embedding.backends import DEFAULT_MODEL
from index.evaluation.answers import Graded, figures
from index.evaluation.faq import DEFAULT_FAQ, faq_questions, held_out, load_faq
from index.evaluation.manual import manual_searcher, manual_snapshot
from index.evaluation.retrieval import load_questions
from index.storage.cache import CACHE_NAME, PassageCache
from service.models import load_models
from service.settings import Settings

REPO = Path(__file__).resolve().parents[1]
MIN_ANSWERED = 0.85
THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(61)]
# The learned scorer was tried too (AnswerConfig(scorer="learned")): at no threshold better.
VARIANTS = {f"w_passage {w}": AnswerConfig(w_passage=w) for w in (0.0, 0.1, 0.2, 0.3, 0.4, 0.6)}

Key = tuple[str, int, int]


@dataclass(frozen=True)
class Item:
    """One asked question: its set and pair, its candidates (features, unscored), whether
    the unmatched-word veto nulls it, and the keys of its right candidates."""

    source: str
    pair: str
    answerable: bool
    candidates: tuple[Candidate, ...]
    vetoed: bool
    right: frozenset[Key]


def _key(c: Candidate) -> Key:
    return (c.hit.document.id, c.start, c.end)


def _ask(answerer: Answerer, question: str, lang: str | None) -> tuple[list[Candidate], bool]:
    text = answerer.searcher.validate(question, 5, lang=lang)
    depth = max(5, answerer.config.candidate_hits)
    page = answerer.searcher.search_page(text, depth, lang=lang)
    vetoed = bool(answerer.unmatched(text)) and answerer.config.unmatched_veto
    return answerer.features(text, page.hits), vetoed


def seed_items(answerer: Answerer) -> list[Item]:
    out = []
    for q in load_questions(REPO / "eval/questions.jsonl", "dev"):
        cands, vetoed = _ask(answerer, q.question, None)
        gold = q.gold if q.answerable else None
        right = frozenset(_key(c) for c in cands if gold is not None and gold in c.text)
        pair = q.pair if q.answerable else f"{q.lang}->none"
        out.append(Item("seed dev", pair, q.answerable, tuple(cands), vetoed, right))
    return out


def faq_items(answerer: Answerer, cache: Path, bridge: Embedder) -> list[Item]:
    corpus = load_faq(DEFAULT_FAQ)
    if not corpus:
        print(f"no FAQ under {DEFAULT_FAQ}: apt-get install debian-faq debian-faq-de")
        return []
    indexed, questions = faq_questions(corpus, held_out(corpus))
    search, answer = answerer.searcher._embedder, answerer.embedder  # as for the seeds
    store = PassageCache(cache)
    index = manual_snapshot(indexed, search, store, ChunkerConfig())
    searcher = manual_searcher(index, search, store, bridge_embedder=bridge)
    faq = Answerer(searcher, answer, answerer.config)
    out = []
    for q in questions:
        cands, vetoed = _ask(faq, q.question, q.target_lang)
        right = frozenset(
            _key(c)
            for c in cands
            if q.gold is not None
            and c.hit.document.id == q.document_id
            and q.gold[0] <= c.start
            and c.end <= q.gold[1]
        )
        out.append(Item("faq", q.pair, q.answerable, tuple(cands), vetoed, right))
    return out


def grade(item: Item, best: Candidate | None, score: float, threshold: float) -> Graded:
    """How `item` fares when its best candidate is `best` (None: it has none) at `score`."""
    if best is None:
        return Graded(item.answerable, False, False, None, False)
    ok = _key(best) in item.right
    answered = not item.vetoed and score >= threshold
    return Graded(item.answerable, answered, answered and ok, None if item.vetoed else score, ok)


def graded(items: Iterable[Item], config: AnswerConfig, threshold: float) -> list[Graded]:
    model = default_model() if config.scorer == "learned" else None
    out = []
    for item in items:
        ranked = rescore(item.candidates, config, model)
        best = ranked[0] if ranked else None
        out.append(grade(item, best, best.score if best else 0.0, threshold))
    return out


Grader = Callable[[list[Item], AnswerConfig, float], list[Graded]]


def choose(sets: dict[str, list[Item]], grader: Grader = graded) -> tuple[str, float, float]:
    """The (variant, threshold) of step 3 when `grader` grades, and its mean precision."""
    best: tuple[float, float, int, str] | None = None
    for order, (name, config) in enumerate(VARIANTS.items()):
        for t in THRESHOLDS:
            cells = [figures(grader(items, config, t)) for items in sets.values()]
            if min(c[1] or 0.0 for c in cells) < MIN_ANSWERED:
                continue
            mean = sum(c[2] or 0.0 for c in cells) / len(cells)
            key = (round(mean, 4), -t, -order, name)
            if best is None or key > best:
                best = key
    if best is None:
        raise SystemExit(f"no setting answers {MIN_ANSWERED} of the questions on every set")
    return best[3], -best[1], best[0]


def table(sets: dict[str, list[Item]], config: AnswerConfig, threshold: float) -> None:
    print("  set       pair       n    right  answered precision null")
    for name, items in sets.items():
        pairs = sorted({i.pair for i in items})
        for pair in [*pairs, "all"]:
            group = [i for i in items if pair == "all" or i.pair == pair]
            cells = figures(graded(group, config, threshold))
            shown = " ".join("   –  " if v is None else f"{v:6.3f}" for v in cells)
            print(f"  {name:9} {pair:8} {len(group):4}  {shown}")


def sweep(sets: dict[str, list[Item]], config: AnswerConfig, marks: Sequence[float]) -> None:
    print("  threshold " + " ".join(f"{n:>31}" for n in sets))
    for t in marks:
        row = []
        for items in sets.values():
            cg, answered, precision, null = figures(graded(items, config, t))
            row.append(f"P {precision} A {answered} N {null} CG {cg}")
        print(f"  {t:9.2f} " + " ".join(f"{r:>31}" for r in row))


def dump_path(index_dir: Path, model: str, answer_model: str) -> Path:
    """Where the candidates of `index_dir` under these models are kept (beside the index)."""
    models = f"{model}@answers={answer_model}"
    return index_dir.parent / f"calibrate-{models.replace(':', '_')}.pickle"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="passage model of the index")
    parser.add_argument(
        "--answer-model", default=DEFAULT_MODEL, help="the answerer's model (as the service's)"
    )
    parser.add_argument("--fresh", action="store_true", help="recompute the candidates")
    args = parser.parse_args()
    index_dir = Path(os.environ.get("CLUSTERSEARCH_INDEX_DIR", REPO / ".clustersearch/index"))
    dump = dump_path(index_dir, args.model, args.answer_model)
    if dump.exists() and not args.fresh:
        sets = pickle.loads(dump.read_bytes())
    else:
        # the models as the service loads them: the bridge and the answers on USE by default
        loaded = load_models(Settings(model=args.model, answer_model=args.answer_model))
        searcher = Searcher(load_index(index_dir), loaded.passages, bridge_embedder=loaded.bridge)
        answerer = Answerer(searcher, loaded.answers)
        cache = index_dir.parent / "ood" / CACHE_NAME
        sets = {
            "seed dev": seed_items(answerer),
            "faq": faq_items(answerer, cache, loaded.bridge),
        }
        dump.write_bytes(pickle.dumps(sets))
    sets = {name: items for name, items in sets.items() if items}
    name, t, mean = choose(sets)
    print(f"chosen: {name}, threshold {t} (mean precision {mean})")
    table(sets, VARIANTS[name], t)
    for name, config in VARIANTS.items():
        print(f"\n{name}")
        sweep(sets, config, THRESHOLDS[::5])


if __name__ == "__main__":
    main()
