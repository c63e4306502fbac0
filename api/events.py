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


class _Fanout:
    """Channel → the queues of this process's subscribers."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[Event | None]]] = {}

    def add(self, channel: str) -> tuple[asyncio.Queue[Event | None], bool]:
        """A new subscriber's queue, and whether the channel is new here."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_SIZE)
        subscribers = self.queues.setdefault(channel, set())
        subscribers.add(queue)
        return queue, len(subscribers) == 1

    def remove(self, channel: str, queue: asyncio.Queue[Event | None]) -> bool:
        """Whether that was the channel's last subscriber here."""
        subscribers = self.queues.get(channel, set())
        subscribers.discard(queue)
        if not subscribers:
            self.queues.pop(channel, None)
            return True
        return False

    def deliver(self, channel: str, event: Event) -> None:
        for queue in list(self.queues.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # Drop what it has not read and end its stream: a bounded server.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    def close(self) -> None:
        for subscribers in self.queues.values():
            for queue in subscribers:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)


async def _drain(queue: asyncio.Queue[Event | None]) -> AsyncIterator[Event]:
    while True:
        event = await queue.get()
        if event is None:
            raise SubscriberTooSlow(f"more than {QUEUE_SIZE} events were left unread")
        yield event


class LocalBroker:
    """Events within this server process."""

    def __init__(self) -> None:
        self._fanout = _Fanout()

    async def publish(self, channel: str, event: Event) -> None:
        self._fanout.deliver(channel, event)

    async def listen(self, channel: str) -> AsyncGenerator[Event, None]:
        queue, _ = self._fanout.add(channel)
        try:
            async for event in _drain(queue):
                yield event
        finally:
            self._fanout.remove(channel, queue)

    async def close(self) -> None:
        self._fanout.close()


class RedisBroker:
    """Events through Redis pub/sub: one connection per process for all its
    subscriptions (channels subscribed while someone here listens), one
    reader task fanning messages out to the local queues."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._fanout = _Fanout()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one (un)subscribe at a time on the one connection

    async def publish(self, channel: str, event: Event) -> None:
        await self._redis.publish(channel, orjson.dumps(event))

    async def ping(self) -> None:
        await self._redis.ping()

    async def listen(self, channel: str) -> AsyncGenerator[Event, None]:
        queue, first = self._fanout.add(channel)
        try:
            if first:
                async with self._lock:
                    await self._pubsub.subscribe(channel)
                    if self._reader is None:
                        self._reader = asyncio.create_task(self._read(), name="redis-events")
            async for event in _drain(queue):
                yield event
        finally:
            if self._fanout.remove(channel, queue):
                async with self._lock:
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
        await self._redis.aclose()


def open_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else LocalBroker()
