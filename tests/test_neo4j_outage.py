"""Outages on a real Neo4j, through the real ASGI app and its lifespan.

These tests start and stop their own Neo4j (own port, own data folder), never
the session's shared one. The first test needs it down at first and starts it;
the second finds it up, stops it and starts it again on the same data, so in
file order the module costs two starts and two stops. The last tests need no
Neo4j: the start-up retry loop itself, and the same paths on the embedded store.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.auth import issue_token
from api.availability import StoreSlot, bring_up
from api.errors import SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE
from api.settings import Settings
from graph_store.embedded.store import EmbeddedGraphStore
from graph_store.errors import StoreError, StoreUnavailable
from graph_store.records import Role, UserRecord, utcnow
from graph_store.store import GraphStore
from tests import neo4j_server
from tests.api.conftest import GraphQLClient, client_for
from tests.conftest import require_neo4j
from tests.neo4j_server import DEV_PASSWORD, Neo4jServer

OUTAGE_ANSWER_SECONDS = 5.0
RECOVERY_SECONDS = 30.0

COUNT = "{ authors { totalCount } }"
VIEWER = "{ viewer { displayName } authors { totalCount } }"
AUTHOR = '{ author(slug: "hangbo-bao") { name } authors { totalCount } }'
SIGN_UP = """mutation($i: SignUpInput!) {
  signUp(input: $i) { token userErrors { code message } }
}"""


@dataclass
class OwnNeo4j:
    """A Neo4j these tests start and stop themselves."""

    port: int
    root: Path
    data_dir: Path
    up: bool = False
    _dirs: Iterator[int] = field(default_factory=lambda: count(1))

    @property
    def server(self) -> Neo4jServer:
        return Neo4jServer(
            uri=f"bolt://127.0.0.1:{self.port}",
            user="neo4j",
            password=DEV_PASSWORD,
            port=self.port,
            data_dir=self.data_dir,
        )

    async def start(self) -> None:
        await asyncio.to_thread(neo4j_server.start, self.data_dir, self.port)
        self.up = True

    async def stop(self) -> None:
        await asyncio.to_thread(neo4j_server.stop, self.server)
        self.up = False

    async def down_and_empty(self) -> None:
        """Stopped, with a fresh data folder for its next start."""
        if self.up:
            await self.stop()
        self.data_dir = self.root / f"data-{next(self._dirs)}"


@pytest.fixture(scope="module")
def own_neo4j(
    neo4j: Neo4jServer | str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnNeo4j]:
    require_neo4j(neo4j)
    missing = neo4j_server.missing_tools()
    if missing is not None:  # NEO4J_URI names a server, but we cannot start our own
        reason = f"outage tests start their own Neo4j, but {missing}"
        if os.environ.get("PEERGRAPH_REQUIRE_NEO4J") == "1":
            pytest.fail(f"PEERGRAPH_REQUIRE_NEO4J=1 but {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("outage-neo4j")
    own = OwnNeo4j(port=neo4j_server.free_port(), root=root, data_dir=root / "data-0")
    try:
        yield own
    finally:
        if own.up:
            neo4j_server.stop(own.server)


def settings_on(own: OwnNeo4j, tmp: Path) -> Settings:
    s = own.server
    return Settings(
        env="test",
        data_dir=tmp,
        neo4j_uri=s.uri,
        neo4j_user=s.user,
        neo4j_password=s.password,
        neo4j_database=s.database,
    )


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Run the app's ASGI lifespan as uvicorn does; start-up must not wait for the store."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(outbox.get(), 2.0)
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        stopped = await asyncio.wait_for(outbox.get(), 10.0)
        assert stopped["type"] == "lifespan.shutdown.complete", stopped
        await task


async def timed(work: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    response = await work
    return response, time.monotonic() - start


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within} s")
        await asyncio.sleep(0.5)


async def ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


def assert_unavailable(response: httpx.Response, elapsed: float, own: OwnNeo4j | None) -> None:
    """A JSON GraphQL error with the outage code and our fixed message, fast."""
    assert elapsed < OUTAGE_ANSWER_SECONDS, f"answered after {elapsed:.1f} s"
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert body["data"] is None, body
    assert body["errors"], body
    for error in body["errors"]:
        assert error["extensions"]["code"] == SERVICE_UNAVAILABLE, body
        assert error["message"] == UNAVAILABLE_MESSAGE, body
    # Masked: nothing from the driver (its address, its wording) reaches the client.
    leaks = ["Neo4j", "connect", "127.0.0.1", "embedded"] + ([str(own.port)] if own else [])
    for leak in leaks:
        assert leak not in response.text, response.text


def post(http: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def test_the_app_starts_while_neo4j_is_down_and_serves_once_it_is_up(
    own_neo4j: OwnNeo4j, tmp_path: Path
) -> None:
    await own_neo4j.down_and_empty()
    settings = settings_on(own_neo4j, tmp_path)
    app = create_app(settings, seed_if_empty=True)
    # A token for nobody: the request must fail on the store, not on the token.
    ghost = UserRecord("user:ghost", "ghost@example.org", "Ghost", "x", Role.MEMBER, utcnow())
    token = issue_token(ghost, settings)
    async with lifespan(app), client_for(app) as http:
        assert (await http.get("/healthz")).status_code == 200
        down, elapsed = await timed(http.get("/readyz"))
        assert down.status_code == 503 and down.json() == {
            "status": "unavailable",
            "reason": "the database does not answer",
        }
        assert elapsed < OUTAGE_ANSWER_SECONDS
        assert_unavailable(*await timed(post(http, COUNT)), own_neo4j)
        assert_unavailable(*await timed(post(http, COUNT, token)), own_neo4j)

        await own_neo4j.start()  # on the port the app has been trying all along
        await eventually(lambda: ready(http), RECOVERY_SECONDS, "ready after Neo4j started")
        # The start-up task seeded the empty database.
        data = await GraphQLClient(http).data(AUTHOR)
        assert data == {"author": {"name": "Hangbo Bao"}, "authors": {"totalCount": 15}}


async def test_an_outage_answers_fast_and_the_same_app_recovers(
    own_neo4j: OwnNeo4j, tmp_path: Path
) -> None:
    if not own_neo4j.up:
        await own_neo4j.start()
    app = create_app(settings_on(own_neo4j, tmp_path), seed_if_empty=True)
    async with lifespan(app), client_for(app) as http:
        await eventually(lambda: ready(http), RECOVERY_SECONDS, "ready on a running Neo4j")
        gql = GraphQLClient(http)
        signed_up = await gql.data(
            SIGN_UP,
            {"i": {"email": "ada@example.org", "password": "correct horse battery",
                   "displayName": "Ada"}},
        )  # fmt: skip
        token = signed_up["signUp"]["token"]
        assert token, signed_up
        expected = {"viewer": {"displayName": "Ada"}, "authors": {"totalCount": 15}}
        assert await gql.data(VIEWER, token=token) == expected

        await own_neo4j.stop()
        down, elapsed = await timed(http.get("/readyz"))
        assert down.status_code == 503 and down.json() == {
            "status": "unavailable",
            "reason": "the database does not answer",
        }
        assert elapsed < OUTAGE_ANSWER_SECONDS
        assert (await http.get("/healthz")).status_code == 200
        assert_unavailable(*await timed(post(http, COUNT)), own_neo4j)
        # Signed in: the viewer lookup itself hits the down store.
        assert_unavailable(*await timed(post(http, VIEWER, token)), own_neo4j)
        # A write: the driver's retry loop alone could take longer than 5 s.
        bob = {"email": "bob@example.org", "password": "correct horse battery",
               "displayName": "Bob"}  # fmt: skip
        assert_unavailable(*await timed(post(http, SIGN_UP, i=bob)), own_neo4j)

        await own_neo4j.start()  # same data folder, same port; the app is not restarted
        recovered: dict[str, Any] = {}

        async def serves() -> bool:
            body = (await post(http, VIEWER, token)).json()
            recovered.update(body)
            return "errors" not in body and await ready(http)

        await eventually(serves, RECOVERY_SECONDS, "serving again after Neo4j restarted")
        assert recovered == {"data": expected}


# --------------------------------------------------------------------------- no Neo4j needed


async def test_start_up_retries_with_a_capped_backoff() -> None:
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    failures: list[Exception] = [StoreUnavailable("down")] * 7 + [StoreError("wrong password")]
    store: Any = object()

    async def prepare(s: GraphStore) -> None:
        assert s is store
        if failures:
            raise failures.pop(0)

    slot = StoreSlot()
    await bring_up(store, slot, prepare, sleep=no_wait)
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert slot.get() is store


async def test_an_unexpected_start_up_error_is_not_retried() -> None:
    attempts = 0

    async def prepare(s: GraphStore) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("a bug")

    slot = StoreSlot()
    await bring_up(object(), slot, prepare)  # type: ignore[arg-type]
    assert attempts == 1
    with pytest.raises(StoreUnavailable):
        slot.get()


async def test_the_embedded_store_opens_and_seeds_in_the_background(tmp_path: Path) -> None:
    app = create_app(Settings(env="test", data_dir=tmp_path), seed_if_empty=True)
    async with lifespan(app), client_for(app) as http:
        await eventually(lambda: ready(http), RECOVERY_SECONDS, "embedded store ready")
        data = await GraphQLClient(http).data(AUTHOR)
        assert data == {"author": {"name": "Hangbo Bao"}, "authors": {"totalCount": 15}}


async def test_a_signed_in_request_on_a_closed_store_gets_the_outage_error(
    tmp_path: Path,
) -> None:
    store = EmbeddedGraphStore(tmp_path / "db")
    await store.initialize()
    async with client_for(create_app(Settings(env="test", data_dir=tmp_path), store)) as http:
        bob = {"email": "bob@example.org", "password": "correct horse battery",
               "displayName": "Bob"}  # fmt: skip
        token = (await GraphQLClient(http).data(SIGN_UP, {"i": bob}))["signUp"]["token"]
        await store.close()
        assert_unavailable(*await timed(post(http, COUNT)), None)
        # The viewer lookup fails before execution: the same JSON error, not a text 500.
        assert_unavailable(*await timed(post(http, VIEWER, token)), None)
