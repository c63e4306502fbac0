"""Collaboration profiles kept between requests (domain/fit_cache.py): the
store's profile generation moves with every write that can change a profile
and with no other, and a cached profile is never served once it has moved."""

from __future__ import annotations

from domain.fit_cache import FitCache
from graph_store.records import (
    AuthorshipRow,
    CorrectionStatus,
    ImportBatch,
    PaperKind,
    PaperRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import BAO, DONG, P2, at, make_user
from tests.contract.test_corrections import correction

NEW = "paper:fc-new"


def _new_paper(*authors: str, paper_id: str = NEW) -> ImportBatch:
    return ImportBatch(
        papers=(PaperRecord(paper_id, "A new paper", PaperKind.JOURNAL, year=2025),),
        authorships=tuple(AuthorshipRow(a, paper_id, i) for i, a in enumerate(authors, 1)),
    )


async def test_the_generation_moves_with_profile_writes_only(graph: GraphStore) -> None:
    start = await graph.profile_generation()
    # The social layer is no part of a profile.
    await graph.create_user(make_user(1))
    await graph.follow("user:u1", BAO, at(1))
    await graph.create_correction(correction(1, P2, "venue", "ICML"))
    assert await graph.profile_generation() == start

    await graph.import_batch(_new_paper(BAO))
    imported = await graph.profile_generation()
    assert imported != start

    # An applied correction may move a paper to another venue.
    await graph.decide_correction(
        "corr:k1", CorrectionStatus.APPLIED, "user:u9", None, at(2), ("venue", "ICML")
    )
    corrected = await graph.profile_generation()
    assert corrected != imported
    assert (await graph.collaboration_profiles([DONG]))[DONG].venues.get("ICML") == 1

    await graph.bulk_import(_new_paper(BAO, DONG, paper_id="paper:fc-bulk"))
    loaded = await graph.profile_generation()
    assert loaded != corrected
    await graph.finish_bulk_import()
    # The embedded store counts a load's pairs here: that moves it again.
    finished = await graph.profile_generation()
    assert finished not in {start, imported, corrected}


async def test_a_cached_profile_is_served_until_a_write_changes_it(graph: GraphStore) -> None:
    cache = FitCache(10_000)
    reads = await cache.reads(graph)
    first = await reads.collaboration_profiles([BAO, DONG])
    assert cache.misses == 2 and cache.hits == 0
    # Another request of the same generation reads nothing again; the weights
    # and paper counts come from the same entries or their own.
    again = await (await cache.reads(graph)).collaboration_profiles([BAO, DONG])
    assert again == first and cache.hits == 2
    weights = await (await cache.reads(graph)).coauthor_weights([BAO])
    assert weights[BAO] == first[BAO].coauthors and cache.hits == 3

    # Bao and Dong write one more paper together: the next request sees it.
    await graph.import_batch(_new_paper(BAO, DONG))
    fresh = await (await cache.reads(graph)).collaboration_profiles([BAO])
    assert fresh[BAO].coauthors[DONG] == first[BAO].coauthors[DONG] + 1
    assert cache.misses == 3
    # So does it after a bulk load: on the embedded store the pairs are
    # counted at its end, after the chunk had moved the generation once.
    await graph.bulk_import(_new_paper(BAO, DONG, paper_id="paper:fc-bulk"))
    await graph.finish_bulk_import()
    loaded = await (await cache.reads(graph)).coauthor_weights([BAO])
    assert loaded[BAO][DONG] == first[BAO].coauthors[DONG] + 2


async def test_a_request_of_an_older_generation_stores_nothing(graph: GraphStore) -> None:
    before = (await graph.collaboration_profiles([BAO]))[BAO].coauthors[DONG]
    cache = FitCache(10_000)
    old = await cache.reads(graph)
    await graph.import_batch(_new_paper(BAO, DONG))
    await cache.reads(graph)  # a newer request: the cache moves on
    # The older request reads the new data (its generation cannot say so),
    # and keeps none of it.
    seen = await old.collaboration_profiles([BAO])
    assert seen[BAO].coauthors[DONG] == before + 1
    assert cache.cost == 0


async def test_the_budget_drops_the_least_recently_used(graph: GraphStore) -> None:
    whole = await graph.collaboration_profiles([BAO, DONG])
    cost = {a: 1 + len(p.coauthors) + len(p.topics) + len(p.venues) for a, p in whole.items()}
    cache = FitCache(max(cost.values()) + 1)  # room for one profile
    reads = await cache.reads(graph)
    await reads.collaboration_profiles([BAO])
    await reads.collaboration_profiles([DONG])
    assert cache.cost == cost[DONG] <= cache.budget
    await reads.collaboration_profiles([DONG])
    assert cache.hits == 1
    await reads.collaboration_profiles([BAO])  # dropped: read again
    assert cache.misses == 3
    # Off: the store's own reads.
    assert await FitCache(0).reads(graph) is graph
