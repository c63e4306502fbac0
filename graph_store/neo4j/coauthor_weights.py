"""Neo4j's COAUTHOR weights (rules: graph_store/coauthors.py)."""

from __future__ import annotations

from collections.abc import Sequence

from graph_store import coauthors
from graph_store.neo4j import queries as q
from graph_store.neo4j.session import Tx, _rows

SLICE = 10_000  # rows per statement
AUTHORS_PER_TX = 1_000  # authors per transaction when recounting from scratch


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
        await _rows(tx, q.ADD_COAUTHOR_PAPERS, rows=weights[start : start + SLICE], least=1)


async def count_new_papers(tx: Tx, paper_ids: Sequence[str]) -> None:
    """Add the pairs of papers this transaction created (a bulk chunk's)."""
    for start in range(0, len(paper_ids), SLICE):
        part = list(paper_ids[start : start + SLICE])
        await _rows(tx, q.COUNT_NEW_PAPERS, ids=part, limit=coauthors.TEAM_LIMIT)


async def is_stale(tx: Tx) -> bool:
    return bool(await _rows(tx, q.HAS_MARK, name=coauthors.STALE))


async def delete_some(tx: Tx) -> int:
    """Delete up to ``SLICE`` pairs; how many went."""
    return int((await _rows(tx, q.DELETE_COAUTHORS, batch=SLICE))[0]["n"])


async def count_after(tx: Tx, after: str) -> str | None:
    """Count the pairs of the next authors by id after ``after``; the last
    author counted, None when none was left."""
    rows = await _rows(tx, q.COUNT_AUTHORS_AFTER, after=after, batch=AUTHORS_PER_TX,
                       limit=coauthors.TEAM_LIMIT)  # fmt: skip
    last = rows[0]["last"] if rows else None
    return None if last is None else str(last)


async def clear(tx: Tx) -> None:
    await _rows(tx, q.CLEAR_MARK, name=coauthors.STALE)
