"""The event brokers, in-process and through a real redis-server: delivery
by channel, bounds, clean-up, and Redis carrying events between brokers as
between server processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from api.events import (
    QUEUE_SIZE,
    Broker,
    BrokerUnavailable,
    LocalBroker,
    RedisBroker,
    SubscriberTooSlow,
)


async def _first(broker: Broker, channel: str, ready: asyncio.Event) -> dict[str, object]:
    stream = broker.listen(channel)
    pending = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.05)  # the listener is registered once the generator runs
    ready.set()
    event = await asyncio.wait_for(pending, 5)
    await stream.aclose()
    return event


@pytest.fixture(params=["local", "redis"])
async def brokers(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Broker, Broker]]:
    """Two brokers as two server processes would have them (local: one, shared)."""
    if request.param == "local":
        local = LocalBroker()
        yield local, local
        await local.close()
        return
    url = request.getfixturevalue("redis_url")
    a, b = RedisBroker(url), RedisBroker(url)
    yield a, b
    await a.close()
    await b.close()


async def test_an_event_reaches_the_listeners_of_its_channel_only(
    brokers: tuple[Broker, Broker],
) -> None:
    publisher, listener = brokers
    ready_a, ready_b = asyncio.Event(), asyncio.Event()
    on_a = asyncio.create_task(_first(listener, "user:a", ready_a))
    on_b = asyncio.create_task(_first(listener, "user:b", ready_b))
    await ready_a.wait()
    await ready_b.wait()
    await asyncio.sleep(0.2)  # Redis: the SUBSCRIBE has reached the server
    await publisher.publish("user:a", {"n": 1})
    assert await on_a == {"n": 1}
    assert not on_b.done()
    await publisher.publish("user:b", {"n": 2})
    assert await on_b == {"n": 2}


async def test_a_subscriber_that_stops_reading_is_ended() -> None:
    broker = LocalBroker()
    stream = broker.listen("author:x")
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.01)
    for n in range(QUEUE_SIZE):  # a full queue is still fine
        await broker.publish("author:x", {"n": n})
    await broker.publish("author:x", {"n": QUEUE_SIZE})  # one too many: its stream ends
    with pytest.raises(SubscriberTooSlow):
        await first
    assert broker._fanout.queues == {}  # and it holds nothing any more


async def test_the_last_listener_leaving_unsubscribes_from_redis(redis_url: str) -> None:
    broker = RedisBroker(redis_url)
    probe = aioredis.Redis.from_url(redis_url)
    try:
        stream = broker.listen("author:y")
        pending = asyncio.ensure_future(stream.__anext__())
        for _ in range(100):
            if (await probe.pubsub_numsub("author:y"))[0][1] == 1:
                break
            await asyncio.sleep(0.02)
        assert (await probe.pubsub_numsub("author:y"))[0][1] == 1
        pending.cancel()  # as a dropped client's task is cancelled
        with contextlib.suppress(asyncio.CancelledError):
            await pending
        for _ in range(100):
            if (await probe.pubsub_numsub("author:y"))[0][1] == 0:
                break
            await asyncio.sleep(0.02)
        assert (await probe.pubsub_numsub("author:y"))[0][1] == 0
    finally:
        await probe.aclose()
        await broker.close()


async def test_a_server_shutdown_ends_streams_cleanly() -> None:
    broker = LocalBroker()
    stream = broker.listen("user:z")
    pending = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.01)
    await broker.close()
    with pytest.raises(StopAsyncIteration):  # not SubscriberTooSlow: clients reconnect
        await pending


async def test_redis_down_fails_fast_and_leaves_nothing_behind() -> None:
    from tests.api.live import free_port

    broker = RedisBroker(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(BrokerUnavailable):
            await broker.listen("user:a").__anext__()
        assert broker._fanout.queues == {} and broker._subscribed == set()
        with pytest.raises(Exception):  # noqa: B017 - a connection error or a timeout
            await broker.publish("user:a", {"n": 1})
        assert asyncio.get_running_loop().time() - started < 3  # bounded, not redis-py's 5 s
    finally:
        await broker.close()
