"""Live events over graphql-transport-ws, through a real uvicorn server and a
real WebSocket, on both stores: who receives what, when, and what a client
without a token, a slow client or a dropped client gets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.auth import issue_token
from api.events import LocalBroker, RedisBroker
from tests.api.conftest import GraphQLClient
from tests.api.live import serving, ws_client
from tests.api.social.helpers import ACCEPT, FOLLOW, SEND_INVITATION, World

ADA_AUTHOR = "author:hangbo-bao"
BOB_AUTHOR = "author:qingru-zhang"
UNCLAIMED = "author:zhibin-xiao"

INVITATION_EVENTS = """
subscription InvitationEvents {
  invitationEvents { kind invitation { id status message recipient { id } sender { id } } }
}"""
CLAIM_EVENTS = "subscription ClaimEvents { claimEvents { claim { id status note author { id } } } }"
AUTHOR_UPDATED = """
subscription AuthorUpdated($id: ID!) {
  authorUpdated(id: $id) { id claimStatus stats { followers } trust { score } }
}"""


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)


class Live:
    def __init__(self, world: World, url: str, broker: LocalBroker) -> None:
        self.world = world
        self.url = url
        self.broker = broker


@pytest.fixture
async def live(world: World) -> AsyncIterator[Live]:
    """The world's store served by uvicorn; its mutations go through that server."""
    broker = LocalBroker()
    app = create_app(world.settings, world.store, events=broker)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        yield Live(replace(world, gql=GraphQLClient(http)), url, broker)


async def test_invitation_events_reach_both_parties_and_nobody_else(live: Live) -> None:
    w = live.world
    ada, bob, eve = await w.sign_up("Ada"), await w.sign_up("Bob"), await w.sign_up("Eve")
    await w.verified(ada, ADA_AUTHOR)
    await w.verified(bob, BOB_AUTHOR)
    async with (
        ws_client(live.url, ada.token) as ada_ws,
        ws_client(live.url, bob.token) as bob_ws,
        ws_client(live.url, eve.token) as eve_ws,
    ):
        subs = [await c.subscribe(INVITATION_EVENTS) for c in (ada_ws, bob_ws, eve_ws)]
        sent = await w.payload(
            SEND_INVITATION,
            {"input": {"recipientId": BOB_AUTHOR, "message": "Shall we?"}},
            ada.token,
        )
        inv_id = sent["invitation"]["id"]
        for client, op in ((ada_ws, subs[0]), (bob_ws, subs[1])):
            event = (await client.next(op))["invitationEvents"]
            assert event["kind"] == "RECEIVED"
            assert event["invitation"]["id"] == inv_id
            assert event["invitation"]["status"] == "PENDING"
            assert event["invitation"]["sender"]["id"] == ada.user_id
        await w.payload(ACCEPT, {"invitationId": inv_id}, bob.token)
        for client, op in ((ada_ws, subs[0]), (bob_ws, subs[1])):
            event = (await client.next(op))["invitationEvents"]
            assert (event["kind"], event["invitation"]["status"]) == ("ACCEPTED", "ACCEPTED")
        await eve_ws.silent(0.5)  # a stranger never hears of it


async def test_claim_decisions_and_author_updates(live: Live) -> None:
    w = live.world
    ada, fan = await w.sign_up("Ada"), await w.sign_up("Fan")
    async with ws_client(live.url, ada.token) as ada_ws, ws_client(live.url) as public:
        claims = await ada_ws.subscribe(CLAIM_EVENTS)
        author = await public.subscribe(AUTHOR_UPDATED, {"id": UNCLAIMED})
        before = await w.author(UNCLAIMED)
        claim_id = await w.claim(ada, UNCLAIMED)
        pending = (await public.next(author))["authorUpdated"]
        assert pending["claimStatus"] == "PENDING"
        assert pending["trust"]["score"] == (await w.author(UNCLAIMED))["trust"]["score"]
        assert w.moderator is not None
        await w.payload(
            "mutation R($input: ReviewClaimInput!) { reviewClaim(input: $input) { claim { id } } }",
            {"input": {"claimId": claim_id, "approve": True, "note": "ORCID matches"}},
            w.moderator.token,
        )
        decided = (await ada_ws.next(claims))["claimEvents"]["claim"]
        assert decided == {
            "id": claim_id,
            "status": "VERIFIED",
            "note": "ORCID matches",
            "author": {"id": UNCLAIMED},
        }
        assert (await public.next(author))["authorUpdated"]["claimStatus"] == "CLAIMED"
        await w.payload(FOLLOW, {"authorId": UNCLAIMED}, fan.token)
        followed = (await public.next(author))["authorUpdated"]
        assert followed["stats"]["followers"] == before["stats"]["followers"] + 1


async def test_viewer_subscriptions_need_a_valid_token(live: Live) -> None:
    async with ws_client(live.url) as anonymous:
        op = await anonymous.subscribe(INVITATION_EVENTS)
        message = await anonymous.receive()
        assert message["type"] == "error" and message["id"] == op, message
        assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with ws_client(live.url, "not-a-token", init=False) as forged:
        await forged.send(
            {"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}}
        )
        with pytest.raises(ConnectionClosed) as closed:
            await forged.receive()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_limits_and_a_dropped_client_frees_its_subscriptions(live: Live) -> None:
    w = live.world
    ada = await w.sign_up("Ada")
    async with ws_client(live.url, ada.token) as ws:
        for _ in range(w.settings.ws_max_subscriptions):
            await ws.subscribe(AUTHOR_UPDATED, {"id": ADA_AUTHOR})
        over = await ws.subscribe(AUTHOR_UPDATED, {"id": ADA_AUTHOR})
        refused = await ws.receive()
        assert (refused["type"], refused["id"]) == ("error", over)
        await ws.subscribe(CLAIM_EVENTS)  # the error freed nothing: still at the limit
        assert (await ws.receive())["type"] == "error"
        queues = live.broker._fanout.queues
        await _until(lambda: len(queues.get(f"author:{ADA_AUTHOR}", ())) == 20)
        assert list(queues) == [f"author:{ADA_AUTHOR}"]  # one channel, 20 listeners
    # The socket closed: every listener is gone, the channel with them.
    await _until(lambda: not queues)
    assert queues == {}
    async with ws_client(live.url, init=False) as silent:  # no connection_init in time
        with pytest.raises(ConnectionClosed) as closed:
            await silent.receive(timeout=w.settings.ws_init_timeout + 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_events_cross_server_processes_through_redis(world: World, redis_url: str) -> None:
    """Two apps, each with its own Redis broker, as two server processes: a
    follow written through one reaches a subscriber on the other."""
    brokers = RedisBroker(redis_url), RedisBroker(redis_url)
    probe = aioredis.Redis.from_url(redis_url)
    apps = [create_app(world.settings, world.store, events=b) for b in brokers]
    try:
        async with (
            serving(apps[0]) as url_a,
            serving(apps[1]) as url_b,
            httpx.AsyncClient(base_url=url_a) as http,
        ):
            w = replace(world, gql=GraphQLClient(http))
            fan = await w.sign_up("Fan")
            before = (await w.author(ADA_AUTHOR))["stats"]["followers"]
            async with ws_client(url_b) as public:
                op = await public.subscribe(AUTHOR_UPDATED, {"id": ADA_AUTHOR})
                channel = f"author:{ADA_AUTHOR}"
                for _ in range(200):  # process B's SUBSCRIBE has reached Redis
                    if (await probe.pubsub_numsub(channel))[0][1] == 1:
                        break
                    await asyncio.sleep(0.02)
                await w.payload(FOLLOW, {"authorId": ADA_AUTHOR}, fan.token)
                updated = (await public.next(op))["authorUpdated"]
                assert updated["stats"]["followers"] == before + 1
    finally:
        await probe.aclose()
        for b in brokers:
            await b.close()


async def test_queries_over_the_socket_read_the_store_each_time(live: Live) -> None:
    """A connection lives for hours: each operation on it reads afresh."""
    w = live.world
    fan = await w.sign_up("Fan")
    query = 'query F { author(slug: "zhibin-xiao") { stats { followers } } }'
    async with ws_client(live.url, fan.token) as ws:
        before = (await ws.next(await ws.subscribe(query)))["author"]["stats"]["followers"]
        assert (await ws.receive())["type"] == "complete"
        await w.payload(FOLLOW, {"authorId": UNCLAIMED}, fan.token)
        after = (await ws.next(await ws.subscribe(query)))["author"]["stats"]["followers"]
        assert after == before + 1


async def test_private_events_stop_when_the_token_expires(live: Live) -> None:
    w = live.world
    ada, bob = await w.sign_up("Ada"), await w.sign_up("Bob")
    await w.verified(ada, ADA_AUTHOR)
    await w.verified(bob, BOB_AUTHOR)
    bob_user = (await w.store.get_users([bob.user_id]))[bob.user_id]
    ttl = timedelta(hours=w.settings.token_ttl_hours)
    # A token issued so that it expires two seconds from now.
    short = issue_token(bob_user, w.settings, now=datetime.now(UTC) - ttl + timedelta(seconds=2))
    async with ws_client(live.url, short) as bob_ws:
        op = await bob_ws.subscribe(INVITATION_EVENTS)
        await asyncio.sleep(2.5)
        await w.payload(
            SEND_INVITATION, {"input": {"recipientId": BOB_AUTHOR, "message": "Late"}}, ada.token
        )
        message = await bob_ws.receive()
        assert message["id"] == op and message["type"] == "next", message
        assert message["payload"]["data"] is None
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_expired_token_runs_no_more_operations_on_its_socket(live: Live) -> None:
    """A socket outlives the token that signed it in, not its authority: once
    the token has expired, the socket's next operation closes it with 4403
    (as for a revoked session) instead of running as the user."""
    w = live.world
    bob = await w.sign_up("Bob")
    bob_user = (await w.store.get_users([bob.user_id]))[bob.user_id]
    ttl = timedelta(hours=w.settings.token_ttl_hours)
    short = issue_token(bob_user, w.settings, now=datetime.now(UTC) - ttl + timedelta(seconds=2))
    async with ws_client(live.url, short) as ws:
        first = await ws.subscribe("query V { viewer { id } }")
        assert (await ws.next(first))["viewer"]["id"] == bob.user_id
        assert (await ws.receive())["type"] == "complete"
        await asyncio.sleep(2.5)
        await ws.subscribe("query V { viewer { id } }")
        with pytest.raises(ConnectionClosed) as closed:
            left = await ws.receive()
            raise AssertionError(f"the expired socket answered: {left}")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_a_revoked_session_ends_its_private_streams_and_its_socket(live: Live) -> None:
    """logOut (as changePassword and a suspension) ends the private
    subscriptions opened with the token at once, without waiting for an
    event, and the socket's next operation closes it with 4403."""
    w = live.world
    ada = await w.sign_up("Ada")
    async with ws_client(live.url, ada.token) as ws:
        claims = await ws.subscribe(CLAIM_EVENTS)
        public = await ws.subscribe(AUTHOR_UPDATED, {"id": ADA_AUTHOR})
        channel = f"user:{ada.user_id}"
        await _until(lambda: channel in live.broker._fanout.queues)
        logged_out = await w.payload("mutation { logOut { userErrors { code } } }", token=ada.token)
        assert logged_out == {"userErrors": []}
        message = await ws.receive()
        assert message["id"] == claims and message["type"] == "next", message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "revoked" in message["payload"]["errors"][0]["message"]
        await ws.subscribe('query Q { author(slug: "hangbo-bao") { name } }')
        with pytest.raises(ConnectionClosed) as closed:
            while True:  # the public subscription may still say something first
                left = await ws.receive()
                assert left.get("id") in (claims, public), left
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
