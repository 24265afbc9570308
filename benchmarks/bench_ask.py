"""Benchmark (not a test): POST /ask latency over HTTP on this machine.

Usage: .venv/bin/python benchmarks/bench_ask.py [--rounds 3]

Builds the seed index into a temporary directory, starts `clustersearch serve` on a free
127.0.0.1 port (rate limit off) and sends every question of eval/questions.jsonl (German
and English, answerable or not) sequentially, `--rounds` times, timing each round trip on
the client. The first round meets cold caches (the candidate sentences of a passage are
embedded the first time it is searched); it is reported separately from the later rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from served import REPO, percentile, seed_service


def line(label: str, values: list[float]) -> str:
    return (
        f"  {label}: n={len(values)}  p50 {percentile(values, 50):.2f} ms  "
        f"p99 {percentile(values, 99):.2f} ms  mean {statistics.fmean(values):.2f} ms  "
        f"max {max(values):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [
        json.loads(row)["question"]
        for row in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if row.strip()
    ]

    with seed_service() as (client, _):
        rounds: list[list[float]] = []
        server_ms: list[float] = []
        answered = 0
        for round_no in range(args.rounds):
            latencies = []
            for q in questions:
                t0 = time.perf_counter()
                res = client.post("/ask", json={"question": q, "k": 5})
                latencies.append((time.perf_counter() - t0) * 1000)
                res.raise_for_status()
                body = res.json()
                if round_no > 0:
                    server_ms.append(body["took_ms"])
                answered += round_no == 0 and body["answer"] is not None
            rounds.append(latencies)

    warm = [v for r in rounds[1:] for v in r]
    print(f"POST /ask over HTTP, {len(questions)} gold questions x {args.rounds} rounds, k=5:")
    print(line("round 1 (cold caches)", rounds[0]))
    if warm:
        print(line(f"rounds 2-{args.rounds} (warm)", warm))
        print(line("server took_ms (warm)", server_ms))
    print(f"  answered {answered} of {len(questions)} questions in round 1")


if __name__ == "__main__":
    main()
