"""Neo4j's COAUTHOR weights (rules: graph_store/coauthors.py; the
``unpaired`` flag: graph_store/neo4j/queries.py)."""

from __future__ import annotations

from collections.abc import Sequence

from graph_store import coauthors
from graph_store.neo4j import queries as q
from graph_store.neo4j.session import Tx, _rows

SLICE = 10_000  # rows per statement
PAPERS_PER_TX = 2_000  # unpaired papers counted per transaction


async def teams(tx: Tx, paper_ids: Sequence[str]) -> tuple[dict[str, list[str]], set[str]]:
    """The papers' authors, and which of them are still unpaired."""
    out: dict[str, list[str]] = {p: [] for p in paper_ids}
    unpaired: set[str] = set()
    for start in range(0, len(paper_ids), SLICE):
        part = list(paper_ids[start : start + SLICE])
        for r in await _rows(tx, q.TEAMS_OF_PAPERS, ids=part):
            out[r["key"]] = [str(a) for a in r["ids"]]
            if r["unpaired"]:
                unpaired.add(r["key"])
    return out, unpaired


async def count_grown(
    tx: Tx, rows: Sequence[tuple[str, str]], before: dict[str, list[str]]
) -> None:
    """After (author, paper) ``rows`` were merged (their papers locked first,
    so no other import changes a team between the two reads):
    add the pairs they made (``before``: the named papers' authors read
    before the merge). A paper still unpaired is left to its count, which
    will see the whole team."""
    changed = coauthors.grown(rows, before)
    if not changed:
        return
    after, unpaired = await teams(tx, changed)
    counted = {p: team for p, team in after.items() if p not in unpaired}
    deltas = coauthors.pair_deltas(before, counted)
    weights = coauthors.weight_rows((a, b, n) for (a, b), n in deltas.items())
    for start in range(0, len(weights), SLICE):
        await _rows(tx, q.ADD_COAUTHOR_PAPERS, rows=weights[start : start + SLICE], least=1)


async def flag(tx: Tx, paper_ids: Sequence[str]) -> None:
    for start in range(0, len(paper_ids), SLICE):
        await _rows(tx, q.FLAG_UNPAIRED, ids=list(paper_ids[start : start + SLICE]))


async def count_papers(tx: Tx, paper_ids: Sequence[str]) -> None:
    """Count the pairs of those of these papers still unpaired, each once."""
    await _rows(tx, q.COUNT_PAPERS, ids=list(paper_ids), limit=coauthors.TEAM_LIMIT)


async def unpaired(tx: Tx) -> list[str]:
    return [str(r["id"]) for r in await _rows(tx, q.UNPAIRED_PAPERS, batch=PAPERS_PER_TX)]
