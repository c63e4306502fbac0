"""Mixed load against a running server: every client signs up as its own
user, then reads (author pages, search, nested queries, its own follows)
and writes (follow or unfollow, suggestCorrection) for a bounded time, one
request at a time per client, after one untimed warm-up request of each
kind. It reports throughput, p50/p95/p99 latency and
errors, and at the end reads back every acknowledged write: each client's
follows must be exactly what its last acknowledged follow or unfollow of
each author left, and every correction it was given an id for must be there.

    python -m bench.mixed --url http://127.0.0.1:8000 --clients 50 --seconds 30

Start the server with PEERGRAPH_RATE_LIMITS=off: the abuse throttles would
otherwise refuse fifty sign-ups from one address (and count as errors here).
Exit status 0 when there was no error and no lost write, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.load import percentile_ms
from bench.queries import AUTHOR_PAGE, SEARCH

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token userErrors { code message } }
}"""

CATALOGUE = """
query Catalogue {
  authors(first: 100) { edges { node { id slug name } } }
  papers(first: 100) { edges { node { id } } }
}"""

NESTED = """
query Nested($slug: String!) {
  author(slug: $slug) {
    name
    coauthors(first: 5) {
      author {
        name
        papers(first: 5) { edges { node { title year authors { name } topics { name } } } }
      }
    }
  }
}"""

FOLLOWING = """
query Following($after: String) {
  viewer {
    following(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id } }
    }
  }
}"""

FOLLOW = """
mutation Follow($id: ID!) {
  followAuthor(authorId: $id) { author { id viewerIsFollowing } userErrors { code message } }
}"""

UNFOLLOW = """
mutation Unfollow($id: ID!) {
  unfollowAuthor(authorId: $id) { author { id viewerIsFollowing } userErrors { code message } }
}"""

SUGGEST = """
mutation Suggest($input: SuggestCorrectionInput!) {
  suggestCorrection(input: $input) { correction { id } userErrors { code message } }
}"""

# What one client does next, by weight: four parts reads to one part writes.
MIX: dict[str, int] = {
    "author page": 30,
    "search": 20,
    "nested": 15,
    "own follows": 15,
    "follow/unfollow": 15,
    "suggest correction": 5,
}
WRITES = frozenset({"follow/unfollow", "suggest correction"})
READ_BACK_CHUNK = 40  # corrections read back per request (the alias limit is 50)


class Failed(Exception):
    """A request that did not succeed: transport error, non-200, GraphQL
    errors, or userErrors on a write."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    author_ids: tuple[str, ...]
    slugs: tuple[str, ...]
    words: tuple[str, ...]  # search text: the authors' last names
    paper_ids: tuple[str, ...]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, problem: str | None) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        if problem is not None:
            self.errors[kind] += 1
            if len(self.examples) < 5:
                self.examples.append(f"{kind}: {problem}")


@dataclass
class Client:
    """One signed-up user and the writes the server acknowledged to it."""

    index: int
    token: str
    rng: random.Random
    following: dict[str, bool] = field(default_factory=dict)  # author id -> acknowledged state
    uncertain: set[str] = field(default_factory=set)  # last write unanswered: either state
    corrections: list[str] = field(default_factory=list)
    acknowledged: int = 0
    sequence: int = 0


async def call(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """The `data` of a request that must succeed, or Failed."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = orjson.dumps({"query": query, "variables": variables or {}})
    try:
        response = await http.post("/graphql", content=body, headers=headers)
    except httpx.HTTPError as e:
        raise Failed(f"{type(e).__name__}: {e}") from e
    if response.status_code != 200:
        raise Failed(f"HTTP {response.status_code}: {response.text[:200]}")
    payload = orjson.loads(response.content)
    if payload.get("errors"):
        raise Failed(f"errors: {str(payload['errors'])[:200]}")
    data: dict[str, Any] = payload["data"]
    for value in data.values():
        if isinstance(value, dict) and value.get("userErrors"):
            raise Failed(f"userErrors: {value['userErrors']}")
    return data


async def patiently(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    """``call`` for what is not measured (the catalogue, signing up, reading
    back): a busy server's timeout is retried, not reported as a lost write."""
    for attempt in range(5):
        try:
            return await call(http, query, variables, token)
        except Failed:
            if attempt == 4:
                raise
            await asyncio.sleep(1 + attempt)
    raise AssertionError("unreachable")


async def catalogue(http: httpx.AsyncClient) -> Catalogue:
    data = await patiently(http, CATALOGUE, {})
    authors = [e["node"] for e in data["authors"]["edges"]]
    papers = [e["node"]["id"] for e in data["papers"]["edges"]]
    if not authors or not papers:
        raise SystemExit("the server has no authors or papers to read: seed or import first")
    words = sorted({a["name"].split()[-1] for a in authors})
    return Catalogue(
        author_ids=tuple(a["id"] for a in authors),
        slugs=tuple(a["slug"] for a in authors),
        words=tuple(words),
        paper_ids=tuple(papers),
    )


async def sign_up(http: httpx.AsyncClient, run: str, index: int, seed: int) -> Client:
    """A new user; a sign-up that timed out is tried again under another
    address (the first may have been made: an unused account, nothing more)."""
    for attempt in range(5):
        try:
            data = await call(
                http,
                SIGN_UP,
                {
                    "input": {
                        "email": f"load-{run}-{index}-{attempt}@load.peergraph.example",
                        "password": f"load-test-{secrets.token_hex(8)}",
                        "displayName": f"Load client {index}",
                    }
                },
            )
        except Failed:
            if attempt == 4:
                raise
            await asyncio.sleep(1 + attempt)
            continue
        token = data["signUp"]["token"]
        return Client(index=index, token=token, rng=random.Random(seed * 100_003 + index))
    raise AssertionError("unreachable")


async def step(http: httpx.AsyncClient, client: Client, cat: Catalogue, kind: str) -> None:
    rng = client.rng
    if kind == "author page":
        data = await call(http, AUTHOR_PAGE, {"slug": rng.choice(cat.slugs)}, client.token)
        if not data["author"]:
            raise Failed("author is null")
    elif kind == "search":
        data = await call(http, SEARCH, {"q": rng.choice(cat.words)}, client.token)
        if not data["search"]:
            raise Failed("search found nothing")
    elif kind == "nested":
        data = await call(http, NESTED, {"slug": rng.choice(cat.slugs)}, client.token)
        if not data["author"]:
            raise Failed("author is null")
    elif kind == "own follows":
        await call(http, FOLLOWING, {}, client.token)
    elif kind == "follow/unfollow":
        author = rng.choice(cat.author_ids)
        follow = not client.following.get(author, False)
        client.uncertain.add(author)  # until the answer says which way it went
        data = await call(http, FOLLOW if follow else UNFOLLOW, {"id": author}, client.token)
        payload = data["followAuthor" if follow else "unfollowAuthor"]
        if payload["author"]["viewerIsFollowing"] is not follow:
            raise Failed(f"acknowledged, but viewerIsFollowing is not {follow}")
        client.following[author] = follow
        client.uncertain.discard(author)
        client.acknowledged += 1
    elif kind == "suggest correction":
        client.sequence += 1
        data = await call(
            http,
            SUGGEST,
            {
                "input": {
                    "targetId": rng.choice(cat.paper_ids),
                    "field": "venue",
                    # Distinct every time: identical open suggestions may be refused.
                    "proposedValue": f"Load test venue {client.index}-{client.sequence}",
                    "reason": "Written by the load test (bench/mixed.py).",
                }
            },
            client.token,
        )
        client.corrections.append(data["suggestCorrection"]["correction"]["id"])
        client.acknowledged += 1
    else:
        raise ValueError(kind)


async def drive(
    http: httpx.AsyncClient, client: Client, cat: Catalogue, until: float, tally: Tally
) -> None:
    kinds, weights = list(MIX), list(MIX.values())
    while time.monotonic() < until:
        kind = client.rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        problem: str | None = None
        try:
            await step(http, client, cat, kind)
        except Failed as e:
            problem = str(e)
        tally.record(kind, time.perf_counter() - started, problem)


async def lost_writes(http: httpx.AsyncClient, client: Client) -> list[str]:
    """The acknowledged writes of ``client`` the server no longer shows."""
    present: set[str] = set()
    after: str | None = None
    while True:
        data = await patiently(http, FOLLOWING, {"after": after}, client.token)
        page = data["viewer"]["following"]
        present.update(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    lost = [
        f"{'follow' if followed else 'unfollow'} of {author}"
        for author, followed in client.following.items()
        if author not in client.uncertain and (author in present) is not followed
    ]
    for start in range(0, len(client.corrections), READ_BACK_CHUNK):
        ids = client.corrections[start : start + READ_BACK_CHUNK]
        names = [f"c{i}" for i in range(len(ids))]
        query = (
            "query ReadBack("
            + ", ".join(f"${n}: ID!" for n in names)
            + ") { "
            + " ".join(f"{n}: node(id: ${n}) {{ ... on Correction {{ id }} }}" for n in names)
            + " }"
        )
        data = await patiently(http, query, dict(zip(names, ids, strict=True)), client.token)
        lost += [f"correction {cid}" for n, cid in zip(names, ids, strict=True) if not data[n]]
    return lost


@dataclass(frozen=True, slots=True)
class Report:
    clients: int
    seconds: float
    requests: int
    throughput: float  # requests per second
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    writes_acknowledged: int
    lost_writes: int
    by_kind: dict[str, dict[str, float]]
    error_examples: list[str]
    lost_examples: list[str]

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.lost_writes == 0 and self.requests > 0

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def text(self) -> str:
        lines = [
            f"{self.clients} clients for {self.seconds:.1f} s: {self.requests} requests, "
            f"{self.throughput:.1f} req/s, p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, "
            f"p99 {self.p99_ms:.1f} ms, {self.errors} errors",
            f"writes acknowledged: {self.writes_acknowledged}, lost: {self.lost_writes}",
            "",
            f"{'kind':<20} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
        ]
        for kind, row in self.by_kind.items():
            lines.append(
                f"{kind:<20} {row['requests']:>8.0f} {row['errors']:>6.0f} {row['p50_ms']:>8.1f} "
                f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            )
        lines += [f"error: {e}" for e in self.error_examples]
        lines += [f"lost: {e}" for e in self.lost_examples]
        return "\n".join(lines)


def _percentiles(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    return {f"p{q}_ms": percentile_ms(latencies, q / 100) for q in (50, 95, 99)}


async def run_load(
    http: httpx.AsyncClient,
    *,
    clients: int,
    seconds: float,
    seed: int = 7,
    progress: Callable[[str], None] = lambda _: None,
) -> Report:
    """Sign up ``clients`` users, drive them for ``seconds``, read back their
    writes. ``http`` has the server as its base URL (or an ASGI transport)."""
    cat = await catalogue(http)
    run = secrets.token_hex(4)
    progress(f"signing up {clients} users")
    signing = asyncio.Semaphore(4)  # sign-ups hash passwords: a few at a time

    async def one(index: int) -> Client:
        async with signing:
            return await sign_up(http, run, index, seed)

    users = await asyncio.gather(*(one(i) for i in range(clients)))
    # Every kind once before the clock starts, as the benchmark warms up: a
    # database meets each statement cold once (Neo4j plans it, seconds on a
    # fresh one). Not counted; its writes are tracked like the others.
    for kind in MIX:
        with contextlib.suppress(Failed):
            await step(http, users[0], cat, kind)
    progress(f"running {clients} clients for {seconds:g} s")
    tally = Tally()
    started = time.perf_counter()
    until = time.monotonic() + seconds
    await asyncio.gather(*(drive(http, c, cat, until, tally) for c in users))
    elapsed = time.perf_counter() - started
    progress("reading back every acknowledged write")
    lost: list[str] = []
    for client in users:
        lost += await lost_writes(http, client)
    everything = [t for ts in tally.latencies.values() for t in ts]
    by_kind = {
        kind: {
            "requests": float(len(tally.latencies.get(kind, []))),
            "errors": float(tally.errors[kind]),
            **_percentiles(tally.latencies.get(kind, [])),
        }
        for kind in MIX
    }
    overall = _percentiles(everything)
    return Report(
        clients=clients,
        seconds=elapsed,
        requests=len(everything),
        throughput=len(everything) / elapsed if elapsed > 0 else 0.0,
        p50_ms=overall["p50_ms"],
        p95_ms=overall["p95_ms"],
        p99_ms=overall["p99_ms"],
        errors=sum(tally.errors.values()),
        writes_acknowledged=sum(c.acknowledged for c in users),
        lost_writes=len(lost),
        by_kind=by_kind,
        error_examples=tally.examples,
        lost_examples=lost[:5],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mixed", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7, help="what each client picks next")
    parser.add_argument("--json", type=Path, help="also write the report here as JSON")
    args = parser.parse_args(argv)

    async def go() -> Report:
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=60.0) as http:
            return await run_load(
                http,
                clients=args.clients,
                seconds=args.seconds,
                seed=args.seed,
                progress=lambda m: print(m, file=sys.stderr, flush=True),
            )

    report = asyncio.run(go())
    print(report.text())
    if args.json:
        args.json.write_bytes(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
