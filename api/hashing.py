"""Password hashing on a bounded pool, so a flood of logIn or signUp cannot
starve the rest of the server.

Argon2 is deliberately slow (tens of milliseconds of CPU per hash). It runs
off the event loop on at most ``threads`` threads (argon2-cffi releases the
GIL, so threads are enough); at most ``queue`` more hashes wait their turn,
and one beyond that is refused at once with ``HashingBusy`` instead of piling
up behind the others. The server's other requests keep the remaining cores.
(The hashing threads keep the normal scheduling priority: a lower one made
every logIn time out on a machine loaded by other processes.)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
from collections.abc import Callable
from typing import TypeVar

from domain import accounts

T = TypeVar("T")


class HashingBusy(Exception):
    """Every hashing thread is busy and the waiting line is full."""


class HashPool:
    def __init__(self, threads: int, queue: int) -> None:
        if threads < 1 or queue < 0:
            raise ValueError("a hash pool needs at least one thread and a queue of 0 or more")
        self.threads = threads
        self.capacity = threads + queue  # running plus waiting
        self.in_flight = 0  # hashes queued or running; changed on the event loop only
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="peergraph-hash"
        )

    @property
    def full(self) -> bool:
        return self.in_flight >= self.capacity

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a hashing thread; HashingBusy at once when full."""
        if self.full:
            raise HashingBusy()
        loop = asyncio.get_running_loop()
        job = self._executor.submit(functools.partial(fn, *args))
        self.in_flight += 1
        # Counted until the thread is done with it, not until the caller stops
        # waiting: a request cancelled mid-hash still holds its thread.
        job.add_done_callback(lambda _: self._release(loop))
        return await asyncio.wrap_future(job)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._done)

    def _done(self) -> None:
        self.in_flight -= 1

    async def hash_password(self, password: str) -> str:
        return await self.run(accounts.hash_password, password)

    async def verify_password(self, password_hash: str, password: str) -> bool:
        return await self.run(accounts.verify_password, password_hash, password)

    async def spend_verify(self) -> None:
        await self.run(accounts.spend_verify)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
