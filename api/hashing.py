"""Password hashing on a bounded pool, so a flood of logIn or signUp cannot
starve the rest of the server.

Argon2 is deliberately slow (tens of milliseconds of CPU per hash). It runs
off the event loop on at most ``threads`` threads (argon2-cffi releases the
GIL, so threads are enough); at most ``queue`` more hashes wait their turn,
and one beyond that is refused at once with ``HashingBusy`` instead of piling
up behind the others. The server's other requests keep the remaining cores,
and where the machine is busy anyway the hashing threads yield to them (a
lower scheduling priority on Linux).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from domain import accounts

T = TypeVar("T")


# Niceness of a hashing thread: where the cores are contended, the event loop
# (and the store's reader threads) are scheduled first, and hashing takes
# what is left; on an idle machine it runs at full speed all the same.
HASHING_NICENESS = 10


def _yield_to_reads() -> None:
    """Lower this thread's scheduling priority (Linux schedules threads one by
    one, and ``setpriority`` on a thread id changes that thread alone)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


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
            max_workers=threads, thread_name_prefix="peergraph-hash", initializer=_yield_to_reads
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
