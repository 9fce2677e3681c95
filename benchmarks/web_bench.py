"""Load test of ``kcrules serve``: requests/s, latency, errors and memory under concurrent clients.

    python benchmarks/web_bench.py                    # 1, 8 and 64 clients; single decisions and batches
    python benchmarks/web_bench.py --seconds 3 --batch-seconds 6 --workers 2

Starts ``kcrules serve`` on 127.0.0.1 (a free port) in its own process, waits
until ``/v1/ready``, then for each level of concurrency runs that many clients
for a bounded time. Each client keeps one HTTP/1.1 connection and sends its
next request as soon as the last one is answered (a closed loop), so the
number of requests in flight is the number of clients. Two kinds of request:

- single: ``POST /v1/rulebooks/hanoi-2016-2020/decisions``, one application,
  explained (the full decision JSON, ~27 kB), drawn in turn from 2,000 distinct
  generated applications;
- batch: ``POST …/decisions/batch`` with 1,000 applications (JSON Lines),
  explained, the decisions streamed back.

Reported per level: requests/s (and decisions/s), latency p50 and p99, errors
(any status but 200, a connection error, or a batch line that is an error;
must be 0), and the server's resident memory (RSS, all its processes) before
and after, and the server's CPU time per request (which other programs on a
shared machine disturb far less than wall time). The clients are a minimal asyncio HTTP client in this process, so
they take CPU from the server on a small machine: the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATH = "/v1/rulebooks/hanoi-2016-2020"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def family(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    try:
        return [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server's processes have used: unlike wall time, other
    programs on a shared machine hardly change it."""
    total = 0
    for p in family(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (uvicorn workers), in KiB."""
    total = 0
    for p in family(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Connection:
    """One keep-alive HTTP/1.1 connection: just enough protocol for this benchmark."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            return status, await self.reader.readexactly(int(headers["content-length"]))
        chunks = []
        while True:  # chunked transfer encoding (the streamed batch)
            size = int((await self.reader.readline()).strip(), 16)
            if size == 0:
                await self.reader.readline()
                break
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readline()
        return status, b"".join(chunks)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_level(port: int, clients: int, seconds: float, bodies: list[bytes], path: str,
                    content_type: str, batch: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(index: int) -> None:
        nonlocal errors
        conn = Connection(port)
        n = index
        try:
            while time.perf_counter() < stop:
                body = bodies[n % len(bodies)]
                n += clients
                start = time.perf_counter()
                try:
                    status, answer = await conn.post(path, body, content_type)
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    errors += 1
                    conn.close()
                    conn = Connection(port)
                    continue
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors += 1
                elif batch and (answer.count(b"\n") != batch or b'"error":{' in answer):
                    errors += 1
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "rate": len(latencies) / elapsed, "p50": pct(0.50), "p99": pct(0.99),
            "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,8,64", help="levels of concurrency (default 1,8,64)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time per level, single decisions (default 5)")
    parser.add_argument("--batch-seconds", type=float, default=10.0, help="time per level, batches (default 10)")
    parser.add_argument("--batch-size", type=int, default=1000, help="applications per batch (default 1000)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--only", choices=("single", "batch"), help="run one kind of request only")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]

    sys.path.insert(0, str(ROOT))
    from kcrules.testing import generate

    apps = generate(n=2000, seed=7)
    singles = [json.dumps(a, ensure_ascii=False).encode() for a in apps]
    batches = [b"\n".join(singles[i:i + args.batch_size] + singles[:max(0, i + args.batch_size - len(singles))])
               for i in range(0, len(singles), 500)]

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kcrules.cli", "serve", "--port", str(port), "--workers",
                               str(args.workers), "--log-level", "warning"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            print("the server did not become ready", file=sys.stderr)
            return 1
        # Warm up: compile every activity's matcher and fill the memos a little.
        asyncio.run(run_level(port, 2, 2.0, singles, f"{PATH}/decisions", "application/json", 0))
        print(f"kcrules serve on 127.0.0.1, {args.workers} worker(s); machine: {os.cpu_count()} cores "
              f"(nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()}, "
              f"{platform.machine()}; clients in this process\n")
        print("| request | clients | requests/s | decisions/s | p50 ms | p99 ms | errors | server CPU ms/request "
              "| RSS before → after MiB |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        kinds = [("single", singles, f"{PATH}/decisions", "application/json", 0, args.seconds),
                 (f"batch of {args.batch_size}", batches, f"{PATH}/decisions/batch", "application/x-ndjson",
                  args.batch_size, args.batch_seconds)]
        failed = 0
        for name, bodies, path, ctype, batch, seconds in kinds:
            if args.only and not name.startswith(args.only):
                continue
            for clients in levels:
                before, cpu = rss_kib(server.pid), cpu_seconds(server.pid)
                r = asyncio.run(run_level(port, clients, seconds, bodies, path, ctype, batch))
                after, cpu = rss_kib(server.pid), cpu_seconds(server.pid) - cpu
                failed += r["errors"]
                per = batch or 1
                print(f"| {name} | {clients} | {r['rate']:,.1f} | {r['rate'] * per:,.0f} | {r['p50']:,.1f} | "
                      f"{r['p99']:,.1f} | {r['errors']} | {cpu * 1000 / max(1, r['requests']):,.2f} | "
                      f"{before / 1024:,.0f} → {after / 1024:,.0f} |",
                      flush=True)
        return 1 if failed else 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    raise SystemExit(main())
