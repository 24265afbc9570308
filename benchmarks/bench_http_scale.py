"""/search over HTTP on an index `bench_scale.py --keep DIR` kept: server time and start-up.

The kept index's vectors come from bench_scale's hashing STAND-IN embedder, not a model, so
the service is run with that embedder in place of the model (the one substitution: the
app, settings, routers, middleware and uvicorn configuration are `clustersearch serve`'s,
with the rate limit off and no corpus watching). The figures are the index's and the
service's costs, not the model's query embedding (USE: about 8 ms a query here).

Starts the server on a free 127.0.0.1 port and times exec to /health/ready (ready means
warm) and to the upkeep's first corpus check (in the background, after ready), then sends
the queries bench_scale sends, one at a time: without a filter, with `lang=de` and with a
Land filter (`region`, the Land that 1/16 of the documents are filed under). Prints per
series the server's own time (`took_ms` of each response) and the round trip, p50/p99, the
three slowest server times (with 100 queries, p99 lies between the two slowest), and the
server's RSS after the queries.

Usage: .venv/bin/python benchmarks/bench_http_scale.py /tmp/keep/1000000 [--queries 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from bench_scale import REGIONS, HashingEmbedder, documents, queries, rss_mb
from served import free_port, percentile, wait_ready


def serve(work: Path, port: int) -> None:
    """Run the service on `work`'s corpus and index with the stand-in embedder (in this
    process; the parent starts it with --serve)."""
    import uvicorn

    import service.models
    from service.main import create_app
    from service.server import server_config
    from service.settings import Settings

    settings = Settings(
        corpus_dir=work / "corpus",
        index_dir=work / "index",
        rate_limit="",
        watch_interval=0,
    )
    service.models.load_embedder = lambda *args, **kwargs: HashingEmbedder()  # type: ignore[assignment]
    uvicorn.Server(server_config(create_app(settings), settings, host="127.0.0.1", port=port)).run()


def _wait_decided(client: httpx.Client, limit: float) -> None:
    """Until the upkeep's first check has read the corpus (in the background, after ready):
    the queries are timed after it, in the steady state."""
    deadline = time.monotonic() + limit
    while client.get("/health").json()["corpus_changed"] is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"corpus_changed not decided within {limit:.0f} s")
        time.sleep(0.2)


def _series(client: httpx.Client, texts: list[str], params: dict[str, str]) -> str:
    took, trip = [], []
    for text in texts:
        started = time.perf_counter()
        response = client.get("/search", params={"q": text, "k": "10", **params})
        trip.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        took.append(float(response.json()["took_ms"]))
    return (
        f"server p50/p99 {percentile(took, 50):.1f}/{percentile(took, 99):.1f} ms, "
        f"round trip {percentile(trip, 50):.1f}/{percentile(trip, 99):.1f} ms, "
        f"slowest server times {', '.join(f'{t:.0f}' for t in sorted(took)[-3:])} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, help="a size's folder of bench_scale --keep DIR")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--manual", type=Path, default=Path("/usr/share/debian-reference"))
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.work, args.serve)
        return 0
    passages = int(args.work.name)
    texts = queries(documents(args.manual, passages), args.queries)
    port = free_port()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.work}: hashing STAND-IN embedder, {os.cpu_count()} cores, load {load}")
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, __file__, str(args.work), "--serve", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            wait_ready(client, timeout=600, server=server)
            print(f"exec to ready: {time.perf_counter() - started:.1f} s")
            _wait_decided(client, limit=600)
            print(f"exec to corpus_changed decided: {time.perf_counter() - started:.1f} s")
            for label, params in (
                ("no filter", {}),
                ("lang=de", {"lang": "de"}),
                (f"region={REGIONS[0]}", {"region": REGIONS[0]}),
            ):
                print(f"{label}: {_series(client, texts, params)}", flush=True)
            print(f"server RSS after the queries: {rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
