"""Benchmark (not a test): how fast the first queries are once /health/ready says ready.

Usage: .venv/bin/python benchmarks/bench_startup.py [--runs 1] [--warm 20]

Builds the seed index into a temporary directory, starts `clustersearch serve` on a free
127.0.0.1 port, polls /health/ready every 20 ms, and the moment it is ready sends one
GET /search and one POST /ask (texts the warm-up never asked), timing each round trip. Then
it sends `--warm` further distinct searches and questions, one at a time, and prints the
first ones' times beside the warm p50 and their ratio (the target: at most 2).
"""

from __future__ import annotations

import argparse
import os
import time

import httpx
from served import percentile, seed_service, wait_ready

SEARCHES = [
    "Welche Cluster gibt es in Thüringen?",
    "optics cluster in Jena",
    "Wie viel Geld hat BioCon Valley pro Jahr?",
    "Welches Land hat ein Mikroelektronik-Cluster?",
    "innovation strategy Berlin Brandenburg",
    "Netzwerkförderung in Mecklenburg-Vorpommern",
    "European Cluster Excellence Initiative silver label",
    "Gesundheitswirtschaft Cluster Förderung",
    "life sciences network funding",
    "Clustermanagement Aufgaben",
    "regional innovation strategy smart specialisation",
    "Wer finanziert die Clusterarbeit?",
]
QUESTIONS = [
    "Wann wurde die innoBB 2025 beschlossen?",
    "How many employees does BioCon Valley have?",
    "Wer ist Hauptgesellschafter der BioCon Valley GmbH?",
    "When was the Cluster Dialogue founded?",
    "Wie viele Cluster gibt es in Berlin-Brandenburg?",
    "Who funds the cluster management?",
    "Seit wann gibt es BioCon Valley?",
    "Which Länder take part in the health cluster?",
]


def _search(client: httpx.Client, q: str) -> float:
    started = time.perf_counter()
    client.get("/search", params={"q": q}).raise_for_status()
    return (time.perf_counter() - started) * 1000


def _ask(client: httpx.Client, q: str) -> float:
    started = time.perf_counter()
    client.post("/ask", json={"question": q}).raise_for_status()
    return (time.perf_counter() - started) * 1000


def run(warm: int) -> list[tuple[str, float, float]]:
    """(endpoint, first ms, warm p50 ms) of one fresh service."""
    with seed_service(timeout=120) as (client, _):
        wait_ready(client)
        first_search = _search(client, SEARCHES[0])
        first_ask = _ask(client, QUESTIONS[0])
        searches = [_search(client, f"{SEARCHES[1 + i % 11]} {i}") for i in range(warm)]
        asks = [_ask(client, f"{QUESTIONS[1 + i % 7]} {i}") for i in range(warm)]
    return [
        ("/search", first_search, percentile(searches, 50)),
        ("/ask", first_ask, percentile(asks, 50)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warm", type=int, default=20)
    args = parser.parse_args()
    if not 1 <= args.runs <= 10 or not 1 <= args.warm <= 200:
        raise SystemExit("--runs must be 1–10 and --warm 1–200")
    print("load average " + " ".join(f"{a:.2f}" for a in os.getloadavg()))
    print("| run | endpoint | first after ready ms | warm p50 ms | ratio |")
    print("|---:|---|---:|---:|---:|")
    for n in range(args.runs):
        for endpoint, first, warm in run(args.warm):
            print(f"| {n + 1} | {endpoint} | {first:.0f} | {warm:.0f} | {first / warm:.1f} |")


if __name__ == "__main__":
    main()
