"""A request that runs long is cancelled at its deadline, and what it held is freed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings
from graph_store.embedded.store import EmbeddedGraphStore
from graph_store.errors import StoreUnavailable
from graph_store.store import GraphStore
from tests.api.conftest import client_for
from tests.api.live import serving, ws_client

DEADLINE = 0.5


async def test_a_request_past_its_deadline_is_cancelled_with_a_clear_error(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store call that never answers (injected into the real store) is
    cancelled at PEERGRAPH_REQUEST_TIMEOUT: the client gets REQUEST_TIMEOUT,
    the call's coroutine is cancelled (nothing keeps waiting for a client that
    was answered), and the server goes on serving."""
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def never_answers(*args: Any, **kwargs: Any) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    monkeypatch.setattr(store, "search", never_answers)
    settings = Settings(env="test", data_dir=tmp_path, request_timeout=DEADLINE)
    async with client_for(create_app(settings, store)) as http:
        t0 = time.monotonic()
        response = await http.post("/graphql", json={"query": '{ search(query: "bao") { score } }'})
        elapsed = time.monotonic() - t0
        body = response.json()
        assert response.status_code == 200 and body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
        assert f"{DEADLINE:g} s deadline" in error["message"]
        assert started.is_set() and cancelled.is_set()
        assert DEADLINE <= elapsed < DEADLINE + 2.0
        ok = (await http.post("/graphql", json={"query": "{ __typename }"})).json()
        assert ok == {"data": {"__typename": "Query"}}


def test_the_deadline_is_configurable_and_checked() -> None:
    assert Settings.from_env({"PEERGRAPH_REQUEST_TIMEOUT": "12.5"}).request_timeout == 12.5
    # Shorter than a store call may take: an outage would answer REQUEST_TIMEOUT.
    with pytest.raises(ValueError, match=r"must be longer than a store call may take \(4 s"):
        Settings.from_env({"PEERGRAPH_REQUEST_TIMEOUT": "4"})
    with pytest.raises(ValueError, match=r"\(9 s"):
        Settings.from_env({"PEERGRAPH_REQUEST_TIMEOUT": "9", "PEERGRAPH_WRITE_TIMEOUT": "9"})
    assert Settings.from_env({}).request_timeout == 10.0
    assert Settings.from_env({}).store_config().statement_timeout == 10.0
    with pytest.raises(ValueError, match="PEERGRAPH_REQUEST_TIMEOUT"):
        Settings.from_env({"PEERGRAPH_REQUEST_TIMEOUT": "0"})


# Three nested UNWINDs: 27 billion rows, stopped by the engine between morsels.
# (One big range() would be built whole before any check: not a fair probe.)
HEAVY_READ = (
    "UNWIND range(1, 3000) AS i UNWIND range(1, 3000) AS j UNWIND range(1, 3000) AS k "
    "WITH i + j + k AS s WHERE s % 7 = 3 RETURN count(*)"
)


async def test_the_embedded_engine_stops_a_read_at_the_statement_timeout(tmp_path: Path) -> None:
    """A cancelled request cannot stop the thread running its statement, so
    LadybugDB stops the statement itself at the same bound: the reader thread
    is free again and the store goes on answering."""
    store = EmbeddedGraphStore(tmp_path, read_threads=1, statement_timeout=0.3)
    await store.initialize()
    try:
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable, match="stopped after 300 ms"):
            await store._read(lambda conn: conn.scalar(HEAVY_READ))
        assert time.monotonic() - t0 < 5.0
        # The one reader thread is free: the next read answers.
        assert await store.author_count() == 0
    finally:
        await store.close()


async def test_a_query_over_the_websocket_has_the_same_deadline(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graphql-transport-ws runs queries and mutations too: one still running
    at PEERGRAPH_REQUEST_TIMEOUT is cancelled there as over HTTP (an error
    message with REQUEST_TIMEOUT), and the socket goes on serving."""
    cancelled = asyncio.Event()

    async def never_answers(*args: Any, **kwargs: Any) -> Any:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    monkeypatch.setattr(store, "search", never_answers)
    settings = Settings(env="test", data_dir=tmp_path, request_timeout=DEADLINE)
    async with serving(create_app(settings, store)) as url, ws_client(url) as ws:
        t0 = time.monotonic()
        op = await ws.subscribe('query S { search(query: "bao") { score } }')
        message = await ws.receive(timeout=DEADLINE + 3.0)
        assert time.monotonic() - t0 < DEADLINE + 2.0
        assert message["id"] == op and message["type"] == "error", message
        [error] = message["payload"]
        assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
        assert cancelled.is_set()
        ok = await ws.subscribe("query T { __typename }")
        assert await ws.next(ok) == {"__typename": "Query"}
