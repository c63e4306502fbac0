"""How long one suggestion list takes for an author of an imported store.

    python -m bench.suggest_timing --data-dir DIR --author author:openalex-a1
    NEO4J_URI=bolt://… python -m bench.suggest_timing --author author:openalex-a1

Runs ``domain.collaboration_fit.suggest`` (what User.suggestedCollaborators
calls, without HTTP and GraphQL) and ``pair_fit`` with the best suggestion,
in-process on the configured store (the embedded store in ``--data-dir``, or
Neo4j when ``NEO4J_URI`` is set), and prints p50 and p90 of each, next to
the author page's own store reads (stats, topics, top co-authors, a page of
papers) for the same author in the same run: the author page budget it is
held against is the hub page's (BENCHMARKS.md, 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

from domain.collaboration_fit import pair_fit, suggest
from graph_store.factory import StoreConfig, open_store


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(config: StoreConfig, author: str, runs: int, first: int) -> dict[str, float]:
    store = open_store(config)
    await store.initialize()
    try:
        profile = (await store.collaboration_profiles([author]))[author]
        if not profile.coauthors and not profile.topics:
            raise SystemExit(f"{author}: no such author, or nothing to suggest from")
        timings: dict[str, list[float]] = {"suggest": [], "pair": [], "page": []}
        rows = await suggest(store, author, first)  # warm-up
        other = rows[0][0].id if rows else None
        for _ in range(runs):
            # The author page's own store reads, as a yardstick measured in the
            # same run (on a busy machine absolute times say little).
            started = time.perf_counter()
            await asyncio.gather(
                store.author_stats([author]),
                store.topic_weights_of_authors([author]),
                store.coauthors_of_authors([author], 10, 0),
                store.paper_pages_of_authors([author], 20, None),
            )
            timings["page"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            rows = await suggest(store, author, first)
            timings["suggest"].append((time.perf_counter() - started) * 1000)
            if other is not None:
                started = time.perf_counter()
                await pair_fit(store, author, other)
                timings["pair"].append((time.perf_counter() - started) * 1000)
        out = {"coauthors": float(len(profile.coauthors)), "suggestions": float(len(rows))}
        for name, values in timings.items():
            if values:
                out[f"{name} p50 ms"] = statistics.median(values)
                out[f"{name} p90 ms"] = _percentile(values, 0.9)
        out["suggest ÷ page reads (p50)"] = out["suggest p50 ms"] / out["page p50 ms"]
        return out
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suggest_timing", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="the embedded store's folder")
    parser.add_argument("--author", required=True, help="an author id, e.g. author:openalex-a1")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--first", type=int, default=10)
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
    result = asyncio.run(measure(config, args.author, args.runs, args.first))
    for name, value in result.items():
        print(f"{name}: {value:,.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
