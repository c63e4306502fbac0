"""Close co-authorship: how many papers two authors wrote together in a team
small enough to mean they worked together, kept in the store as one
``COAUTHOR`` relationship per pair (``papers`` on it) so collaboration fit
reads an author's weighted co-authors in one index range read instead of
grouping every author of every paper on each request.

Only papers of at most ``TEAM_LIMIT`` authors count. A consortium paper of
hundreds of authors does not mean its members worked together (the seed
pages' largest teams have 9), and counting it would make every member of a
500-author paper 125,000 "close co-authors" of each other. Whether two
authors ever wrote together at all (any team size) is a separate read.

Both stores keep the relationship with these functions: ``pair_deltas`` for
the authorships an import adds inside its transaction, ``weights`` to
rebuild every pair after a bulk load. A pair is stored once, from the
smaller id to the larger (``pair``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from itertools import combinations
from typing import Final

TEAM_LIMIT: Final = 25


def pair(a: str, b: str) -> tuple[str, str]:
    """The stored direction of a pair: smaller id first."""
    return (a, b) if a < b else (b, a)


def _pairs(team: Collection[str]) -> Iterable[tuple[str, str]]:
    return combinations(sorted(set(team)), 2)


def counts(team: Collection[str]) -> bool:
    """Whether a paper with these authors counts as close co-authorship."""
    return 2 <= len(set(team)) <= TEAM_LIMIT


def weights(teams: Iterable[Collection[str]]) -> Counter[tuple[str, str]]:
    """Every pair's shared papers over the papers' author sets (``pair`` order)."""
    out: Counter[tuple[str, str]] = Counter()
    for team in teams:
        if counts(team):
            out.update(_pairs(team))
    return out


def pair_deltas(
    before: Mapping[str, Collection[str]], after: Mapping[str, Collection[str]]
) -> Counter[tuple[str, str]]:
    """What an import changes per pair, from each changed paper's authors
    before and after it (a paper absent from ``before`` is new). A team that
    grows past ``TEAM_LIMIT`` takes its paper away from its old pairs; the
    result holds no zero entries."""
    out: Counter[tuple[str, str]] = Counter()
    for paper, new in after.items():
        old = before.get(paper, ())
        if set(old) == set(new):
            continue
        if counts(old):
            out.subtract(_pairs(old))
        if counts(new):
            out.update(_pairs(new))
    return Counter({k: n for k, n in out.items() if n != 0})
