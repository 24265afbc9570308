"""Answer figures on a range of gold questions alone, e.g. a blind batch before tuning on it.

Run: .venv/bin/python benchmarks/blind_batch.py q140 q179   (needs a built index: make index)

Prints contains-gold, answered and null over the questions whose ids lie in the range
(both splits), with the service's default answerer; `clustersearch eval` gives the same
figures per split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from index import Answerer, QueryMemo, Searcher, UseEmbedder, load_index, load_questions

REPO = Path(__file__).resolve().parents[1]


def number(qid: str) -> int:
    return int(qid.lstrip("q"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", help="first question id, e.g. q140")
    parser.add_argument("last", help="last question id, e.g. q179")
    args = parser.parse_args()
    embedder = QueryMemo(UseEmbedder(threads=2))
    searcher = Searcher(load_index(REPO / ".clustersearch/index"), embedder).warm()
    answerer = Answerer(searcher, embedder)
    low, high = number(args.first), number(args.last)
    questions = [
        q for q in load_questions(REPO / "eval/questions.jsonl", "all")
        if low <= number(q.id) <= high
    ]  # fmt: skip
    answers = {q.id: answerer.ask(q.question, 5).text for q in questions}
    answerable = [q for q in questions if q.answerable]
    unanswerable = [q for q in questions if not q.answerable]
    gold = sum(1 for q in answerable if q.gold is not None and q.gold in (answers[q.id] or ""))
    answered = sum(1 for q in answerable if answers[q.id] is not None)
    null = sum(1 for q in unanswerable if answers[q.id] is None)

    def share(n: int, of: int) -> str:
        return f"{n}/{of} = {n / of:.3f}" if of else "–"

    print(
        f"{args.first}–{args.last}: contains gold {share(gold, len(answerable))}, answered "
        f"{share(answered, len(answerable))}, null {share(null, len(unanswerable))}"
    )


if __name__ == "__main__":
    main()
