"""Benchmark (not a test): cold index build time and /search latency over HTTP.

Usage: .venv/bin/python benchmarks/bench_search.py [--queries 200]

1. Runs `clustersearch build --force` on the seed corpus into a temporary index directory
   and times the whole process (interpreter start, model load, chunk, embed, save).
2. Starts `clustersearch serve` on a free 127.0.0.1 port and sends N sequential
   GET /search requests (German and English questions, alternating), timing each
   round trip on the client.
"""

from __future__ import annotations

import argparse
import statistics
import time

from served import percentile, seed_service

QUERIES = [
    "How much money does BioCon Valley have per year?",
    "Wie viele Mitarbeiter hat BioCon Valley?",
    "When was the Cluster Dialogue in Baden-Württemberg founded?",
    "Wann wurde der Cluster-Dialog gegründet?",
    "Which state has a microelectronics cluster?",
    "Welches Land hat ein Mikroelektronik-Cluster?",
    "innovation strategy Berlin Brandenburg",
    "Innovationsstrategie Land Bremen 2030",
    "optics cluster in Jena",
    "Netzwerkförderung in Mecklenburg-Vorpommern",
    "How many networks does Hessen Trade & Invest support?",
    "Forschungs- und Innovationsverbünde Niedersachsen",
    "Who is the contact person for cluster policy in Stuttgart?",
    "Wer ist Hauptgesellschafter der BioCon Valley GmbH?",
    "European Cluster Excellence Initiative silver label",
    "Exzellenzstrategie Schleswig-Holstein Hochschulen",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with seed_service(timeout=10) as (client, build_s):
        print(f"index build (cold, incl. interpreter + model load): {build_s:.2f} s")
        for q in QUERIES[:4]:  # warm-up, not timed
            client.get("/search", params={"q": q})
        latencies, server_ms = [], []
        for i in range(args.queries):
            q = QUERIES[i % len(QUERIES)]
            t0 = time.perf_counter()
            res = client.get("/search", params={"q": q, "k": 5})
            latencies.append((time.perf_counter() - t0) * 1000)
            res.raise_for_status()
            server_ms.append(res.json()["took_ms"])

    print(f"/search over HTTP, {args.queries} sequential queries (de/en mixed):")
    print(
        f"  client p50 {percentile(latencies, 50):.2f} ms  p99 {percentile(latencies, 99):.2f} ms"
        f"  mean {statistics.fmean(latencies):.2f} ms  max {max(latencies):.2f} ms"
    )
    print(
        f"  server took_ms p50 {percentile(server_ms, 50):.2f} ms  "
        f"p99 {percentile(server_ms, 99):.2f} ms"
    )


if __name__ == "__main__":
    main()
