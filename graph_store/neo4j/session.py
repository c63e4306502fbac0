"""The Neo4j backend's plumbing: the driver, sessions, transaction helpers,
error mapping, the lock order, and the store's lifecycle (see store.py).

Names with a leading underscore are private to this package.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar

import neo4j.exceptions as nx
from neo4j import (
    READ_ACCESS,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    NotificationDisabledClassification,
    NotificationMinimumSeverity,
    Query,
    unit_of_work,
)

from graph_store import paging
from graph_store.errors import Rule, RuleViolation, StoreError, StoreUnavailable
from graph_store.factory import StoreConfig
from graph_store.neo4j import queries as q
from graph_store.neo4j import schema
from graph_store.records import (
    Page,
)

log = logging.getLogger(__name__)


T = TypeVar("T")


R = TypeVar("R")


Tx = AsyncManagedTransaction


# A node's properties as queries return them (``n {.*} AS n``).
Row = Mapping[str, Any]


_WIPE_BATCH = 5000


_BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

# What the server reports with results, filtered at the source (the server
# sends none of the rest). The driver logs every notification it gets
# (``neo4j.notifications``): without a filter each author-stats read on a graph
# without follows warned that FOLLOWS does not exist, and the schema-version
# read did on a fresh database. Names no data carries yet (UNRECOGNIZED) are
# normal at run time; INFORMATION is chatter ("index already exists" at each
# start). Whether a statement is deprecated or slow is the test suite's check:
# tests/test_neo4j_server.py EXPLAINs every statement with notifications on.
NOTIFICATIONS_MIN_SEVERITY: Final = NotificationMinimumSeverity.WARNING
NOTIFICATIONS_DISABLED: Final = (NotificationDisabledClassification.UNRECOGNIZED,)

# The first pause before a read is tried again, doubled each time (with jitter)
# while the retry budget (StoreConfig.max_retry_time) lasts.
_READ_RETRY_DELAY = 0.05


def _pool_error_types() -> tuple[type[BaseException], ...]:
    # ConnectionPoolError (acquisition timeout) exists in recent drivers only;
    # older 5.x drivers raise a ClientError with the message checked below.
    cls = getattr(nx, "ConnectionPoolError", None)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        return (cls,)
    return ()


_UNAVAILABLE: tuple[type[BaseException], ...] = (
    nx.ServiceUnavailable,
    nx.SessionExpired,
    # Still transient after max_transaction_retry_time: locked or overloaded.
    nx.TransientError,
    *_pool_error_types(),
)


# A transaction stopped at its timeout, typically while waiting for a lock:
# the database is busy, and the request may be tried again.
_TIMED_OUT_CODES = frozenset(
    {
        "Neo.ClientError.Transaction.LockClientStopped",
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.TransientError.Transaction.LockAcquisitionTimeout",
    }
)


def translate_error(e: Exception) -> StoreError:
    """The store error for a driver/server error (the caller raises it ``from e``)."""
    if getattr(e, "code", None) in _TIMED_OUT_CODES:
        return StoreUnavailable(f"Neo4j transaction timed out: {e}")
    if isinstance(e, _UNAVAILABLE) or "failed to obtain a connection" in str(e):
        return StoreUnavailable(f"Neo4j is unavailable: {e}")
    return StoreError(f"Neo4j error: {e}")


def _bumping(work: Callable[[Tx], Awaitable[R]]) -> Callable[[Tx], Awaitable[R]]:
    async def bumped(tx: Tx) -> R:
        result = await work(tx)
        # Last: concurrent imports then wait for this one lock only at their end.
        await _rows(tx, q.BUMP_PROFILE_GENERATION, id=schema.PROFILES_MARK, step=1)
        return result

    return bumped


async def _rows(tx: Tx, query: str, **params: Any) -> list[dict[str, Any]]:
    result = await tx.run(query, params)
    return await result.data()


async def _one(tx: Tx, query: str, **params: Any) -> dict[str, Any] | None:
    rows = await _rows(tx, query, **params)
    return rows[0] if rows else None


async def _node(tx: Tx, query: str, **params: Any) -> Row | None:
    """The ``n`` column of the first row (queries return nodes as ``n {.*} AS n``)."""
    row = await _one(tx, query, **params)
    return None if row is None else row["n"]


async def _created(tx: Tx, query: str, **params: Any) -> Row:
    node = await _node(tx, query, **params)
    if node is None:  # CREATE, or SET on a node locked earlier in this transaction
        raise StoreError("write returned no row")
    return node


async def _count(tx: Tx, query: str, **params: Any) -> int:
    row = await _one(tx, query, **params)
    return 0 if row is None else int(row["total"])


class _Locks:
    """The write locks of one transaction function: taken in ``LOCK_ORDER``
    (a lock of an earlier label after a later one is a bug, refused before it
    can deadlock), and released (the ``_lock`` property removed) before commit."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._held: list[tuple[str, list[str]]] = []

    def _check_order(self, label: str) -> None:
        if self._held:
            last = self._held[-1][0]
            if q.LOCK_ORDER.index(label) < q.LOCK_ORDER.index(last):
                raise StoreError(f"lock order: {label} after {last} (see queries.LOCK_ORDER)")

    async def take(self, label: str, node_id: str) -> Row | None:
        """Lock one node and read it; None (nothing locked) when it does not exist."""
        self._check_order(label)
        node = await _node(self._tx, q.LOCK[label], id=node_id)
        if node is not None:
            self._held.append((label, [node_id]))
        return node

    async def take_many(self, label: str, node_ids: Sequence[str]) -> list[Row]:
        """Lock the existing nodes among ``node_ids`` (in sorted order) and read them."""
        self._check_order(label)
        ids = sorted(set(node_ids))
        rows = [r["n"] for r in await _rows(self._tx, q.LOCK_MANY[label], ids=ids)]
        self._held.append((label, ids))
        return rows

    async def release(self) -> None:
        for label, ids in reversed(self._held):
            if len(ids) == 1:
                await _rows(self._tx, q.UNLOCK[label], id=ids[0])
            else:
                await _rows(self._tx, q.UNLOCK_MANY[label], ids=ids)
        self._held.clear()


def _retry_delays() -> Iterator[float]:
    delay = _READ_RETRY_DELAY
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay *= 2


def _not_found(what: str) -> RuleViolation:
    return RuleViolation(Rule.NOT_FOUND, what)


def _group(ids: Sequence[str]) -> dict[str, list[Any]]:
    return {i: [] for i in ids}


class Neo4jSession:
    """Driver, sessions and lifecycle, shared by the read and write halves."""

    def __init__(self, config: StoreConfig) -> None:
        if not config.neo4j_uri:
            raise StoreError("Neo4jGraphStore needs neo4j_uri")
        # The driver also takes http(s):// (a preview HTTP API needing extra
        # packages); this backend speaks Bolt.
        if config.neo4j_uri.split("://", 1)[0].lower() not in _BOLT_SCHEMES:
            raise StoreError(
                f"invalid Neo4j configuration: NEO4J_URI {config.neo4j_uri!r} must use one of "
                + ", ".join(f"{s}://" for s in _BOLT_SCHEMES)
            )
        self._database = config.neo4j_database
        self._tx_timeout = config.transaction_timeout
        self._max_retry_time = config.max_retry_time
        # One store call, retries included, answers within this: the driver's
        # retry loop can run about 8 s on a down database (its last back-off
        # overshoots max_transaction_retry_time), so an outage would otherwise
        # hold a request that long before it learns SERVICE_UNAVAILABLE.
        self._call_budget = max(self._tx_timeout, self._max_retry_time) + 1.0
        self._acquisition_timeout = config.acquisition_timeout
        # Reads in flight at once (see _read_slot).
        self._read_slots = asyncio.Semaphore(max(1, config.max_concurrent_reads))
        self._import_timeout = config.import_timeout
        # Scores the trust changes the writes record; None records none.
        self._trust_model = config.trust_model
        # Causal chaining across this process's sessions: read your own writes.
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()
        try:
            self._driver = AsyncGraphDatabase.driver(
                config.neo4j_uri,
                auth=(config.neo4j_user, config.neo4j_password),
                # Fail in seconds when the database is down, not after a minute.
                connection_timeout=config.connection_timeout,
                connection_acquisition_timeout=config.acquisition_timeout,
                max_transaction_retry_time=config.max_retry_time,
                notifications_min_severity=NOTIFICATIONS_MIN_SEVERITY,
                notifications_disabled_classifications=list(NOTIFICATIONS_DISABLED),
            )
        except (nx.Neo4jError, nx.DriverError, ValueError) as e:
            raise StoreError(f"invalid Neo4j configuration: {e}") from e

    def _session(self) -> Any:
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)

    def _read_session(self) -> Any:
        # Every record in one PULL (fetch_size=-1): the server finishes the
        # transaction without waiting for this process to ask for more.
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._bookmarks,
            default_access_mode=READ_ACCESS,
            fetch_size=-1,
        )

    @contextlib.asynccontextmanager
    async def _read_slot(self) -> AsyncIterator[None]:
        """One of ``max_concurrent_reads`` slots, waited for in arrival order.

        The database runs about as many statements at once as it has cores;
        more only share them, so every statement (and every page made of
        several) gets slower together. 50 clients' pages (300 statements in
        flight) took seconds, a tenth of them past the API's 4 s cap. Queued
        here, first come first served, each statement runs at full speed and
        a page waits about its turn. The wait is bounded like a wait for a
        pooled connection (``acquisition_timeout``)."""
        try:
            async with asyncio.timeout(self._acquisition_timeout):
                await self._read_slots.acquire()
        except TimeoutError as e:
            raise StoreUnavailable(
                f"Neo4j is busy: no read slot within {self._acquisition_timeout} s"
            ) from e
        try:
            yield
        finally:
            self._read_slots.release()

    async def _read_all(
        self, statements: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """The rows of each read-only statement, each run as its own auto-commit
        transaction (one round trip: RUN and PULL together, no BEGIN/COMMIT),
        in one session.

        Not managed transactions (``execute_read``): there the server's
        transaction lasts from BEGIN until this process gets round to COMMIT,
        so under load (a busy event loop) the transaction timeout measured
        this process's queue, not the database's work, and pages failed with
        timeouts on reads that take milliseconds. A statement here is over
        when the server has sent its rows. Auto-commit statements are not
        retried by the driver; reads have no effect, so this retries them on
        the errors the driver would retry (``is_retryable``) within the same
        budget (``max_retry_time``)."""
        try:
            async with asyncio.timeout(self._call_budget):
                return await self._read_retried(statements)
        except TimeoutError as e:
            raise StoreUnavailable(f"Neo4j did not answer within {self._call_budget} s") from e

    async def _read_retried(
        self, statements: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        started = time.monotonic()
        delays = _retry_delays()
        while True:
            try:
                out = []
                async with self._read_slot(), self._read_session() as session:
                    for query, params in statements:
                        result = await session.run(
                            Query(query, timeout=self._tx_timeout), dict(params)
                        )
                        # The values are maps and scalars (``n {.*}``): taken as
                        # they are, without data()'s walk converting graph types.
                        out.append([dict(r.items()) async for r in result])
                return out
            except (nx.Neo4jError, nx.DriverError) as e:
                delay = next(delays)
                spent = time.monotonic() - started + delay
                if not e.is_retryable() or spent > self._max_retry_time:
                    raise translate_error(e) from e
                log.debug("read failed (%s); trying again in %.2f s", e, delay)
                await asyncio.sleep(delay)

    async def _write(
        self,
        work: Callable[[Tx], Awaitable[R]],
        constraint_rule: Rule | None = None,
        constraint_property: str = "",
        timeout: float | None = None,
        *,
        changes_profiles: bool = False,
    ) -> R:
        """Run ``work`` as one managed write transaction. A uniqueness failure on
        ``constraint_property`` becomes ``RuleViolation(constraint_rule)``; one on
        another property (a duplicate id) stays a StoreError. ``changes_profiles``:
        the write may change what collaboration fits read, so it moves the
        profile generation (``profile_generation``) in the same transaction."""
        if changes_profiles:
            work = _bumping(work)
        bounded = unit_of_work(timeout=timeout or self._tx_timeout)(work)
        # An import's long transactions have their own timeout and no call budget.
        budget = self._call_budget if timeout is None else None
        try:
            async with asyncio.timeout(budget):
                return await self._run_write(bounded, constraint_rule, constraint_property)
        except TimeoutError as e:
            raise StoreUnavailable(f"Neo4j did not answer within {budget} s") from e

    async def _run_write(
        self,
        bounded: Callable[[Tx], Awaitable[R]],
        constraint_rule: Rule | None,
        constraint_property: str,
    ) -> R:
        try:
            try:
                async with self._session() as session:
                    result: R = await session.execute_write(bounded)
                    return result
            except nx.IncompleteCommit:
                # The connection died during COMMIT: it may or may not have
                # landed, and the driver does not retry that. Every write here
                # is safe to run again (MERGEs; creates and decisions recognise
                # their own earlier commit), so one more run learns the outcome.
                log.warning("commit outcome unknown; running the write once more")
                async with self._session() as session:
                    result = await session.execute_write(bounded)
                    return result
        except StoreError:
            raise
        except nx.ConstraintError as e:
            if constraint_rule is not None and constraint_property in str(e):
                raise RuleViolation(constraint_rule) from e
            raise translate_error(e) from e
        except (nx.Neo4jError, nx.DriverError) as e:
            raise translate_error(e) from e

    async def _read_rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """The rows of one read-only statement (see ``_read_all``)."""
        (rows,) = await self._read_all([(query, params)])
        return rows

    async def _page(
        self,
        list_query: str,
        count_query: str,
        mapper: Callable[[Row], T],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
        **params: Any,
    ) -> Page[T]:
        # One more than asked tells whether the list goes on (graph_store/paging.py).
        rows, counted = await self._read_all(
            [
                (list_query, {**paging.page_params(first, after, before), **params}),
                (count_query, params),
            ]
        )
        total = int(counted[0]["total"]) if counted else 0
        items = [mapper(r["item"]) for r in rows]
        return paging.cut(items, first, total, after=after, before=before, from_end=from_end)

    async def initialize(self) -> None:
        """Bring the schema to ``SCHEMA_VERSION`` (see ``schema``); idempotent."""

        async def run(statement: str, **params: Any) -> list[dict[str, Any]]:
            # One statement per transaction: schema and data never mix.
            result = await self._driver.execute_query(
                statement, params, database_=self._database, bookmark_manager_=self._bookmarks
            )
            return [r.data() for r in result.records]

        try:
            found = await run(schema.GET_VERSION)
            version = int(found[0]["version"] or 0) if found else 0
            if version < schema.SCHEMA_VERSION:
                stale = schema.stale(await run(schema.SHOW_INDEXES))
                for item in stale:
                    log.info("schema v%s: dropping %s to recreate it", version, item.name)
                    await run(item.drop)
            for item in schema.ITEMS:
                await run(item.create)
            await run(schema.AWAIT_INDEXES)
            if version < 6 and not (await run(q.ANY_COAUTHOR, one=1))[0]["n"]:
                # Made before the COAUTHOR weights: every paper is to count
                # (Neo4jBulk.initialize counts them). A database that has
                # pairs already counts its papers as it writes them.
                while (await run(q.FLAG_ALL_PAPERS, batch=10_000))[0]["n"]:
                    pass
            if version < schema.SCHEMA_VERSION:
                await run(schema.SET_VERSION, version=schema.SCHEMA_VERSION)
            elif version > schema.SCHEMA_VERSION:
                log.warning("database schema v%s is newer than this code's", version)
            if self._trust_model is not None:
                # Plan the counts every scored write reads now, so the first
                # follow or claim after a start does not plan them inside
                # its transaction timeout.
                await run(q.AUTHOR_STATS, ids=[])
        except (nx.Neo4jError, nx.DriverError) as e:
            raise translate_error(e) from e

    async def close(self) -> None:
        try:
            await self._driver.close()
        except (nx.Neo4jError, nx.DriverError) as e:
            raise translate_error(e) from e

    async def ping(self) -> None:
        try:
            # An auto-commit query is not retried: a health check should
            # answer within the connection timeout, not the retry budget.
            async with self._driver.session(database=self._database) as session:
                result = await session.run(q.PING)
                await result.consume()
        except (nx.Neo4jError, nx.DriverError) as e:
            # Any failure to answer means "not usable now" to the caller.
            raise StoreUnavailable(f"Neo4j is unavailable: {e}") from e

    async def wipe_for_tests(self) -> None:
        """Delete every node and relationship, in batches (tests only)."""

        async def work(tx: Tx) -> int:
            return int((await _rows(tx, q.WIPE_BATCH, batch=_WIPE_BATCH))[0]["deleted"])

        while await self._write(work, timeout=self._import_timeout) > 0:
            pass
