"""Neo4j's COAUTHOR weights (rules: graph_store/coauthors.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from graph_store import coauthors
from graph_store.neo4j import queries as q
from graph_store.neo4j.session import Tx, _rows

log = logging.getLogger(__name__)

SLICE = 10_000  # rows per statement (and per transaction when recounting)


async def teams(tx: Tx, paper_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {p: [] for p in paper_ids}
    for start in range(0, len(paper_ids), SLICE):
        part = list(paper_ids[start : start + SLICE])
        for r in await _rows(tx, q.TEAMS_OF_PAPERS, ids=part):
            out[r["key"]] = [str(a) for a in r["ids"]]
    return out


async def count_grown(
    tx: Tx, rows: Sequence[tuple[str, str]], before: dict[str, list[str]]
) -> None:
    """After (author, paper) ``rows`` were merged: add the pairs they made
    (``before``: the named papers' authors read before the merge)."""
    changed = coauthors.grown(rows, before)
    if not changed:
        return
    deltas = coauthors.pair_deltas(before, await teams(tx, changed))
    weights = coauthors.weight_rows((a, b, n) for (a, b), n in deltas.items())
    for start in range(0, len(weights), SLICE):
        await _rows(tx, q.ADD_COAUTHOR_PAPERS, rows=weights[start : start + SLICE])


async def mark_stale(tx: Tx) -> None:
    await _rows(tx, q.SET_MARK, name=coauthors.STALE)


async def is_stale(tx: Tx) -> bool:
    return bool(await _rows(tx, q.HAS_MARK, name=coauthors.STALE))


async def plan(tx: Tx) -> coauthors.Reconciliation:
    """Every pair recounted from the authorships against what is stored."""
    by_paper = coauthors.teams((r["p"], r["a"]) for r in await _rows(tx, q.ALL_AUTHORSHIPS))
    wanted = coauthors.weights(by_paper.values())
    stored = {(r["a"], r["b"]): int(r["n"]) for r in await _rows(tx, q.ALL_COAUTHOR_PAPERS)}
    return coauthors.reconcile(stored, wanted)


def slices(found: coauthors.Reconciliation) -> list[tuple[str, list[dict[str, Any]]]]:
    """The writes of ``plan`` as statements of at most ``SLICE`` rows."""
    sets = coauthors.weight_rows(found.update + found.create)
    drops = [{"a": a, "b": b} for a, b in found.delete]
    return [
        (statement, rows[start : start + SLICE])
        for statement, rows in ((q.SET_COAUTHOR_PAPERS, sets), (q.DROP_COAUTHORS, drops))
        for start in range(0, len(rows), SLICE)
    ]


async def clear(tx: Tx) -> None:
    await _rows(tx, q.CLEAR_MARK, name=coauthors.STALE)
