"""Fixtures of the social-flow tests: a fresh seeded store per test (embedded:
copied from one seeded template; Neo4j: wiped and seeded again), a moderator
made the CLI way, the app over HTTP."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from domain import trust
from domain.accounts import create_user_command
from graph_store.embedded.store import EmbeddedGraphStore
from graph_store.store import GraphStore
from tests.api.conftest import GraphQLClient, client_for, seeded_store
from tests.api.social.helpers import (
    INVITATIONS_PER_DAY,
    LOG_IN,
    MODERATOR_EMAIL,
    MODERATOR_PASSWORD,
    Session,
    World,
)
from tests.conftest import BACKENDS
from tests.neo4j_server import Neo4jServer


@pytest.fixture(scope="session")
async def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("social-template")
    store = await seeded_store(base)
    await store.close()
    return base / "db"


@pytest.fixture(params=BACKENDS)
async def world(
    request: pytest.FixtureRequest,
    seeded_template: Path,
    tmp_path: Path,
    neo4j: Neo4jServer | str,
) -> AsyncIterator[World]:
    """A fresh seeded store of each backend, a moderator made the CLI way, and
    the app over HTTP."""
    store: GraphStore
    if request.param == "embedded":
        shutil.copytree(seeded_template, tmp_path / "db")
        store = EmbeddedGraphStore(tmp_path / "db", trust_model=trust.MODEL)
        await store.initialize()
    else:
        store = await seeded_store(tmp_path, request.param, neo4j)
    await create_user_command(store, MODERATOR_EMAIL, MODERATOR_PASSWORD, "Mia Moderator", True)
    settings = Settings(env="test", data_dir=tmp_path, invitations_per_day=INVITATIONS_PER_DAY)
    try:
        async with client_for(create_app(settings, store)) as http:
            w = World(gql=GraphQLClient(http), store=store, settings=settings)
            p = await w.payload(
                LOG_IN, {"input": {"email": MODERATOR_EMAIL, "password": MODERATOR_PASSWORD}}
            )
            w.moderator = Session(token=p["token"], user_id=p["user"]["id"])
            yield w
    finally:
        await store.close()
