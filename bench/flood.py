"""The login flood (issue 9): author-page throughput quiet, then while eight
clients hammer ``logIn`` with wrong passwords; the ratio's target is 0.70.

The server runs with ``PEERGRAPH_RATE_LIMITS=off``, so no throttle answers
the flood for the hashing pool: every attempt reaches Argon2 or is refused
because its pool is full, the worst case. The flood runs in a child process
(``python -m bench.flood``, a hand-written keep-alive client as
``load.lean_run``), so its client-side CPU does not slow the page client's
event loop; both still share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence

import httpx
import orjson

from bench import load, queries
from bench.procs import ROOT, BenchError, Server, python_cmd, say
from bench.report import Figure, Target

FLOOD_CLIENTS = 8
PAGE_CLIENTS = 4  # a few readers, enough to keep the server busy
FLOOD_RATIO = 0.70
EMAIL = "flood-target@bench.example"
PASSWORD = "bench flood target password"
SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) { userErrors { code } } }"""
LOG_IN = """mutation($input: LogInInput!) {
  logIn(input: $input) { token userErrors { code } } }"""
# What a logIn answer is counted as, by the first of these its body holds.
OUTCOMES = (
    b"INVALID_INPUT",
    b"RATE_LIMITED",
    b"SERVICE_UNAVAILABLE",
    b"REQUEST_TIMEOUT",
    b'"token":"',
)


def flood_figures(server: Server, pages: Sequence[bytes], total: int) -> list[Figure]:
    url = server.base_url + "/graphql"
    with httpx.Client(timeout=60.0) as client:
        variables = {"input": {"email": EMAIL, "password": PASSWORD, "displayName": "Target"}}
        client.post(url, json={"query": SIGN_UP, "variables": variables})

    def read(n: int) -> load.Run:
        run = load.graphql_run(
            url,
            pages,
            clients=PAGE_CLIENTS,
            total=n,
            check=queries.author_found,
            server_cpu=server.cpu_seconds,
        )
        return asyncio.run(run)

    say(f"  login flood: {total} author pages quiet, {PAGE_CLIENTS} clients")
    read(2 * PAGE_CLIENTS)  # warm
    quiet = read(total)
    say(f"  login flood: the same with {FLOOD_CLIENTS} clients hammering logIn")
    cmd = python_cmd("-m", "bench.flood", "--port", str(server.port))
    flood = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        started = flood.stdout.readline() if flood.stdout else b""
        if not started.startswith(b"flooding"):
            raise BenchError(f"bench.flood did not start: {started!r}")
        flooded = read(total)
    finally:
        flood.send_signal(signal.SIGTERM)
        out, err = flood.communicate(timeout=60)
    try:
        counts = orjson.loads(out)
    except orjson.JSONDecodeError as e:
        raise BenchError(f"bench.flood printed no counts: {out[:200]!r} {err[-500:]!r}") from e
    sent, seconds = counts["requests"], counts["seconds"]
    answered = ", ".join(f"{n} {what}" for what, n in sorted(counts["outcomes"].items()))
    return [
        Figure(
            "flood_quiet_throughput",
            f"author pages, {PAGE_CLIENTS} clients, quiet: throughput",
            quiet.throughput,
            "req/s",
            errors=quiet.errors,
            note=_cpu(quiet),
        ),
        Figure(
            "flood_throughput",
            f"the same, {FLOOD_CLIENTS} clients hammering logIn: throughput",
            flooded.throughput,
            "req/s",
            errors=flooded.errors,
            note=_cpu(flooded),
        ),
        Figure(
            "flood_ratio",
            "login flood ÷ quiet (author-page throughput)",
            flooded.throughput / quiet.throughput if quiet.throughput else None,
            "x",
            Target(">=", FLOOD_RATIO),
            errors=quiet.errors + flooded.errors,
            note=f"PEERGRAPH_RATE_LIMITS=off; logIn {sent / seconds:,.0f}/s: {answered}",
        ),
    ]


def _cpu(run: load.Run) -> str:
    per = run.server_cpu_ms_per_request
    return "" if per is None else f"server CPU {per:.3g} ms/request (logIns included)"


# --- the flooding child -------------------------------------------------------------


async def _flood(host: str, port: int, clients: int) -> dict[str, object]:
    body = load.graphql_body(LOG_IN, {"input": {"email": EMAIL, "password": "wrong guess"}})
    request = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    outcomes: Counter[str] = Counter()

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not stop.is_set():
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status, length = load.parse_head(head)
                content = await reader.readexactly(length)
                what = next((o for o in OUTCOMES if o in content), None)
                outcomes[what.decode().strip('":') if what else f"HTTP {status}"] += 1
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    started = time.perf_counter()
    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    print("flooding", flush=True)
    await stop.wait()
    await asyncio.gather(*tasks, return_exceptions=True)
    seconds = time.perf_counter() - started
    return {"requests": sum(outcomes.values()), "seconds": seconds, "outcomes": outcomes}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Send logIn from 8 clients until SIGTERM.")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=FLOOD_CLIENTS)
    args = p.parse_args(argv)
    counts = asyncio.run(_flood("127.0.0.1", args.port, args.clients))
    sys.stdout.buffer.write(orjson.dumps(counts) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
