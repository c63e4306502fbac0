"""HTTP fixtures: the real ASGI app over a real, seeded store of each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from graph_store.store import GraphStore
from seeds.loader import default_seed_paths, load_pages
from tests.conftest import BACKENDS, open_backend
from tests.neo4j_server import Neo4jServer


def settings_for(tmp: Path) -> Settings:
    return Settings(env="test", data_dir=tmp)


async def seeded_store(
    tmp: Path, backend: str = "embedded", neo4j: Neo4jServer | str = "no Neo4j asked for"
) -> GraphStore:
    store = await open_backend(backend, tmp, neo4j)
    await load_pages(store, default_seed_paths())
    return store


class GraphQLClient:
    """What a frontend does: POST /graphql with JSON, maybe a bearer token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.headers["content-type"].startswith("application/json"), response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a query that must succeed without errors."""
        body = await self.post(query, variables, token)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture(scope="module", params=BACKENDS)
async def read_store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    neo4j: Neo4jServer | str,
) -> AsyncIterator[GraphStore]:
    """One seeded store of each backend shared by the read-only tests of a module."""
    store = await seeded_store(tmp_path_factory.mktemp("read"), request.param, neo4j)
    yield store
    await store.close()


@pytest.fixture
async def http(read_store: GraphStore, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(create_app(settings_for(tmp_path), read_store)) as client:
        yield client


@pytest.fixture
async def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)
