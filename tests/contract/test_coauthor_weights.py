"""The COAUTHOR weights kept at import (graph_store/coauthors.py): after
``import_batch``, after a bulk load and after a bulk load cut short, each
author's close co-authors are exactly what their papers' teams say."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from neo4j import AsyncGraphDatabase

from domain import trust
from graph_store import coauthors
from graph_store.factory import StoreConfig, open_store
from graph_store.records import AuthorRecord, AuthorshipRow, ImportBatch, PaperKind, PaperRecord
from graph_store.store import GraphStore
from tests.conftest import Neo4jServer, open_backend, require_neo4j
from tests.contract.conftest import all_papers_of_authors

N = coauthors.TEAM_LIMIT


def _author(i: int) -> AuthorRecord:
    return AuthorRecord(f"author:cw-{i:03}", f"cw-{i:03}", f"Weight {i:03}")


def _paper(name: str) -> PaperRecord:
    return PaperRecord(f"paper:cw-{name}", f"Paper {name}", PaperKind.JOURNAL, year=2020)


def _batch(teams: dict[str, list[int]]) -> ImportBatch:
    """Papers named by key, written by the authors numbered in the list."""
    everyone = sorted({i for team in teams.values() for i in team})
    return ImportBatch(
        authors=tuple(_author(i) for i in everyone),
        papers=tuple(_paper(name) for name in teams),
        authorships=tuple(
            AuthorshipRow(_author(i).id, _paper(name).id, pos)
            for name, team in teams.items()
            for pos, i in enumerate(team, start=1)
        ),
    )


async def _weights(store: GraphStore, ids: list[str]) -> dict[str, dict[str, int]]:
    profiles = await store.collaboration_profiles(ids)
    return {i: profiles[i].coauthors for i in ids}


async def _expected(store: GraphStore, ids: list[str]) -> dict[str, dict[str, int]]:
    """The same, counted from the stored papers and their authors."""
    papers = {p.id for ps in (await all_papers_of_authors(store, ids)).values() for p in ps}
    teams = await store.authors_of_papers(sorted(papers))
    pairs = coauthors.weights([a.id for a in team] for team in teams.values())
    out: dict[str, dict[str, int]] = {i: {} for i in ids}
    for (a, b), n in pairs.items():
        for x, y in ((a, b), (b, a)):
            if x in out:
                out[x][y] = n
    return out


async def test_import_batch_counts_each_shared_paper_once(store: GraphStore) -> None:
    await store.import_batch(_batch({"p1": [1, 2, 3], "p2": [1, 2]}))
    one, two, three = (_author(i).id for i in (1, 2, 3))
    assert await _weights(store, [one, three]) == {
        one: {two: 2, three: 1},
        three: {one: 1, two: 1},
    }
    # The same rows again add nothing; a new author on p2 adds their pairs only.
    await store.import_batch(_batch({"p1": [1, 2, 3], "p2": [1, 2]}))
    await store.import_batch(_batch({"p2": [1, 2, 4]}))
    four = _author(4).id
    assert (await _weights(store, [one]))[one] == {two: 2, three: 1, four: 1}
    assert (await _weights(store, [four]))[four] == {one: 1, two: 1}
    ids = [_author(i).id for i in (1, 2, 3, 4)]
    assert await _weights(store, ids) == await _expected(store, ids)


async def test_imports_adding_to_one_team_at_once_count_each_pair_once(
    store: GraphStore,
) -> None:
    await store.import_batch(_batch({"race": [1, 2, 3]}))
    # Each names the paper only through an authorship (no paper row).
    adds = [
        ImportBatch(
            authors=(_author(i),), authorships=(AuthorshipRow(_author(i).id, _paper("race").id, i),)
        )
        for i in range(4, 10)
    ]
    await asyncio.gather(*(store.import_batch(b) for b in adds))
    ids = [_author(i).id for i in range(1, 10)]
    weights = await _weights(store, ids)
    assert weights[_author(1).id] == {_author(i).id: 1 for i in range(2, 10)}
    assert weights == await _expected(store, ids)


async def test_a_team_past_the_limit_stops_counting(store: GraphStore) -> None:
    await store.import_batch(_batch({"small": [1, 2], "team": list(range(1, N + 1))}))
    one, two = _author(1).id, _author(2).id
    assert (await _weights(store, [one]))[one][two] == 2
    # One more author makes "team" a consortium paper: its pairs lose it, and
    # a pair it alone made is gone.
    await store.import_batch(_batch({"team": [N + 1]}))
    weights = await _weights(store, [one, _author(3).id])
    assert weights[one] == {two: 1}
    assert weights[_author(3).id] == {}
    assert await store.coauthored(one, [_author(3).id, _author(N + 1).id, two, one]) == {
        _author(3).id,
        _author(N + 1).id,
        two,
    }


async def test_bulk_import_counts_at_its_end(store: GraphStore) -> None:
    await store.bulk_import(_batch({"b1": [1, 2, 3]}))
    await store.bulk_import(_batch({"b2": [1, 2], "b3": [2, 5]}))
    await store.finish_bulk_import()
    ids = [_author(i).id for i in (1, 2, 3, 5)]
    weights = await _weights(store, ids)
    assert weights[_author(2).id] == {_author(1).id: 2, _author(3).id: 1, _author(5).id: 1}
    assert weights == await _expected(store, ids)
    # A second load of the same rows changes no weight.
    await store.bulk_import(_batch({"b1": [1, 2, 3], "b2": [1, 2], "b3": [2, 5]}))
    await store.finish_bulk_import()
    assert await _weights(store, ids) == weights


async def _reopen(store: GraphStore, tmp_path: Path, neo4j: Neo4jServer | str) -> GraphStore:
    from graph_store.neo4j.store import Neo4jGraphStore

    await store.close()
    if isinstance(store, Neo4jGraphStore):
        again: GraphStore = Neo4jGraphStore(require_neo4j(neo4j).config(tmp_path))
    else:
        again = open_store(StoreConfig(data_dir=tmp_path / "db", trust_model=trust.MODEL))
    await again.initialize()
    return again


async def test_a_bulk_load_cut_short_is_counted_at_the_next_start(
    store: GraphStore, tmp_path: Path, neo4j: Neo4jServer | str
) -> None:
    await store.bulk_import(_batch({"c1": [7, 8, 9]}))
    seven, eight, nine = (_author(i).id for i in (7, 8, 9))
    # No finish_bulk_import: the process stopped. (The embedded store counts
    # at the end of a load, Neo4j after each chunk.)
    again = await _reopen(store, tmp_path, neo4j)
    try:
        assert (await _weights(again, [seven]))[seven] == {eight: 1, nine: 1}
    finally:
        await again.close()


async def test_neo4j_counts_a_database_from_before_the_weights_once(
    tmp_path: Path, neo4j: Neo4jServer | str
) -> None:
    """The first start after the upgrade to schema v6 flags every paper and
    counts each once; a second start counts nothing again. (The embedded
    store's recount is tested through a bulk load cut short.)"""
    store = await open_backend("neo4j", tmp_path, neo4j)
    await store.import_batch(_batch({"m1": [1, 2, 3], "m2": [1, 2]}))
    await store.bulk_import(_batch({"m3": [2, 3]}))
    await store.finish_bulk_import()
    one, two, three = (_author(i).id for i in (1, 2, 3))
    expected = {one: {two: 2, three: 1}, two: {one: 2, three: 2}}
    assert await _weights(store, [one, two]) == expected
    server = require_neo4j(neo4j)
    async with AsyncGraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver:
        # As a database made before v6: no pairs, no paper flags.
        await driver.execute_query("MATCH ()-[c:COAUTHOR]->() DELETE c")
        await driver.execute_query("MATCH (p:Paper) REMOVE p.unpaired")
        await driver.execute_query("MATCH (v:PeerGraphSchema) SET v.version = 5")
    for _ in range(2):
        store = await _reopen(store, tmp_path, neo4j)
        assert await _weights(store, [one, two]) == expected
    await store.close()


@pytest.mark.parametrize("team", [2, N])
async def test_coauthored_sees_any_team(store: GraphStore, team: int) -> None:
    await store.import_batch(_batch({"t": list(range(1, team + 1)), "alone": [90]}))
    one = _author(1).id
    others = [_author(i).id for i in (2, 90, 91)]
    assert await store.coauthored(one, others) == {_author(2).id}
    assert await store.coauthored(one, []) == set()
