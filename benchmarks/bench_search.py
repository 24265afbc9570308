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
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("clustersearch"))
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CLUSTERSEARCH_CORPUS_DIR": str(REPO / "corpus"),
            "CLUSTERSEARCH_INDEX_DIR": str(Path(tmp) / "index"),
            # the default per-client rate limit (60/minute) would answer this loop with 429s
            "CLUSTERSEARCH_RATE_LIMIT": "",
        }
        started = time.perf_counter()
        subprocess.run([CLI, "build", "--force"], env=env, check=True, capture_output=True)
        build_s = time.perf_counter() - started
        print(f"index build (cold, incl. interpreter + model load): {build_s:.2f} s")

        port = free_port()
        server = subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=10) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get("/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit("server did not become healthy within 60 s")
                    time.sleep(0.2)
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
        finally:
            server.terminate()
            server.wait(timeout=10)

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
