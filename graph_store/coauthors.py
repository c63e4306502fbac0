"""Close co-authorship: how many papers two authors wrote together in a team
small enough to mean they worked together, kept in the store as one
``COAUTHOR`` relationship per pair (``papers`` on it) so collaboration fit
reads an author's weighted co-authors in one index range read instead of
grouping every author of every paper on each request.

Only papers of at most ``TEAM_LIMIT`` authors count. A consortium paper of
hundreds of authors does not mean its members worked together, and counting
it would give a 500-author paper 124,750 pairs. Whether two
authors ever wrote together at all (any team size) is a separate read.

Both stores keep the relationship in the transaction of the write that
changes a team: ``import_batch`` with ``pair_deltas`` (the named papers'
authors read before and after it). A bulk load counts differently per engine,
for speed. On the embedded store an increment per pair would double the
load's time, so each chunk's transaction sets the ``STALE`` mark instead,
and ``finish_bulk_import`` (or the next start, after a crash) recounts every
pair from the authorships (``weights``) and writes only the difference
(``reconcile``), clearing the mark in the same transaction; until then the
weights are those from before the load. On Neo4j each chunk flags its new
papers ``unpaired``, and transactions right after it count them in the
database, each paper once (graph_store/neo4j/queries.py); a paper a crash
leaves flagged is counted at the next start. A pair is stored once, from the
smaller id to the larger (``pair``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Final

TEAM_LIMIT: Final = 25
# The store mark a bulk load sets until its pairs are counted.
STALE: Final = "coauthors_stale"

Pair = tuple[str, str]


def pair(a: str, b: str) -> Pair:
    """The stored direction of a pair: smaller id first."""
    return (a, b) if a < b else (b, a)


def _pairs(team: Collection[str]) -> Iterable[Pair]:
    return combinations(sorted(set(team)), 2)


def counts(team: Collection[str]) -> bool:
    """Whether a paper with these authors counts as close co-authorship."""
    return 2 <= len(set(team)) <= TEAM_LIMIT


def weights(teams: Iterable[Collection[str]]) -> Counter[Pair]:
    """Every pair's shared papers over the papers' author sets (``pair`` order)."""
    out: Counter[Pair] = Counter()
    for team in teams:
        if counts(team):
            out.update(_pairs(team))
    return out


def grown(rows: Iterable[tuple[str, str]], before: Mapping[str, Collection[str]]) -> list[str]:
    """The papers an import's (author, paper) rows add an author to, given
    each named paper's authors ``before`` it (so a re-import counts nothing)."""
    named: dict[str, set[str]] = {}
    for author, paper in rows:
        named.setdefault(paper, set()).add(author)
    return [p for p, authors in named.items() if not authors <= set(before.get(p, ()))]


def pair_deltas(
    before: Mapping[str, Collection[str]], after: Mapping[str, Collection[str]]
) -> Counter[Pair]:
    """What an import changes per pair, from each changed paper's authors
    before and after it (a paper absent from ``before`` is new). A team that
    grows past ``TEAM_LIMIT`` takes its paper away from its old pairs; the
    result holds no zero entries."""
    out: Counter[Pair] = Counter()
    for paper, new in after.items():
        old = before.get(paper, ())
        if set(old) == set(new):
            continue
        if counts(old):
            out.subtract(_pairs(old))
        if counts(new):
            out.update(_pairs(new))
    return Counter({k: n for k, n in out.items() if n != 0})


def teams(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Each paper's authors from (paper id, author id) rows."""
    out: dict[str, list[str]] = {}
    for paper, author in rows:
        out.setdefault(paper, []).append(author)
    return out


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The writes that turn the stored weights into the counted ones."""

    create: list[tuple[str, str, int]]
    update: list[tuple[str, str, int]]
    delete: list[Pair]


def reconcile(stored: Mapping[Pair, int], wanted: Mapping[Pair, int]) -> Reconciliation:
    create = [(a, b, n) for (a, b), n in wanted.items() if (a, b) not in stored]
    update = [(a, b, n) for (a, b), n in wanted.items() if stored.get((a, b), n) != n]
    delete = [p for p in stored if p not in wanted]
    return Reconciliation(create, update, delete)


def weight_rows(weights: Iterable[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """Statement parameters: one row per pair (``a`` < ``b``, ``n``)."""
    return [{"a": a, "b": b, "n": n} for a, b, n in weights]
