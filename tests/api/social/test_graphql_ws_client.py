"""graphql-ws's own client (npm `graphql-ws` on Node, with the `ws` package's
WebSocket; pinned in tests/js) receives invitation events from a real uvicorn
server, on both stores: signed in through connectionParams as its README
shows, it hears an invitation RECEIVED and then ACCEPTED; without a token it
gets an UNAUTHENTICATED error for invitationEvents.

tests/js/subscribe.mjs is the client; tests/api/social/test_subscriptions.py
checks the same flow (and more) with a Python protocol client."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.events import LocalBroker, user_channel
from tests.api.conftest import GraphQLClient
from tests.api.live import serving
from tests.api.social.helpers import ACCEPT, SEND_INVITATION, World
from tests.js_tools import JS, js_tools

ADA_AUTHOR = "author:hangbo-bao"
BOB_AUTHOR = "author:qingru-zhang"
SUBSCRIBE = JS / "subscribe.mjs"
CLIENT_TIMEOUT = 30  # seconds the node client waits for its events


@pytest.fixture(scope="module")
def graphql_ws() -> None:
    """The client's packages, or a skip (a failure with PEERGRAPH_REQUIRE_JS=1)."""
    js_tools("graphql-ws")
    js_tools("ws")


class Live:
    def __init__(self, world: World, url: str, broker: LocalBroker) -> None:
        self.world = world
        self.ws_url = url.replace("http://", "ws://") + "/graphql"
        self.broker = broker


@pytest.fixture
async def live(graphql_ws: None, world: World) -> AsyncIterator[Live]:
    """The world's store served by uvicorn with a broker the test can watch;
    the world's mutations go through that server."""
    broker = LocalBroker()
    app = create_app(world.settings, world.store, events=broker)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        yield Live(replace(world, gql=GraphQLClient(http)), url, broker)


async def _start_client(ws_url: str, events: int, token: str | None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "PEERGRAPH_TOKEN"}
    if token is not None:
        env["PEERGRAPH_TOKEN"] = token
    return await asyncio.create_subprocess_exec(
        "node",
        str(SUBSCRIBE),
        ws_url,
        str(events),
        str(CLIENT_TIMEOUT),
        cwd=JS,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finished(client: asyncio.subprocess.Process) -> tuple[int, list[Any], str]:
    """The client's exit code, its JSON lines and its stderr."""
    try:
        out, err = await asyncio.wait_for(client.communicate(), CLIENT_TIMEOUT + 10)
    except TimeoutError:
        client.kill()
        await client.wait()
        raise
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    assert client.returncode is not None
    return client.returncode, lines, err.decode()


async def _subscribed(live: Live, channel: str, client: asyncio.subprocess.Process) -> None:
    """Wait until the server listens on ``channel`` for the client (or it exited)."""
    queues = live.broker._fanout.queues
    for _ in range(1000):
        if queues.get(channel) or client.returncode is not None:
            break
        await asyncio.sleep(0.02)
    if not queues.get(channel):
        code, lines, err = await _finished(client)
        pytest.fail(f"graphql-ws never subscribed (exit {code}): {lines} {err}")


async def test_graphql_ws_client_receives_invitation_events(live: Live) -> None:
    w = live.world
    ada, bob = await w.sign_up("Ada"), await w.sign_up("Bob")
    await w.verified(ada, ADA_AUTHOR)
    await w.verified(bob, BOB_AUTHOR)
    client = await _start_client(live.ws_url, 2, bob.token)
    try:
        await _subscribed(live, user_channel(bob.user_id), client)
        sent = await w.payload(
            SEND_INVITATION,
            {"input": {"recipientId": BOB_AUTHOR, "message": "Shall we?"}},
            ada.token,
        )
        assert sent["userErrors"] == [], sent
        inv_id = sent["invitation"]["id"]
        accepted = await w.payload(ACCEPT, {"invitationId": inv_id}, bob.token)
        assert accepted["userErrors"] == [], accepted
        code, lines, err = await _finished(client)
    finally:
        if client.returncode is None:
            client.kill()
            await client.wait()
    assert code == 0, (lines, err)
    events = [line["invitationEvents"] for line in lines]
    assert [(e["kind"], e["invitation"]) for e in events] == [
        ("RECEIVED", {"id": inv_id, "status": "PENDING"}),
        ("ACCEPTED", {"id": inv_id, "status": "ACCEPTED"}),
    ], lines


async def test_graphql_ws_client_without_a_token_is_unauthenticated(live: Live) -> None:
    client = await _start_client(live.ws_url, 1, None)
    code, lines, err = await _finished(client)
    assert code == 1, (lines, err)
    (message,) = lines
    assert [e["extensions"]["code"] for e in message["errors"]] == ["UNAUTHENTICATED"], message
