"""The app's store, and start-up that waits for the database instead of failing.

The process must come up while its database is still down (a container
started before Neo4j, a database being restarted), answer /healthz, and
say 503 / SERVICE_UNAVAILABLE until it can serve. So opening the store
(``initialize`` and the optional seed) runs in a background task that retries
with capped exponential backoff, and requests read the store through a
``StoreSlot`` that is empty until that has succeeded.

Not Starlette's lifespan state (``yield {"store": ...}``, read from
``request.state``): that state is fixed when start-up ends, before the store
can serve, so it could only carry this same slot; and it reaches requests only
through a server that passes it on, which an app driven by hand does not (a
lifespan run as uvicorn does, requests sent with httpx's ASGITransport, as
tests/test_neo4j_outage.py does: the requests never see it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from graph_store.errors import StoreError, StoreUnavailable
from graph_store.store import GraphStore

log = logging.getLogger("peergraph.api")

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0


class StoreSlot:
    """The store requests use; empty until it is initialised."""

    def __init__(self, store: GraphStore | None = None) -> None:
        self._store = store

    def get(self) -> GraphStore:
        if self._store is None:
            raise StoreUnavailable("the database is not initialised yet")
        return self._store

    def set(self, store: GraphStore) -> None:
        self._store = store


async def bring_up(
    store: GraphStore,
    slot: StoreSlot,
    prepare: Callable[[GraphStore], Awaitable[None]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Run ``prepare(store)`` until it succeeds, then put ``store`` in ``slot``.

    ``prepare`` must be idempotent (``initialize`` is; the seed runs in one
    transaction and only on an empty store). Every StoreError is retried:
    unreachable means waiting, and a refusal (wrong password, missing database,
    an embedded log to move aside) can be fixed without restarting us, so it is
    logged as an error on every attempt. Anything else is a bug: logged once,
    and the app stays unready (readiness 503) until restarted.
    """
    delay = FIRST_RETRY_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            await prepare(store)
        except StoreUnavailable as e:
            log.warning(
                "waiting for the database (attempt %d failed, next in %.1f s): %s",
                attempt,
                delay,
                e,
            )
        except StoreError as e:
            log.error(
                "the database refused start-up (attempt %d failed, next in %.1f s); "
                "fix its configuration, no restart needed: %s",
                attempt,
                delay,
                e,
            )
        except Exception:
            log.critical(
                "store start-up failed unexpectedly; the app stays unavailable until restarted",
                exc_info=True,
            )
            return
        else:
            slot.set(store)
            log.info("database ready (attempt %d)", attempt)
            return
        await sleep(delay)
        delay = min(delay * 2, MAX_RETRY_SECONDS)
