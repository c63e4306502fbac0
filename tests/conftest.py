"""Shared fixtures: a real store per backend, embedded and Neo4j, in every run.

The Neo4j leg uses the database NEO4J_URI names; without it, a throwaway
Neo4j started with dev/neo4j/start for the session (Java and Maven needed);
without those, the leg is skipped with its reason, and with
PEERGRAPH_REQUIRE_NEO4J=1 (as in .ci/run) that skip is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from domain import trust
from graph_store.factory import StoreConfig, open_store
from graph_store.store import GraphStore
from tests import neo4j_server
from tests.neo4j_server import Neo4jServer
from tests.redis_server import redis_server

BACKENDS = ("embedded", "neo4j")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server for the session (tests/redis_server.py)."""
    yield from redis_server(tmp_path_factory.mktemp("redis"))


@pytest.fixture(scope="session")
def neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer | str]:
    """The session's Neo4j, or the reason there is none."""
    configured = neo4j_server.from_environment()
    if configured is not None:
        yield configured
        return
    missing = neo4j_server.missing_tools()
    if missing is not None:
        yield f"Neo4j leg skipped: NEO4J_URI is not set and {missing} to start one"
        return
    try:
        server = neo4j_server.start(tmp_path_factory.mktemp("neo4j-data"))
    except (RuntimeError, OSError) as e:
        # The embedded leg still runs; the Neo4j leg skips (or fails) with this.
        yield f"Neo4j leg skipped: dev/neo4j/start failed: {e}"
        return
    try:
        yield server
    finally:
        neo4j_server.stop(server)


def require_neo4j(neo4j: Neo4jServer | str) -> Neo4jServer:
    """The server, or skip (fail, when CI requires the leg) with the reason."""
    if isinstance(neo4j, str):
        if os.environ.get("PEERGRAPH_REQUIRE_NEO4J") == "1":
            pytest.fail(f"PEERGRAPH_REQUIRE_NEO4J=1 but {neo4j}")
        pytest.skip(neo4j)
    return neo4j


async def open_backend(backend: str, data_dir: Path, neo4j: Neo4jServer | str) -> GraphStore:
    """A fresh, empty, initialised store of ``backend``."""
    if backend == "neo4j":
        from graph_store.neo4j.store import Neo4jGraphStore

        n4j = Neo4jGraphStore(require_neo4j(neo4j).config(data_dir))
        await n4j.initialize()
        await n4j.wipe_for_tests()
        return n4j
    store = open_store(StoreConfig(data_dir=data_dir / "db", trust_model=trust.MODEL))
    await store.initialize()
    return store


@pytest.fixture(params=BACKENDS)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, neo4j: Neo4jServer | str
) -> AsyncIterator[GraphStore]:
    """A fresh, empty, initialised store of each backend."""
    s = await open_backend(request.param, tmp_path, neo4j)
    try:
        yield s
    finally:
        await s.close()
