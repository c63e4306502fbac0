"""Load over real HTTP: GraphQL requests with httpx, and a lean keep-alive
client for the throughput comparison of tiny responses.

Both measure from this process while the server runs in its own; on a small
machine the two share the cores, so each run also records the server's own
CPU time (/proc), which does not depend on the client.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

# Inspects a decoded response body; returns why it is wrong, or None.
Check = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class Run:
    latencies: tuple[float, ...]  # seconds, one per request, failed ones included
    errors: int
    seconds: float  # wall time of the whole run
    server_cpu_seconds: float | None
    first_error: str | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile_ms(self, q: float) -> float:
        return percentile_ms(self.latencies, q)

    @property
    def throughput(self) -> float:
        """Requests per second of wall time."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds * 1000.0 / self.requests


def percentile_ms(latencies: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of latencies in seconds, in milliseconds."""
    ordered = sorted(latencies)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1] * 1000.0


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return orjson.dumps({"query": query, "variables": variables or {}})


def _problem(response: httpx.Response, check: Check | None, *, refusal: bool = False) -> str | None:
    """Why a response is wrong: not 200 JSON, GraphQL errors (unless a
    ``refusal`` is expected: then ``check`` judges the errors), or ``check``."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return f"not JSON: {response.text[:200]}"
    if not isinstance(payload, dict):
        return f"not a JSON object: {response.text[:200]}"
    if payload.get("errors") and not refusal:
        return f"GraphQL errors: {str(payload['errors'])[:200]}"
    return check(payload) if check else None


async def burst_run(
    url: str,
    burst_body: bytes,
    probe_body: bytes,
    *,
    burst: int,
    rounds: int,
    burst_check: Check,
    probe_check: Check,
) -> tuple[Run, Run]:
    """``rounds`` times: ``burst`` copies of ``burst_body`` sent at once (a
    refusal expected, judged by ``burst_check``) while one more client sends
    ``probe_body`` one after another until the burst is answered. The probe's
    latencies say whether the burst stalls everyone else."""
    burst_latencies: list[float] = []
    probe_latencies: list[float] = []
    errors = {"burst": 0, "probe": 0}
    first: dict[str, str | None] = {"burst": None, "probe": None}
    limits = httpx.Limits(max_connections=burst + 1, max_keepalive_connections=burst + 1)
    headers = {"content-type": "application/json"}
    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:

        async def one(kind: str, body: bytes, check: Check, out: list[float]) -> None:
            t0 = time.perf_counter()
            try:
                response = await client.post(url, content=body, headers=headers)
                problem = _problem(response, check, refusal=kind == "burst")
            except httpx.HTTPError as e:
                problem = f"{type(e).__name__}: {e}"
            out.append(time.perf_counter() - t0)
            if problem is not None:
                errors[kind] += 1
                first[kind] = first[kind] or problem

        for _ in range(rounds):
            sent = [
                asyncio.create_task(one("burst", burst_body, burst_check, burst_latencies))
                for _ in range(burst)
            ]
            while True:
                await one("probe", probe_body, probe_check, probe_latencies)
                if all(task.done() for task in sent):
                    break
            await asyncio.gather(*sent)
    seconds = time.perf_counter() - started
    return (
        Run(tuple(burst_latencies), errors["burst"], seconds, None, first["burst"]),
        Run(tuple(probe_latencies), errors["probe"], seconds, None, first["probe"]),
    )


async def graphql_run(
    url: str,
    bodies: Sequence[bytes],
    *,
    clients: int,
    total: int,
    check: Check | None = None,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> Run:
    """``total`` POSTs by ``clients`` concurrent clients over keep-alive
    connections, cycling through ``bodies``; each response must be a 200 with
    data and no errors and pass ``check``."""
    next_body = itertools.cycle(bodies)
    remaining = total
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=60.0) as client:

        async def worker() -> None:
            nonlocal remaining, errors, first_error
            while remaining > 0:
                remaining -= 1  # one event loop: no other task runs between check and take
                body = next(next_body)
                started = time.perf_counter()
                problem: str | None
                try:
                    response = await client.post(url, content=body, headers=headers)
                    problem = _problem(response, check)
                except httpx.HTTPError as e:
                    problem = f"{type(e).__name__}: {e}"
                latencies.append(time.perf_counter() - started)
                if problem is not None:
                    errors += 1
                    first_error = first_error or problem

        cpu_before = server_cpu()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        seconds = time.perf_counter() - started
        cpu_after = server_cpu()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Run(tuple(latencies), errors, seconds, cpu, first_error)


async def lean_run(
    host: str,
    port: int,
    path: str,
    body: bytes,
    *,
    connections: int,
    total: int,
    expect: bytes,
    server_cpu: Callable[[], float | None] = lambda: None,
) -> Run:
    """``total`` HTTP/1.1 POSTs of ``body`` over ``connections`` keep-alive
    sockets, written and parsed by hand.

    For responses that cost the server a fraction of a millisecond, httpx
    spends more CPU per request than the server does; on two cores it would
    measure itself. This client costs a few tens of microseconds.
    """
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body
    remaining = total
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None

    async def worker() -> None:
        nonlocal remaining, errors, first_error
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status, length = parse_head(head)
                content = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if status != 200 or expect not in content:
                    errors += 1
                    first_error = first_error or f"HTTP {status}: {content[:200]!r}"
        finally:
            writer.close()
            await writer.wait_closed()

    cpu_before = server_cpu()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    seconds = time.perf_counter() - started
    cpu_after = server_cpu()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Run(tuple(latencies), errors, seconds, cpu, first_error)


def parse_head(head: bytes) -> tuple[int, int]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return status, int(value.strip())
    # Both servers answer with a Content-Length; a chunked answer is a change to look at.
    raise ValueError(f"response without Content-Length: {lines[0]}")
