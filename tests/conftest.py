"""Shared fixtures: a real store per backend (embedded always, Neo4j when configured)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph_store.factory import StoreConfig, open_store
from graph_store.store import GraphStore

NEO4J_SKIP_REASON = (
    "Neo4j leg skipped: NEO4J_URI is not set (set NEO4J_URI, NEO4J_USER, "
    "NEO4J_PASSWORD to run the contract suite against a Neo4j 5 server)"
)


def neo4j_config(tmp: Path) -> StoreConfig:
    return StoreConfig(
        data_dir=tmp,
        neo4j_uri=os.environ["NEO4J_URI"],
        neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD", ""),
        neo4j_database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )


@pytest.fixture(params=["embedded", "neo4j"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[GraphStore]:
    """A fresh, empty, initialised store of each backend."""
    if request.param == "neo4j":
        if not os.environ.get("NEO4J_URI"):
            pytest.skip(NEO4J_SKIP_REASON)
        from graph_store.neo4j.store import Neo4jGraphStore

        s: GraphStore = Neo4jGraphStore(neo4j_config(tmp_path))
        await s.initialize()
        await s.wipe_for_tests()  # type: ignore[attr-defined]
    else:
        s = open_store(StoreConfig(data_dir=tmp_path / "db"))
        await s.initialize()
    try:
        yield s
    finally:
        await s.close()
