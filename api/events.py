"""Live events between a write and the subscriptions that wait for it.

A mutation publishes an event after its transaction has committed (the
store call has returned); a subscription listens on a channel and turns each
event into GraphQL data, loading what it names with the listener's own
viewer, so visibility is decided when the event is read, not trusted from
the publisher.

Two brokers, one interface: ``LocalBroker`` (one server process; the
default) and ``RedisBroker`` (``PEERGRAPH_REDIS_URL``: every process
publishes to Redis and receives from it, so a subscriber on one process sees
a write made on another). Both deliver through bounded per-subscriber
queues: a subscriber that stops reading loses its stream (it ends with an
error), never the server's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, cast

import orjson

log = logging.getLogger(__name__)

Event = dict[str, Any]
QUEUE_SIZE = 100  # unread events one subscription may hold


def user_channel(user_id: str) -> str:
    """Events for one signed-in user (invitations and claim decisions)."""
    return f"user:{user_id}"


def author_channel(author_id: str) -> str:
    """Public events of one author record (followers, trust, claim status)."""
    return f"author:{author_id}"


class SubscriberTooSlow(Exception):
    """The subscriber left more than QUEUE_SIZE events unread."""


class Broker(Protocol):
    async def publish(self, channel: str, event: Event) -> None: ...

    def listen(self, channel: str) -> AsyncGenerator[Event, None]:
        """The channel's events from now on, until the caller stops iterating."""
        ...

    async def close(self) -> None: ...


# Queue markers: the subscriber fell behind, or the server is shutting down.
_TOO_SLOW: Event = {"__end__": "too slow"}
_CLOSED: Event = {"__end__": "closed"}


class BrokerUnavailable(Exception):
    """The shared broker (Redis) cannot be reached now."""


class _Fanout:
    """Channel → the queues of this process's subscribers."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[Event]]] = {}

    def add(self, channel: str) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self.queues.setdefault(channel, set()).add(queue)
        return queue

    def remove(self, channel: str, queue: asyncio.Queue[Event]) -> None:
        subscribers = self.queues.get(channel, set())
        subscribers.discard(queue)
        if not subscribers:
            self.queues.pop(channel, None)

    def deliver(self, channel: str, event: Event) -> None:
        for queue in list(self.queues.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # Drop what it has not read and end its stream: a bounded server.
                _replace_with(queue, _TOO_SLOW)

    def close(self) -> None:
        for subscribers in self.queues.values():
            for queue in subscribers:
                _replace_with(queue, _CLOSED)


def _replace_with(queue: asyncio.Queue[Event], marker: Event) -> None:
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(marker)


async def _drain(queue: asyncio.Queue[Event]) -> AsyncIterator[Event]:
    while True:
        event = await queue.get()
        if event is _CLOSED:
            return  # the server is shutting down: the stream simply ends
        if event is _TOO_SLOW:
            raise SubscriberTooSlow(f"more than {QUEUE_SIZE} events were left unread")
        yield event


class LocalBroker:
    """Events within this server process."""

    def __init__(self) -> None:
        self._fanout = _Fanout()

    async def publish(self, channel: str, event: Event) -> None:
        self._fanout.deliver(channel, event)

    async def listen(self, channel: str) -> AsyncGenerator[Event, None]:
        queue = self._fanout.add(channel)
        try:
            async for event in _drain(queue):
                yield event
        finally:
            self._fanout.remove(channel, queue)

    async def close(self) -> None:
        self._fanout.close()


# A publish comes after a mutation's commit, inside its request: a Redis that
# hangs must cost the live update, not the answer (the request cap is 4 s).
PUBLISH_TIMEOUT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 0.5


class RedisBroker:
    """Events through Redis pub/sub: one connection per process for all its
    subscriptions (a channel is subscribed while someone here listens), one
    reader task fanning messages out to the local queues."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=PUBLISH_TIMEOUT_SECONDS,
        )
        # The subscriber connection waits for messages: no read timeout.
        self._sub_redis = aioredis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
        self._pubsub = self._sub_redis.pubsub(ignore_subscribe_messages=True)
        self._fanout = _Fanout()
        self._subscribed: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one (un)subscribe at a time on the one connection

    async def publish(self, channel: str, event: Event) -> None:
        await asyncio.wait_for(
            self._redis.publish(channel, orjson.dumps(event)), PUBLISH_TIMEOUT_SECONDS
        )

    async def ping(self) -> None:
        await self._redis.ping()

    async def listen(self, channel: str) -> AsyncGenerator[Event, None]:
        queue = self._fanout.add(channel)
        try:
            # Every listener makes sure its channel is subscribed: one whose
            # subscribe failed leaves it to the next, never a silent channel.
            async with self._lock:
                if channel not in self._subscribed:
                    try:
                        await self._pubsub.subscribe(channel)
                    except Exception as e:
                        raise BrokerUnavailable(f"live events are unavailable: {e}") from e
                    self._subscribed.add(channel)
                if self._reader is None:
                    self._reader = asyncio.create_task(self._read(), name="redis-events")
            async for event in _drain(queue):
                yield event
        finally:
            self._fanout.remove(channel, queue)
            if channel not in self._fanout.queues:
                async with self._lock:
                    # Checked again under the lock: someone may have joined.
                    if channel in self._subscribed and channel not in self._fanout.queues:
                        self._subscribed.discard(channel)
                        with contextlib.suppress(Exception):
                            await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        while True:
            if not self._pubsub.subscribed:  # between the last listener and the next
                await asyncio.sleep(0.05)
                continue
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # a lost connection: redis-py reconnects on the next call
                log.warning("redis events: %s; retrying", e)
                await asyncio.sleep(1.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            try:
                event = orjson.loads(message["data"])
            except orjson.JSONDecodeError:
                log.warning("redis events: an unreadable message on %s", channel)
                continue
            self._fanout.deliver(channel, event)

    async def close(self) -> None:
        self._fanout.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        # redis-py 8 leaves PubSub.aclose unannotated.
        close_pubsub = cast(Callable[[], Awaitable[None]], self._pubsub.aclose)
        await close_pubsub()
        await self._sub_redis.aclose()
        await self._redis.aclose()


def open_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else LocalBroker()
