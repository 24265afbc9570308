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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


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

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CLUSTERSEARCH_CORPUS_DIR": str(REPO / "corpus"),
            "CLUSTERSEARCH_INDEX_DIR": str(Path(tmp) / "index"),
            "CLUSTERSEARCH_RATE_LIMIT": "",
        }
        subprocess.run([CLI, "build", "--force"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
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
        finally:
            server.terminate()
            server.wait(timeout=10)

    warm = [v for r in rounds[1:] for v in r]
    print(f"POST /ask over HTTP, {len(questions)} gold questions x {args.rounds} rounds, k=5:")
    print(line("round 1 (cold caches)", rounds[0]))
    if warm:
        print(line(f"rounds 2-{args.rounds} (warm)", warm))
        print(line("server took_ms (warm)", server_ms))
    print(f"  answered {answered} of {len(questions)} questions in round 1")


if __name__ == "__main__":
    main()
