"""Batch look-ups on the embedded store go through primary-key indexes, read
from LadybugDB's own plans (EXPLAIN), not a scan of the table."""

from __future__ import annotations

import asyncio

import ladybug as lb
import pytest

from graph_store.embedded import queries as Q
from graph_store.embedded.connection import DB_FILE_NAME
from graph_store.embedded.store import EmbeddedGraphStore

# Look-ups by a key: each must be primary-key lookups only.
BY_KEY = {
    "AUTHORS_BY_ID": (Q.AUTHORS_BY_ID, {"ids": ["author:a"]}),
    "AUTHORS_BY_SLUG": (Q.AUTHORS_BY_SLUG, {"slugs": ["a"]}),
    "SLUGS_TAKEN": (Q.SLUGS_TAKEN, {"slugs": ["a"]}),
    "EXISTING_AUTHORS": (Q.EXISTING_AUTHORS, {"ids": ["author:a"]}),
    "EXISTING_PAPERS": (Q.EXISTING_PAPERS, {"ids": ["paper:a"]}),
    "PAPERS_BY_ID": (Q.PAPERS_BY_ID, {"ids": ["paper:a"]}),
    "TOPICS_BY_ID": (Q.TOPICS_BY_ID, {"ids": ["topic:a"]}),
    "USERS_BY_ID": (Q.USERS_BY_ID, {"ids": ["user:a"]}),
}


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> lb.Connection:
    data_dir = tmp_path_factory.mktemp("plans")

    async def create() -> None:
        store = EmbeddedGraphStore(data_dir)
        await store.initialize()
        await store.close()

    asyncio.run(create())
    return lb.Connection(lb.Database(str(data_dir / DB_FILE_NAME)))


def _plan(conn: lb.Connection, query: str, params: dict[str, object]) -> str:
    result = conn.execute("EXPLAIN " + query, params)
    return str(result.get_all()[0][0])


@pytest.mark.parametrize("name", sorted(BY_KEY))
def test_look_ups_by_key_use_primary_key_indexes(conn: lb.Connection, name: str) -> None:
    query, params = BY_KEY[name]
    plan = _plan(conn, query, params)
    assert "QUERY_PRIMARY_KEY_LOOKUP" in plan
    assert "SCAN_NODE_TABLE" not in plan  # no table is read whole


def test_a_slug_filter_on_the_author_table_would_scan(conn: lb.Connection) -> None:
    # The contrast that makes the test above mean something.
    plan = _plan(conn, "MATCH (a:Author) WHERE a.slug IN $slugs RETURN a", {"slugs": ["a"]})
    assert "QUERY_PRIMARY_KEY_LOOKUP" not in plan and "SCAN_NODE_TABLE" in plan
