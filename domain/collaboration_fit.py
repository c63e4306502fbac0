"""Collaboration fit: why two researchers would work well together, as
reasons whose weights add up to the score.

Only the public graph feeds it: who wrote with whom, on which topics, at
which venues. Never follows, claims or invitations (the store reads below
cannot see them).

The four reasons (constants below; weights are rounded to 6 places and the
score is the sum of the rounded weights):

- COMMON_COAUTHOR: both wrote with c, a close co-author of each (papers of
  at most ``graph_store.coauthors.TEAM_LIMIT`` authors).
  ``W_COMMON · sqrt(n_a · n_b) / ln(1 + works(c))`` per common co-author,
  n_a and n_b the papers c shared with each (the ``COMMON_LIMIT`` with the
  strongest ties to both count; the reason's count says how many there
  are): Adamic-Adar's idea, a shared co-author of few papers says more than
  one of thousands, weighted by how closely c works with both (the ties'
  strength lifts the link-prediction benchmark's Hits@50, bench/README.md).
  The degree is c's paper count, which the store counts through an index,
  instead of c's co-author count, which would expand each of a hub's
  thousands of co-authors.
- TWO_HOP_PATH: a's close co-author c is a close co-author of b's close
  co-author d (c among a's ``PATH_FANOUT`` strongest co-authors, d among b's,
  neither a common co-author, c ≠ d). ``W_PATH / (ln(1 + works(c)) · ln(1 + works(d)))``
  per path: reaches pairs with no common co-author yet. "Close" as for
  COMMON_COAUTHOR: a consortium paper makes no path.
- SHARED_TOPIC: ``W_TOPIC · min(share_a(t), share_b(t))`` per topic both write
  on, a share being the topic's part of the author's tagged papers.
- COMPLEMENTARY_VENUE: the same over the venues both publish at
  (``W_VENUE``): they reach the same readers, so one's work complements the
  other's there.

Suggestions (``suggest``) read a few batches whatever the author's size:
candidates are friends of friends through the author's strongest co-authors
who are not prolific themselves and, when those are too few, the authors of
the newest papers on their top topics (see ``_reached``); they are ranked by
how many of those links they have, anyone the author already wrote with in
any team (``FitReads.coauthored``) is dropped, and only the best
``pool_size(first)`` are scored exactly, with the same ``fit`` as a pair.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, unquote

from graph_store.records import (
    AuthorRecord,
    CollaborationProfileRecord,
    NodeKind,
    Page,
    PaperRecord,
)

W_COMMON = 1.0
W_PATH = 0.5
W_TOPIC = 0.3
W_VENUE = 0.3
COMMON_LIMIT = 25  # common co-authors counted (the strongest ties)
PATH_FANOUT = 3  # strongest co-authors of each side that paths may start from
VIA_LIMIT = 10  # nodes named in one reason's `via` (its text gives the full count)
# Candidate generation for suggestions.
# Candidates: friends of friends through up to BRIDGES bridges (the strongest
# of the BRIDGE_CANDIDATES strongest co-authors with at most BRIDGE_MAX_WORKS
# papers), and when they are too few the authors of the newest
# PAPERS_PER_TOPIC papers on each of the TOP_TOPICS topics.
BRIDGE_CANDIDATES = 200
BRIDGE_MAX_WORKS = 300
BRIDGES = 50
TOP_TOPICS = 2
PAPERS_PER_TOPIC = 20
DIGITS = 6


class FitKind(enum.StrEnum):
    COMMON_COAUTHOR = "COMMON_COAUTHOR"
    TWO_HOP_PATH = "TWO_HOP_PATH"
    SHARED_TOPIC = "SHARED_TOPIC"
    COMPLEMENTARY_VENUE = "COMPLEMENTARY_VENUE"


@dataclass(frozen=True, slots=True)
class FitReason:
    kind: FitKind
    weight: float
    via: tuple[str, ...]  # node ids (author:, topic:, venue:), the strongest first
    count: int  # how many co-authors, paths, topics or venues it rests on


@dataclass(frozen=True, slots=True)
class Fit:
    a: str
    b: str
    score: float
    reasons: tuple[FitReason, ...]  # highest weight first


EMPTY_PROFILE = CollaborationProfileRecord(coauthors={}, topics={}, venues={})


# --- venues as nodes ------------------------------------------------------------


def venue_id(name: str) -> str:
    """A venue's node id: ``venue:`` and its exact name, percent-encoded."""
    return f"{NodeKind.VENUE.value}:{quote(name, safe='')}"


def venue_name(node_id: str) -> str | None:
    prefix, sep, rest = node_id.partition(":")
    if prefix != NodeKind.VENUE.value or not sep or not rest:
        return None
    return unquote(rest) or None


# --- the score -------------------------------------------------------------------


def strongest(profile: CollaborationProfileRecord, k: int) -> list[str]:
    """The ``k`` co-authors sharing the most papers (ties by id); a partial
    sort, as a hub has tens of thousands."""
    top = heapq.nsmallest(k, profile.coauthors.items(), key=lambda kv: (-kv[1], kv[0]))
    return [c for c, _ in top]


def _all_common(
    a: str, pa: CollaborationProfileRecord, b: str, pb: CollaborationProfileRecord
) -> set[str]:
    return (pa.coauthors.keys() & pb.coauthors.keys()) - {a, b}


def common_coauthors(
    a: str, pa: CollaborationProfileRecord, b: str, pb: CollaborationProfileRecord
) -> list[str]:
    """The common co-authors that count: the ``COMMON_LIMIT`` with the
    strongest ties to both (the smaller of the two shared-paper counts), then
    by id. Two hubs share thousands; each counted one is a paper count to read."""
    common = _all_common(a, pa, b, pb)
    return heapq.nsmallest(
        COMMON_LIMIT, common, key=lambda c: (-min(pa.coauthors[c], pb.coauthors[c]), c)
    )


def path_ends(
    a: str,
    pa: CollaborationProfileRecord,
    b: str,
    pb: CollaborationProfileRecord,
    strong_a: Sequence[str] | None = None,
) -> tuple[list[str], list[str]]:
    """The two sides of TWO_HOP_PATH (see ``fit``): a's strongest co-authors
    and b's, neither a common co-author nor a or b; ``strong_a``:
    ``strongest(pa, PATH_FANOUT)`` if already known."""
    common = set(common_coauthors(a, pa, b, pb))
    if strong_a is None:
        strong_a = strongest(pa, PATH_FANOUT)

    def keep(ids: Sequence[str]) -> list[str]:
        return [c for c in ids if c not in common and c not in (a, b)]

    return keep(strong_a), keep(strongest(pb, PATH_FANOUT))


def _damp(works: int) -> float:
    return 1.0 / math.log(1 + max(1, works))


def _common_weight(with_a: int, with_b: int, works: int) -> float:
    """A common co-author's weight from the papers they shared with each side
    and their own paper count (see the module's docstring)."""
    return W_COMMON * math.sqrt(with_a * with_b) * _damp(works)


def _shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: n / total for k, n in counts.items()} if total else {}


def _overlap(a: Mapping[str, int], b: Mapping[str, int]) -> list[tuple[str, float]]:
    sa, sb = _shares(a), _shares(b)
    return sorted(((k, min(sa[k], sb[k])) for k in sa.keys() & sb.keys()),
                  key=lambda kv: (-kv[1], kv[0]))  # fmt: skip


def _reason(
    kind: FitKind, parts: Sequence[tuple[str, float]], count: int | None = None
) -> FitReason | None:
    """One reason from its parts (node id, weight), strongest first; ``count``
    how many there are if more than the parts counted."""
    weight = round(sum(w for _, w in parts), DIGITS)
    if weight <= 0:
        return None
    ranked = sorted(parts, key=lambda p: (-p[1], p[0]))
    shown = tuple(n for n, _ in ranked[:VIA_LIMIT])
    return FitReason(kind, weight, shown, max(count or 0, len(parts)))


def fit(
    a: str,
    pa: CollaborationProfileRecord,
    b: str,
    pb: CollaborationProfileRecord,
    works: Mapping[str, int],
    links: Mapping[str, Mapping[str, int]],
    strong_a: Sequence[str] | None = None,
) -> Fit:
    """The fit of a and b from their profiles, the paper counts of their
    common co-authors and of both sides of ``path_ends`` (``works``), and the
    close co-authors of a's side (``links``); ``strong_a`` as for ``path_ends``."""
    common = set(common_coauthors(a, pa, b, pb))
    common_parts = [
        (c, _common_weight(pa.coauthors[c], pb.coauthors[c], works.get(c, 1))) for c in common
    ]

    # Paths c-d: c one of a's strongest, d one of b's, close co-authors themselves.
    via_pairs: list[tuple[float, str, str]] = []
    starts, ends = path_ends(a, pa, b, pb, strong_a)
    for c in starts:
        for d in ends:
            if c != d and d in links.get(c, {}):
                w = W_PATH * _damp(works.get(c, 1)) * _damp(works.get(d, 1))
                via_pairs.append((w, c, d))
    via_pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    path = None
    if via_pairs:
        weight = round(sum(w for w, _, _ in via_pairs), DIGITS)
        if weight > 0:
            # via: each path's two co-authors in turn (a's side first).
            via = [n for _, c, d in via_pairs[: VIA_LIMIT // 2] for n in (c, d)]
            path = FitReason(FitKind.TWO_HOP_PATH, weight, tuple(via), len(via_pairs))

    topics = [(t, W_TOPIC * s) for t, s in _overlap(pa.topics, pb.topics)]
    venues = [(venue_id(v), W_VENUE * s) for v, s in _overlap(pa.venues, pb.venues)]
    reasons = [
        r
        for r in (
            _reason(FitKind.COMMON_COAUTHOR, common_parts, len(_all_common(a, pa, b, pb))),
            path,
            _reason(FitKind.SHARED_TOPIC, topics),
            _reason(FitKind.COMPLEMENTARY_VENUE, venues),
        )
        if r is not None
    ]
    reasons.sort(key=lambda r: -r.weight)
    return Fit(a, b, round(sum(r.weight for r in reasons), DIGITS), tuple(reasons))


# --- what the fit reads --------------------------------------------------------------


class FitReads(Protocol):
    """The store reads the fit needs (a part of GraphStore; the link-prediction
    benchmark answers them from memory, so it measures this very code)."""

    async def collaboration_profiles(
        self, author_ids: Sequence[str]
    ) -> dict[str, CollaborationProfileRecord]: ...

    async def coauthored(self, author_id: str, candidate_ids: Sequence[str]) -> set[str]:
        """The candidates who wrote any paper with the author, whatever its
        team size (``coauthors`` holds close co-authors only)."""
        ...

    async def coauthor_weights(self, author_ids: Sequence[str]) -> dict[str, dict[str, int]]: ...

    async def work_counts(self, author_ids: Sequence[str]) -> dict[str, int]: ...

    async def paper_pages_of_topics(
        self,
        topic_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]: ...

    async def authors_of_papers(
        self, paper_ids: Sequence[str]
    ) -> dict[str, list[AuthorRecord]]: ...

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]: ...


async def _fits(
    store: FitReads,
    a: str,
    pa: CollaborationProfileRecord,
    others: Sequence[tuple[str, CollaborationProfileRecord]],
) -> list[Fit]:
    """The fits of a with each other author: two batch reads for them all."""
    counted: set[str] = set()
    starts: set[str] = set()
    strong_a = strongest(pa, PATH_FANOUT)  # once: a hub has tens of thousands
    for b, pb in others:
        counted.update(common_coauthors(a, pa, b, pb))
        mine, theirs = path_ends(a, pa, b, pb, strong_a)
        starts.update(mine)
        counted.update(mine, theirs)
    works, links = await asyncio.gather(
        store.work_counts(sorted(counted)) if counted else _nothing(dict),
        store.coauthor_weights(sorted(starts)) if starts else _nothing(dict),
    )
    return [fit(a, pa, b, pb, works, links, strong_a) for b, pb in others]


async def pair_fit(store: FitReads, a: str, b: str) -> Fit:
    """The fit of two existing, different authors: three batch reads."""
    profiles = await store.collaboration_profiles([a, b])
    pa, pb = profiles.get(a, EMPTY_PROFILE), profiles.get(b, EMPTY_PROFILE)
    (found,) = await _fits(store, a, pa, [(b, pb)])
    return found


def pool_size(first: int) -> int:
    """How many candidates are scored exactly for a list of ``first``."""
    return max(2 * first, 20)


def suggestible(author: AuthorRecord) -> bool:
    """Whether the author lets themself be suggested (``setSuggestible``)."""
    return author.suggestible


def rank_candidates(
    author_id: str,
    profile: CollaborationProfileRecord,
    via_coauthors: Iterable[tuple[str, Iterable[str]]],
    via_topics: Iterable[str],
    limit: int,
) -> list[str]:
    """The best ``limit`` candidate ids: by how many of the author's strongest
    co-authors lead to them (``via_coauthors``: each co-author with the ids
    they reach), then by how often they appear on the newest papers of the
    author's top topics, then by id. Never the author or an existing co-author."""
    links: Counter[str] = Counter()
    topic_hits: Counter[str] = Counter()

    def eligible(x: str) -> bool:
        return x != author_id and x not in profile.coauthors

    for _, reached in via_coauthors:
        links.update(x for x in set(reached) if eligible(x))
    topic_hits.update(x for x in via_topics if eligible(x))
    found = links.keys() | topic_hits.keys()
    return heapq.nsmallest(limit, found, key=lambda i: (-links[i], -topic_hits[i], i))


async def _reached(
    store: FitReads,
    author_id: str,
    profile: CollaborationProfileRecord,
    top_topics: Sequence[str],
    wanted: int,
) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Who the author's bridges lead to and, when that is fewer than
    ``wanted`` candidates, who wrote the newest papers on the top topics.

    Bridges are the strongest co-authors of at most ``BRIDGE_MAX_WORKS``
    papers: their whole co-author lists are read (friends of friends). A
    prolific co-author is no bridge: their list is thousands long, and as
    Adamic-Adar says, knowing them says little. Topic candidates rank after
    every friend of a friend, so they are read only when those are too few (a
    topic's newest papers are a sort over all of its papers)."""
    nearest = strongest(profile, BRIDGE_CANDIDATES)
    works = await store.work_counts(nearest) if nearest else {}
    bridges = [c for c in nearest if works.get(c, 0) <= BRIDGE_MAX_WORKS][:BRIDGES]
    maps = await store.coauthor_weights(bridges) if bridges else {}
    via = [(c, list(maps.get(c, ()))) for c in bridges]
    found = {x for _, xs in via for x in xs} - profile.coauthors.keys() - {author_id}
    topics = list(top_topics[:TOP_TOPICS]) if len(found) < wanted else []
    if not topics:
        return via, []
    by_topic = await store.paper_pages_of_topics(topics, PAPERS_PER_TOPIC, None)
    paper_ids = [p.id for page in by_topic.values() for p in page.items]
    authors = await store.authors_of_papers(list(dict.fromkeys(paper_ids))) if paper_ids else {}
    topical = [x.id for t in topics if t in by_topic for p in by_topic[t].items
               for x in authors.get(p.id, [])]  # fmt: skip
    return via, topical


async def _nothing(make: Callable[[], Any]) -> Any:
    return make()


async def suggest(store: FitReads, author_id: str, first: int) -> list[tuple[AuthorRecord, Fit]]:
    """Up to ``first`` authors the author has not written with, best fit first
    (only fits above 0): at most ten batch reads whatever the author's size.
    (Reading the author's path ends' co-authors while the candidates are
    found measured slower on the embedded store: 88 vs 75 ms cold.)"""
    profile = (await store.collaboration_profiles([author_id])).get(author_id, EMPTY_PROFILE)
    top_topics = [t for t, _ in sorted(profile.topics.items(), key=lambda kv: (-kv[1], kv[0]))]
    wanted = pool_size(first)
    via_coauthors, via_topics = await _reached(store, author_id, profile, top_topics, wanted)
    ranked = rank_candidates(author_id, profile, via_coauthors, via_topics, 2 * wanted)
    if not ranked:
        return []
    # Co-authors of big teams are no close co-authors, but never suggestions.
    written, records = await asyncio.gather(
        store.coauthored(author_id, ranked), store.get_authors(ranked)
    )
    pool = [records[i] for i in ranked
            if i not in written and i in records and suggestible(records[i])][:wanted]  # fmt: skip
    if not pool:
        return []
    profiles = await store.collaboration_profiles([x.id for x in pool])
    others = [(x.id, profiles.get(x.id, EMPTY_PROFILE)) for x in pool]
    fits = await _fits(store, author_id, profile, others)
    scored = [(x, f) for x, f in zip(pool, fits, strict=True) if f.score > 0]
    scored.sort(key=lambda xf: (-xf[1].score, xf[0].sort_key))
    return scored[:first]


# --- words -----------------------------------------------------------------------------


def _names(ids: Sequence[str], label: Callable[[str], str], total: int) -> str:
    shown = [label(i) for i in ids]
    more = total - len(shown)
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def explain(reason: FitReason, label: Callable[[str], str]) -> str:
    """One English line for a reason; ``label`` names a node id."""
    if reason.kind is FitKind.COMMON_COAUTHOR:
        many = "co-authors" if reason.count > 1 else "co-author"
        return f"{reason.count} {many} in common: {_names(reason.via, label, reason.count)}"
    if reason.kind is FitKind.TWO_HOP_PATH:
        pairs = [
            f"{label(c)} with {label(d)}"
            for c, d in zip(reason.via[::2], reason.via[1::2], strict=True)
        ]
        many = "paths" if reason.count > 1 else "path"
        more = reason.count - len(pairs)
        tail = f" and {more} more" if more > 0 else ""
        return (f"{reason.count} {many} through close co-authors who wrote together: "
                + "; ".join(pairs) + tail)  # fmt: skip
    if reason.kind is FitKind.SHARED_TOPIC:
        return f"Both write on {_names(reason.via, label, reason.count)}"
    return f"Both publish at {_names(reason.via, label, reason.count)}"
