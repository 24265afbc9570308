"""What the HTTP benchmarks share: the seed corpus indexed into a temporary directory and
served by `clustersearch serve` on a free 127.0.0.1 port, and percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("clustersearch"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(
    client: httpx.Client, timeout: float = 300, server: subprocess.Popen[bytes] | None = None
) -> float:
    """Polls /health/ready every 20 ms until 200 (a server not listening yet counts as not
    ready; `server` exiting ends the wait); the seconds it took."""
    started = time.monotonic()
    while True:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if client.get("/health/ready").status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the service did not become ready within {timeout:.0f} s")
        time.sleep(0.02)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@contextmanager
def seed_service(timeout: float = 30) -> Iterator[tuple[httpx.Client, float]]:
    """A client of the service over a fresh index of the seed corpus (rate limit off: the
    benchmarks send more than 60 requests a minute), and the build's seconds (cold: the
    interpreter and model load included)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CLUSTERSEARCH_CORPUS_DIR": str(REPO / "corpus"),
            "CLUSTERSEARCH_INDEX_DIR": str(Path(tmp) / "index"),
            "CLUSTERSEARCH_RATE_LIMIT": "",
        }
        started = time.perf_counter()
        subprocess.run([CLI, "build", "--force"], env=env, check=True, capture_output=True)
        build_s = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
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
                yield client, build_s
        finally:
            server.terminate()
            server.wait(timeout=10)
