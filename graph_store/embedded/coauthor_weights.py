"""The embedded store's COAUTHOR weights (rules: graph_store/coauthors.py).

Every function runs on the writer thread inside the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from graph_store import coauthors
from graph_store.embedded import queries as Q
from graph_store.embedded.connection import _Conn


def _teams(conn: _Conn, paper_ids: Sequence[str]) -> dict[str, list[str]]:
    return {p: conn.column(Q.TEAM_OF_PAPER, {"id": p}) for p in paper_ids}


def count_new_authorships(
    conn: _Conn, rows: Sequence[tuple[str, str]], merge: Callable[[], object]
) -> None:
    """Run ``merge`` (which writes the (author, paper) ``rows``) and count
    the pairs it adds. Rows already stored change nothing and cost one read
    per paper (a re-import)."""
    before = _teams(conn, list(dict.fromkeys(p for _, p in rows)))
    merge()
    changed = coauthors.grown(rows, before)
    if not changed:
        return
    apply(conn, coauthors.pair_deltas(before, _teams(conn, changed)))


def apply(conn: _Conn, deltas: Counter[coauthors.Pair]) -> None:
    if not deltas:
        return
    conn.rows(Q.ADD_COAUTHOR_PAPERS, {"rows": coauthors.weight_rows(
        (a, b, n) for (a, b), n in deltas.items())})  # fmt: skip
    shrunk = [(a, b, n) for (a, b), n in deltas.items() if n < 0]
    if shrunk:
        conn.rows(Q.DROP_COAUTHORS, {"rows": coauthors.weight_rows(shrunk)})


def mark_stale(conn: _Conn) -> None:
    conn.rows(Q.SET_MARK, {"name": coauthors.STALE})


def is_stale(conn: _Conn) -> bool:
    return bool(conn.rows(Q.HAS_MARK, {"name": coauthors.STALE}))


def plan(conn: _Conn) -> coauthors.Reconciliation:
    """Every pair recounted from the authorships against what is stored."""
    wanted = coauthors.weights(
        coauthors.teams((p, a) for p, a in conn.rows(Q.ALL_AUTHORSHIPS)).values()
    )
    stored = {(a, b): int(n) for a, b, n in conn.rows(Q.ALL_COAUTHOR_PAPERS)}
    return coauthors.reconcile(stored, wanted)


def finish(conn: _Conn, found: coauthors.Reconciliation) -> None:
    """The updates and deletions of ``plan`` (its creations go in with COPY,
    by the caller, in the same transaction), and the mark cleared."""
    if found.update:
        conn.rows(Q.SET_COAUTHOR_PAPERS, {"rows": coauthors.weight_rows(found.update)})
    if found.delete:
        gone = [{"a": a, "b": b, "n": None} for a, b in found.delete]
        conn.rows(Q.DROP_COAUTHORS, {"rows": gone})
    conn.rows(Q.CLEAR_MARK, {"name": coauthors.STALE})
