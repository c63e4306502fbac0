"""How long one suggestion list takes for authors of an imported store.

    python -m bench.suggest_timing --data-dir DIR --author author:openalex-a1
    NEO4J_URI=bolt://… python -m bench.suggest_timing --author author:openalex-a1
    python -m bench.suggest_timing --data-dir DIR --author ID --author ID2 --out BENCHMARKS.md

Runs ``domain.collaboration_fit.suggest`` (what User.suggestedCollaborators
calls, without HTTP and GraphQL) and ``pair_fit`` with the best suggestion,
in-process on the configured store (the embedded store in ``--data-dir``, or
Neo4j when ``NEO4J_URI`` is set), through the profile cache as the server
does (domain/fit_cache.py, the server's default budget), and prints p50 and
p90 of each:

- cold: a new cache each time, as the first list after an import (every
  profile read from the store);
- warm: one cache kept over the runs, as a serving process between imports;

next to the author page's own store reads (stats, topics, top co-authors, a
page of papers) for the same author in the same run: a yardstick that load
on the machine skews alike. The target is the hub page's budget (50 ms,
BENCHMARKS.md), for a warm list. ``--out`` writes the section of that file
for the store.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from api.settings import Settings
from bench import sections
from bench.report import machine
from domain.collaboration_fit import pair_fit, suggest
from domain.fit_cache import FitCache
from graph_store.factory import StoreConfig, open_store
from graph_store.store import GraphStore

TARGET_MS = 50.0


def _name(backend: str) -> str:
    """The section of BENCHMARKS.md: one per store."""
    return "suggest-neo4j" if backend == "Neo4j" else "suggest"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _one(store: GraphStore, author: str, runs: int, first: int) -> dict[str, float]:
    profile = (await store.collaboration_profiles([author]))[author]
    works = (await store.work_counts([author]))[author]
    if not works:
        raise SystemExit(f"{author}: no such author, or no papers")
    budget = Settings().fit_cache_items
    cache = FitCache(budget)
    timings: dict[str, list[float]] = {"cold": [], "warm": [], "pair": [], "page": []}
    rows = await suggest(await cache.reads(store), author, first)  # warm-up
    other = rows[0][0].id if rows else None
    for _ in range(runs):
        # The author page's own store reads, the yardstick.
        started = time.perf_counter()
        await asyncio.gather(
            store.author_stats([author]),
            store.topic_weights_of_authors([author]),
            store.coauthors_of_authors([author], 10, 0),
            store.paper_pages_of_authors([author], 20, None),
        )
        timings["page"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await suggest(await FitCache(budget).reads(store), author, first)
        timings["cold"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        rows = await suggest(await cache.reads(store), author, first)
        timings["warm"].append((time.perf_counter() - started) * 1000)
        if other is not None:
            started = time.perf_counter()
            await pair_fit(await cache.reads(store), author, other)
            timings["pair"].append((time.perf_counter() - started) * 1000)
    out = {
        "papers": float(works),
        "close co-authors": float(len(profile.coauthors)),
        "suggestions": float(len(rows)),
    }
    for name, values in timings.items():
        if values:
            out[f"{name} p50 ms"] = statistics.median(values)
            out[f"{name} p90 ms"] = _percentile(values, 0.9)
    out["cache items"] = float(cache.cost)
    out["warm ÷ page reads (p50)"] = out["warm p50 ms"] / out["page p50 ms"]
    return out


async def measure(
    config: StoreConfig, authors: list[str], runs: int, first: int
) -> dict[str, dict[str, float]]:
    store = open_store(config)
    await store.initialize()
    try:
        return {a: await _one(store, a, runs, first) for a in authors}
    finally:
        await store.close()


def section(results: dict[str, dict[str, float]], backend: str, command: str) -> str:
    m = machine()
    start, end = sections.markers(_name(backend))
    lines = [
        start,
        f"## Suggestion lists: time, {backend} (issue 10)",
        "",
        f"Written by `{command}`, in-process (no HTTP, no GraphQL), "
        f"at commit {m['commit']}{' with uncommitted changes' if m['uncommitted'] else ''}, "
        f"{m['date']}; load average "
        f"{', '.join(str(x) for x in m['load_average'])} when it started. "
        '"Page reads" are the author page\'s own store reads for the same author '
        "in the same run (stats, topics, top 10 co-authors, 20 papers). Cold: every "
        "profile read from the store, as the first list after an import; warm: "
        "through the profile cache a serving process keeps between imports "
        '(domain/fit_cache.py, default budget); "cache held": its items after the '
        "author's runs.",
        "",
        "| author | papers | close co-authors | suggestions (first: 10), cold p50 / p90 "
        "| warm p50 / p90 | a pair's fit, warm p50 | page reads p50 | warm ÷ page reads "
        "| cache held | target (warm) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for author, r in results.items():
        met = "met" if r["warm p50 ms"] <= TARGET_MS else "**missed**"
        lines.append(
            f"| {author} | {r['papers']:,.0f} | {r['close co-authors']:,.0f} "
            f"| {r['cold p50 ms']:,.0f} / {r['cold p90 ms']:,.0f} ms "
            f"| {r['warm p50 ms']:,.1f} / {r['warm p90 ms']:,.1f} ms "
            f"| {r.get('pair p50 ms', float('nan')):,.1f} ms | {r['page p50 ms']:,.1f} ms "
            f"| {r['warm ÷ page reads (p50)']:.2f} x | {r['cache items']:,.0f} items "
            f"| ≤ {TARGET_MS:.0f} ms: {met} |"
        )
    lines += ["", end]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suggest_timing", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="the embedded store's folder")
    parser.add_argument(
        "--author", action="append", required=True, help="an author id (repeat for more)"
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--first", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="write the section of this file")
    args = parser.parse_args(argv)
    uri = os.environ.get("NEO4J_URI")
    if not uri and args.data_dir is None:
        parser.error("give --data-dir (embedded) or set NEO4J_URI")
    config = StoreConfig(
        data_dir=args.data_dir or Path("."),
        neo4j_uri=uri,
        neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD", ""),
        neo4j_database=os.environ.get("NEO4J_DATABASE", "neo4j"),
        transaction_timeout=30.0,
    )
    results = asyncio.run(measure(config, args.author, args.runs, args.first))
    for author, result in results.items():
        print(author)
        for name, value in result.items():
            print(f"  {name}: {value:,.2f}")
    if args.out:
        backend = "Neo4j" if uri else "embedded store"
        words = sys.argv[1:] if argv is None else argv
        command = "python -m bench.suggest_timing " + " ".join(words)
        sections.replace(args.out, _name(backend), section(results, backend, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
