"""Benchmark (not a test): throughput and latency under concurrent load, on loopback only.

Usage: .venv/bin/python benchmarks/bench_load.py [--clients 8] [--seconds 30] [--ask-share 0.25]

Builds the seed index into a temporary directory, starts `clustersearch serve` on a free
127.0.0.1 port (rate limit off), waits until /health/ready, then runs N client threads for
T seconds. Each client sends, back to back, GET /search or POST /ask (one in `--ask-share`)
with German and English queries in turn, and times each round trip. The run is bounded:
it stops after T seconds or `--max-requests`, whichever comes first. Prints requests/s,
p50/p99 and errors (transport errors and non-2xx) per endpoint and in all, and the
machine's load average before and after (the figures mean little without it on shared
cores). The server's threads follow CLUSTERSEARCH_THREADS / CLUSTERSEARCH_REQUEST_THREADS
from the environment (unset: derived from the cores).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import dataclass, field

import httpx
from served import percentile, seed_service, wait_ready

SEARCHES = [
    "Wie viel Geld hat BioCon Valley pro Jahr?",
    "optics cluster in Jena",
    "Welches Land hat ein Mikroelektronik-Cluster?",
    "innovation strategy Berlin Brandenburg",
    "Netzwerkförderung in Mecklenburg-Vorpommern",
    "European Cluster Excellence Initiative silver label",
]
QUESTIONS = [
    "Wann wurde die innoBB 2025 beschlossen?",
    "How many employees does BioCon Valley have?",
    "Wer ist Hauptgesellschafter der BioCon Valley GmbH?",
    "When was the Cluster Dialogue founded?",
]


@dataclass
class Tally:
    """Round-trip times (ms) and errors of one endpoint, shared by the client threads."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, ok: bool) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.errors += not ok


def _client_loop(
    base: str, index: int, ask_every: int, stop: threading.Event, tallies: dict[str, Tally]
) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        i = index
        while not stop.is_set():
            i += 1
            started = time.perf_counter()
            try:
                if ask_every and i % ask_every == 0:
                    kind = "/ask"
                    q = QUESTIONS[i % len(QUESTIONS)]
                    response = client.post("/ask", json={"question": q})
                else:
                    kind = "/search"
                    response = client.get("/search", params={"q": SEARCHES[i % len(SEARCHES)]})
                ok = response.is_success
            except httpx.TransportError:
                ok = False
            tallies[kind].add((time.perf_counter() - started) * 1000, ok)


def _load(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{a:.2f}" for a in averages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--ask-share", type=float, default=0.25)
    parser.add_argument("--max-requests", type=int, default=20000)
    args = parser.parse_args()
    if not 1 <= args.clients <= 64 or not 0 < args.seconds <= 600:
        raise SystemExit("--clients must be 1–64 and --seconds at most 600")
    ask_every = round(1 / args.ask_share) if args.ask_share > 0 else 0

    load_before = os.getloadavg()
    tallies = {"/search": Tally(), "/ask": Tally()}
    with seed_service(timeout=60) as (client, _):
        base = str(client.base_url)
        assert base.startswith("http://127.0.0.1:"), "load goes to loopback only"
        wait_ready(client, timeout=120)
        stop = threading.Event()
        threads = [
            threading.Thread(target=_client_loop, args=(base, n, ask_every, stop, tallies))
            for n in range(args.clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        while time.perf_counter() - started < args.seconds:
            if sum(len(t.latencies) for t in tallies.values()) >= args.max_requests:
                break
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.perf_counter() - started

    print(f"{args.clients} clients, {elapsed:.1f} s, 1 in {ask_every or '∞'} requests /ask")
    print(f"load average before {_load(load_before)}, after {_load(os.getloadavg())}")
    print("| endpoint | requests | errors | requests/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    everything = Tally()
    for kind, tally in [*tallies.items(), ("all", everything)]:
        if kind != "all":
            everything.latencies.extend(tally.latencies)
            everything.errors += tally.errors
        n = len(tally.latencies)
        if not n:
            continue
        print(
            f"| {kind} | {n} | {tally.errors} | {n / elapsed:.1f} | "
            f"{percentile(tally.latencies, 50):.0f} | {percentile(tally.latencies, 99):.0f} |"
        )


if __name__ == "__main__":
    main()
