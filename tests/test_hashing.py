"""The bounded hashing pool (api/hashing.py), by its mechanism, not by timings:
at most ``threads`` hashes run at once, at most ``queue`` more wait, and one
beyond that is refused at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from api.hashing import HashingBusy, HashPool
from domain import accounts

WAIT = 10.0  # seconds any step may take on a loaded machine before the test fails


class Gate:
    """A job that holds its thread until opened, and counts who runs at once."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started = threading.Semaphore(0)

    def job(self, n: int) -> int:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        assert self.opened.wait(WAIT)
        with self.lock:
            self.running -= 1
        return n


async def started(gate: Gate, count: int) -> None:
    for _ in range(count):
        assert await asyncio.to_thread(gate.started.acquire, True, WAIT)


async def test_at_most_threads_run_and_the_queue_overflow_is_refused_at_once() -> None:
    pool = HashPool(threads=2, queue=1)
    gate = Gate()
    try:
        jobs = [asyncio.create_task(pool.run(gate.job, n)) for n in range(3)]
        await started(gate, 2)
        await asyncio.sleep(0)
        assert pool.in_flight == 3 and gate.running == 2  # the third waits its turn
        with pytest.raises(HashingBusy):
            await pool.run(gate.job, 99)  # the fourth: refused without waiting
        gate.opened.set()
        assert await asyncio.gather(*jobs) == [0, 1, 2]
        assert gate.most == 2
        await asyncio.sleep(0)  # the releases are scheduled on the loop
        assert pool.in_flight == 0
        assert await pool.run(gate.job, 7) == 7  # room again
    finally:
        gate.opened.set()
        pool.close()


async def test_a_cancelled_caller_keeps_its_place_until_the_thread_is_done() -> None:
    """A request that stops waiting (its deadline) does not free a thread
    still hashing for it, so the bound holds under timeouts too."""
    pool = HashPool(threads=1, queue=0)
    gate = Gate()
    try:
        job = asyncio.create_task(pool.run(gate.job, 1))
        await started(gate, 1)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        with pytest.raises(HashingBusy):
            await pool.run(gate.job, 2)
        gate.opened.set()
        for _ in range(100):
            await asyncio.sleep(0.01)
            if pool.in_flight == 0:
                break
        assert pool.in_flight == 0
    finally:
        gate.opened.set()
        pool.close()


async def test_the_pool_runs_the_account_rules() -> None:
    pool = HashPool(threads=1, queue=0)
    try:
        hashed = await pool.hash_password("correct horse battery")
        assert await pool.verify_password(hashed, "correct horse battery")
        assert not await pool.verify_password(hashed, "wrong")
        assert accounts.verify_password(hashed, "correct horse battery")
        await pool.spend_verify()
    finally:
        pool.close()
