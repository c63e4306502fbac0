"""What collaboration fits read, kept across requests while the graph stays.

A suggestion list scores its candidates with their whole profiles
(co-authors, topics, venues), and a typical author's best candidates are
hubs with thousands of co-authors: read cold, those profiles are most of a
list's time, and the same hubs come back in many researchers' lists.
Profiles change only when authorships, topics or venues do, and the store
says when that may have happened (``GraphStore.profile_generation``), so a
profile read once serves every request of the same generation.

Correctness rests on one order: a request reads the generation first, then
the data. A write that commits in between has moved the generation (in its
own transaction on Neo4j; right after its commit on the embedded store),
so data read under generation G is never served once G has passed.

The cache is bounded by ``budget`` items (a profile costs its co-authors,
topics and venues, a paper count one) and drops the least recently used
first; ``budget`` 0 turns it off.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from domain.collaboration_fit import FitReads
from graph_store.records import (
    AuthorRecord,
    CollaborationProfileRecord,
    Page,
    PaperRecord,
)

V = TypeVar("V")

PROFILE, WEIGHTS, WORKS = "profile", "weights", "works"


class GenerationReads(FitReads, Protocol):
    async def profile_generation(self) -> str: ...


class FitCache:
    """One per process. Entries are shared between requests: callers never
    change what a read returns."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._generation: str | None = None
        self._entries: OrderedDict[tuple[str, str], tuple[object, int]] = OrderedDict()
        self._cost = 0
        self.hits = 0
        self.misses = 0

    @property
    def cost(self) -> int:
        """The items held (see the module's docstring)."""
        return self._cost

    async def reads(self, store: GenerationReads) -> FitReads:
        """The fit reads for one request: ``store``'s, served from the cache
        where it holds the current generation's answer."""
        if self.budget <= 0:
            return store
        generation = await store.profile_generation()
        if generation != self._generation:
            # Another generation's entries can never be served again.
            self._entries.clear()
            self._cost = 0
            self._generation = generation
        return _CachedReads(store, self, generation)

    def get(self, generation: str, kind: str, key: str) -> object | None:
        if generation != self._generation:
            return None
        found = self._entries.get((kind, key))
        if found is None:
            return None
        self._entries.move_to_end((kind, key))
        return found[0]

    def put(self, generation: str, kind: str, key: str, value: object, cost: int) -> None:
        # A request that started under an older generation must not store
        # what it read: it may predate a write the current one has seen.
        if generation != self._generation or cost > self.budget:
            return
        for held in ((kind, key), (WEIGHTS, key)) if kind == PROFILE else ((kind, key),):
            # A profile holds the weights too: they are not kept twice.
            old = self._entries.pop(held, None)
            if old is not None:
                self._cost -= old[1]
        self._entries[(kind, key)] = (value, cost)
        self._cost += cost
        while self._cost > self.budget:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._cost -= dropped


def _profile_cost(p: CollaborationProfileRecord) -> int:
    return 1 + len(p.coauthors) + len(p.topics) + len(p.venues)


class _CachedReads:
    """``FitReads`` of one request: profiles, co-author weights and paper
    counts through the cache; the rest straight from the store."""

    def __init__(self, store: GenerationReads, cache: FitCache, generation: str) -> None:
        self._store = store
        self._cache = cache
        self._generation = generation

    async def _through(
        self,
        kind: str,
        ids: Sequence[str],
        cached: Callable[[str], V | None],
        read: Callable[[list[str]], Awaitable[Mapping[str, V]]],
        cost: Callable[[V], int],
    ) -> dict[str, V]:
        out: dict[str, V] = {}
        missing: list[str] = []
        for i in dict.fromkeys(ids):
            found = cached(i)
            if found is None:
                missing.append(i)
            else:
                out[i] = found
        self._cache.hits += len(out)
        self._cache.misses += len(missing)
        if missing:
            fresh = await read(missing)
            for i, value in fresh.items():
                self._cache.put(self._generation, kind, i, value, cost(value))
            out.update(fresh)
        return out

    def _cached(self, kind: str, key: str) -> object | None:
        return self._cache.get(self._generation, kind, key)

    async def collaboration_profiles(
        self, author_ids: Sequence[str]
    ) -> dict[str, CollaborationProfileRecord]:
        def cached(i: str) -> CollaborationProfileRecord | None:
            found = self._cached(PROFILE, i)
            return found if isinstance(found, CollaborationProfileRecord) else None

        return await self._through(
            PROFILE, author_ids, cached, self._store.collaboration_profiles, _profile_cost
        )

    async def coauthor_weights(self, author_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        def cached(i: str) -> dict[str, int] | None:
            # A profile read holds the weights too.
            found = self._cached(PROFILE, i)
            if isinstance(found, CollaborationProfileRecord):
                return found.coauthors
            weights = self._cached(WEIGHTS, i)
            return weights if isinstance(weights, dict) else None

        return await self._through(
            WEIGHTS, author_ids, cached, self._store.coauthor_weights, lambda w: 1 + len(w)
        )

    async def work_counts(self, author_ids: Sequence[str]) -> dict[str, int]:
        def cached(i: str) -> int | None:
            found = self._cached(WORKS, i)
            return found if isinstance(found, int) else None

        return await self._through(WORKS, author_ids, cached, self._store.work_counts, lambda _: 1)

    # Not kept: answers about one author and a list, or about the social
    # layer (``suggestible`` changes without a profile write).
    async def coauthored(self, author_id: str, candidate_ids: Sequence[str]) -> set[str]:
        return await self._store.coauthored(author_id, candidate_ids)

    async def paper_pages_of_topics(
        self,
        topic_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        return await self._store.paper_pages_of_topics(
            topic_ids, first, after, before=before, from_end=from_end
        )

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        return await self._store.authors_of_papers(paper_ids)

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._store.get_authors(ids)
