"""Benchmark (not a test): what the security middleware costs per request.

Usage: .venv/bin/python benchmarks/bench_security.py [--requests 3000]

Calls a trivial GET /search endpoint (returns {"ok": true}; no model, no index) in-process
through httpx's ASGI transport, N sequential requests per variant, and prints the mean and
p50/p99 time per request for:
  bare       the endpoint alone
  secured    + headers, CORS, body limit, rate limit ("60/minute", in-memory moving window)
  keyed      + read API keys (10 keys configured, the request sends the last one)
Requests come round-robin from N/50 client addresses (50 each, under the 60/minute quota),
so the limiter works as under real traffic: many clients, each with a short window. (In
`keyed` the key names the bucket, so there the quota is raised to cover all N.)
The difference between the rows is the middleware's own cost; HTTP parsing and the network
are not included (see bench_search.py for round trips over a socket).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx
from fastapi import FastAPI

from service.security import install_security
from service.settings import Settings

KEYS = [f"portal-{i:02d}-0123456789abcdef" for i in range(10)]
PER_CLIENT = 50


def _app(variant: str) -> FastAPI:
    app = FastAPI()

    @app.get("/search")
    def search() -> dict[str, bool]:
        return {"ok": True}

    if variant != "bare":
        settings = Settings(
            rate_limit=f"{PER_CLIENT + 10}/minute" if variant == "secured" else "100000/minute",
            cors_origins="https://portal.example.org",
            read_api_keys=",".join(KEYS) if variant == "keyed" else "",
        )
        install_security(app, settings)
    return app


async def _run(variant: str, n: int) -> list[float]:
    headers = {"Origin": "https://portal.example.org", "X-API-Key": KEYS[-1]}
    app = _app(variant)
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"10.0.{i // 250}.{i % 250}", 4000)),
            base_url="http://bench",
        )
        for i in range(max(1, n // PER_CLIENT) + 1)
    ]
    # warm-up on the spare last client
    for _ in range(10):
        await clients[-1].get("/search", params={"q": "x"}, headers=headers)
    times = []
    for i in range(n):
        client = clients[i % (len(clients) - 1)]
        started = time.perf_counter()
        response = await client.get("/search", params={"q": "x"}, headers=headers)
        times.append((time.perf_counter() - started) * 1e6)
        assert response.status_code == 200, response.text
    for client in clients:
        await client.aclose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    print(
        f"{args.requests} sequential in-process GET /search per variant, from "
        f"{args.requests // PER_CLIENT} clients (µs per request)"
    )
    print(f"{'variant':<8} {'mean':>8} {'p50':>8} {'p99':>8}")
    for variant in ("bare", "secured", "keyed"):
        times = sorted(asyncio.run(_run(variant, args.requests)))
        p99 = times[int(len(times) * 0.99) - 1]
        mean, p50 = statistics.fmean(times), statistics.median(times)
        print(f"{variant:<8} {mean:8.1f} {p50:8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
