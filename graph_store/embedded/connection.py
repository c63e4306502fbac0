"""The embedded backend's plumbing: LadybugDB connections on a writer thread
and a reader pool, transactions, the search side index, and the store's
lifecycle (see store.py for the threading model).

Names with a leading underscore are private to this package.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import ladybug as lb

from graph_store import paging
from graph_store.coauthors import STALE as COAUTHORS_STALE
from graph_store.decisions import TrustModel
from graph_store.embedded import durability
from graph_store.embedded import queries as Q
from graph_store.embedded.ddl import (
    ALL_DDL,
    FILL_REVISION_LISTS,
    FILL_SLUGS,
    REVISION_LIST_TABLE,
    SHOW_TABLES,
    SLUG_TABLE,
    TABLE_INFO,
    fill_statement,
    plan_migration,
)
from graph_store.embedded.search_index import Doc, SearchIndex
from graph_store.errors import StoreDegraded, StoreError, StoreLocked, StoreUnavailable
from graph_store.mapping import NODES
from graph_store.records import (
    Page,
)

log = logging.getLogger(__name__)


T = TypeVar("T")
P = ParamSpec("P")


Row = list[Any]


Node = dict[str, Any]


Params = dict[str, Any]


DB_FILE_NAME = "peergraph.lbdb"
# LadybugDB's words (0.22) when another process holds the database's file lock.
_LOCK_HELD = "could not set lock on file"
DEFAULT_WRITE_TIMEOUT = 3.0
# How often a store stopped by a disk error looks for space to resume.
PROBE_SECONDS = 1.0
# close() waits this long for a running write; a stuck one is left to the
# process exit (see api/cli.py cmd_serve) rather than hanging shutdown.
CLOSE_SECONDS = 5.0
# A reopen waits this long for reads in flight to finish.
DRAIN_SECONDS = 5.0
# Engine objects that must never be closed nor destroyed: a poisoned
# instance flushes its torn WAL buffer when it goes, and on a full disk that
# flush has terminated the process (std::terminate). Kept referenced, they go
# with the process (api/cli.py ends it with os._exit).
_LEFT_OPEN: list[Any] = []
IO_ERROR_REASON = (
    "a disk error stopped writes (see the server log); they resume by themselves "
    "once the disk has room again"
)


class _Conn:
    """One LadybugDB connection, used by one thread only."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def rows(self, query: str, params: Params | None = None) -> list[Row]:
        result = self.raw.execute(query, params or {})
        try:
            rows: list[Row] = result.get_all()
        finally:
            result.close()
        return rows

    def column(self, query: str, params: Params | None = None) -> list[Any]:
        return [row[0] for row in self.rows(query, params)]

    def scalar(self, query: str, params: Params | None = None) -> Any:
        rows = self.rows(query, params)
        return rows[0][0] if rows else None


def _group(keys: Iterable[str]) -> dict[str, list[Any]]:
    return {k: [] for k in keys}


def _uniq(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def page_queries(
    match: str, filters: list[str], *, after: bool, before: bool, from_end: bool
) -> tuple[str, str]:
    """A keyset page of ``match``'s nodes ``n`` by sort_key, and their count."""

    def where(extra: list[str]) -> str:
        clauses = filters + extra
        return " WHERE " + " AND ".join(clauses) if clauses else ""

    bounds = where(paging.bounds("n.sort_key", after, before))
    by = paging.order("n.sort_key", from_end)
    page_q = f"{match}{bounds} RETURN n ORDER BY {by} LIMIT $limit"
    return page_q, match + where([]) + Q.COUNT_TAIL


def _migrate(conn: _Conn) -> set[str]:
    """Bring the node tables an earlier version made up to the mappings (see
    ddl.py); the node tables there were."""
    tables = {name for name, kind in conn.rows(SHOW_TABLES) if kind == "NODE"}
    for mapping in NODES:
        if mapping.label not in tables:
            continue
        info = conn.rows(TABLE_INFO.format(label=mapping.label))
        plan = plan_migration(mapping, [(row[1], row[2]) for row in info])
        if not plan.statements:
            continue
        log.info("embedded schema: %s", "; ".join(plan.statements))
        for statement in plan.statements:
            conn.rows(statement)
        if plan.fill:
            names = [name for name, _ in plan.fill]
            records = [
                mapping.from_props(n) for n in conn.column(f"MATCH (n:{mapping.label}) RETURN n")
            ]
            rows = [
                {"id": p["id"], **{k: p[k] for k in names}} for p in map(mapping.to_props, records)
            ]
            for start in range(0, len(rows), _FILL_CHUNK):
                conn.rows(fill_statement(plan), {"rows": rows[start : start + _FILL_CHUNK]})
    return tables


_FILL_CHUNK = 10_000


def _all_docs(conn: _Conn) -> list[Doc]:
    """Every search document, read from the graph (to rebuild the index)."""
    docs: list[Doc] = [(i, name or "", "") for i, name in conn.rows(Q.ALL_AUTHOR_TEXT)]
    docs += [(i, name or "", "") for i, name in conn.rows(Q.ALL_TOPIC_TEXT)]
    docs += [(i, title or "", abstract or "") for i, title, abstract in conn.rows(Q.ALL_PAPER_TEXT)]
    return docs


class _Gate:
    """Reads share the engine; reopening it (after a disk error) has it alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._reads = 0
        self._exclusive = False

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._reads += 1
        try:
            yield
        finally:
            with self._cond:
                self._reads -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self, timeout: float) -> Iterator[None]:
        with self._cond:
            self._exclusive = True
            if not self._cond.wait_for(lambda: self._reads == 0, timeout):
                self._exclusive = False
                self._cond.notify_all()
                raise StoreUnavailable("reads in flight did not finish")
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class EmbeddedBase:
    """Connections, transactions and lifecycle, shared by the read and write halves."""

    # Set when a bulk COPY failed: LadybugDB must not be used again in this
    # process (embedded/bulk.py); every call is refused, and close() leaves
    # the engine alone (closing it then crashes the process).
    _broken: str | None = None

    def _refuse_if_broken(self) -> None:
        if self._broken is not None:
            raise StoreUnavailable(
                f"embedded store stopped after a failed bulk write ({self._broken}); "
                "restart the process (the database keeps its last commit)"
            )

    def __init__(
        self,
        data_dir: Path,
        *,
        read_threads: int = 4,
        statement_timeout: float | None = None,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
        disk_reserve: int = durability.DEFAULT_DISK_RESERVE_BYTES,
        trust_model: TrustModel | None = None,
    ) -> None:
        self._data_dir = Path(data_dir)
        self._statement_timeout_ms = int(statement_timeout * 1000) if statement_timeout else 0
        self._write_timeout = write_timeout
        self._disk_reserve = disk_reserve
        # Scores the trust changes the writes record; None records none.
        self._trust_model = trust_model
        # Set by a disk error the engine met: that instance writes nothing
        # more (durability.py) until the probe has reopened it.
        self._poisoned: str | None = None
        # When the write on the writer thread began (None: no write running).
        self._busy_since: float | None = None
        self._gate = _Gate()
        self._generation = 0
        # Moved after each committed write that may change collaboration
        # profiles (GraphStore.profile_generation): this process is the
        # database's only writer, so a counter here sees every such write.
        self._profile_generation = 0
        self._profile_lock = threading.Lock()
        # Another store object over the same files (a restart) starts at 0
        # again: the token tells their numbers apart.
        self._profile_epoch = uuid.uuid4().hex
        self._stop = threading.Event()
        self._probe: threading.Thread | None = None
        self._db_path = self._data_dir / DB_FILE_NAME
        self._db: Any = None
        self._write_conn: _Conn | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ladybug-write")
        self._readers = ThreadPoolExecutor(
            max_workers=read_threads, thread_name_prefix="ladybug-read"
        )
        self._local = threading.local()
        self._raw_conns: list[Any] = []
        self._conns_lock = threading.Lock()
        self._closed = False
        self._search = SearchIndex(self._data_dir)

    @property
    def db_path(self) -> Path:
        return self._db_path

    def _connect(self, *, strict: bool) -> tuple[Any, _Conn]:
        db = lb.Database(
            str(self._db_path),
            checkpoint_threshold=durability.checkpoint_threshold(self._disk_reserve),
            throw_on_wal_replay_failure=strict,
        )
        conn = _Conn(lb.Connection(db))
        conn.rows(Q.PING)
        return db, conn

    def _open(self) -> None:
        """Open the database (writer thread only), naming the file that blocks it.

        A WAL the engine cannot replay whole (a tear left by a disk error or a
        kill) is replayed up to the tear, every acknowledged commit being
        before it (durability.py); the WAL as found is kept aside and logged."""
        if self._db is not None:
            return
        wal = self._db_path.with_name(self._db_path.name + ".wal")
        try:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            try:
                db, conn = self._connect(strict=True)
            except Exception as e:
                if "lock" in str(e).lower() or not wal.exists():
                    raise
                copy = durability.keep_wal_aside(wal)
                log.error(
                    "embedded database %s: its write-ahead log could not be replayed whole "
                    "(%s); opening with the log replayed up to its unreadable tail, the log "
                    "as found kept in %s",
                    self._db_path,
                    e,
                    copy or "(no copy: could not write it)",
                )
                db, conn = self._connect(strict=False)
        except Exception as e:
            msg = str(e)
            if _LOCK_HELD in msg.lower():
                raise StoreLocked(
                    f"embedded database {self._db_path} is in use by another process: {msg}"
                ) from e
            if "lock" in msg.lower():
                raise StoreUnavailable(
                    f"embedded database {self._db_path} is in use by another process: {msg}"
                ) from e
            raise StoreError(f"cannot open embedded database {self._db_path}: {msg}") from e
        self._db = db
        self._write_conn = conn
        with self._conns_lock:
            self._raw_conns.append(conn.raw)

    # --- degraded state: refused writes, readiness, recovery -----------------

    def _unwritable(self) -> str | None:
        """Why a write must be refused now, or None (readiness says the same)."""
        if self._poisoned is not None:
            return IO_ERROR_REASON
        busy = self._busy_since
        if busy is not None and time.monotonic() - busy > self._write_timeout:
            return f"a write has been running for over {self._write_timeout:g} s"
        return durability.low_space(self._data_dir, self._disk_reserve)

    def _refuse_unwritable(self) -> None:
        reason = self._unwritable()
        if reason is not None:
            raise StoreDegraded(reason)

    def _failed(self, e: BaseException, what: str) -> StoreError:
        """The error a failed engine call becomes; a disk error poisons the instance."""
        if durability.is_io_error(e):
            if self._poisoned is None:
                log.error("embedded store: disk error, writes stop until it clears: %s", e)
            self._poisoned = str(e)
            return StoreDegraded(IO_ERROR_REASON)
        return StoreError(f"embedded store {what}: {e}")

    def _probe_loop(self) -> None:
        """While poisoned: once the disk has room, reopen on the writer thread."""
        # Room for the poisoned instance's last flush and a checkpoint, even
        # with no reserve configured.
        room = max(self._disk_reserve, 2 * durability.checkpoint_threshold(self._disk_reserve))
        while not self._stop.wait(PROBE_SECONDS):
            if self._poisoned is None or durability.low_space(self._data_dir, room):
                continue
            try:
                self._writer.submit(self._recover).result()
            except RuntimeError:  # writer shut down: closing
                return
            except Exception as e:
                log.warning(
                    "embedded store: recovery failed (next try in %s s): %s", PROBE_SECONDS, e
                )

    def _recover(self) -> None:
        """Reopen the files (the poisoned instance must not flush again), fold
        the WAL into the database file as the test write, then resume."""
        if self._poisoned is None or self._closed:
            return
        with self._gate.exclusive(DRAIN_SECONDS):
            with self._conns_lock:
                conns, self._raw_conns = self._raw_conns, []
            for raw in conns:
                with contextlib.suppress(Exception):
                    raw.close()
            with contextlib.suppress(Exception):
                self._db.close()
            self._db = None
            self._write_conn = None
            self._generation += 1  # reader threads open new connections
            self._open()
            # The reopened files hold what the log replayed, not necessarily
            # what the poisoned instance answered.
            self._profiles_changed()
        assert self._write_conn is not None
        try:
            self._write_conn.rows("CHECKPOINT")
            self._rebuild_search_if_dirty()
        except Exception as e:
            raise self._failed(e, "checkpoint failed") from e
        self._poisoned = None
        log.info("embedded store: the disk has room again; writes resume")

    def _reader_conn(self) -> _Conn:
        conn: _Conn | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "generation", None) != self._generation:
            if self._db is None:
                raise StoreUnavailable("embedded store is not initialised (or closed)")
            raw = lb.Connection(self._db)
            if self._statement_timeout_ms:
                # Reads only: bulk COPY on the writer may rightly take minutes.
                raw.set_query_timeout(self._statement_timeout_ms)
            conn = _Conn(raw)
            with self._conns_lock:
                self._raw_conns.append(conn.raw)
            self._local.conn = conn
            self._local.generation = self._generation
        return conn

    def _run_read(self, fn: Callable[[_Conn], T]) -> T:
        self._refuse_if_broken()
        with self._gate.read():
            try:
                return fn(self._reader_conn())
            except StoreError:
                raise
            except Exception as e:
                if str(e).startswith("Interrupted"):  # LadybugDB at the statement timeout
                    raise StoreUnavailable(
                        f"embedded read stopped after {self._statement_timeout_ms} ms"
                    ) from e
                raise self._failed(e, "read failed") from e

    def _run_write(self, fn: Callable[[_Conn], T]) -> T:
        self._refuse_if_broken()
        # Again here: the store may have degraded while this write queued.
        self._refuse_unwritable()
        conn = self._write_conn
        if conn is None:
            raise StoreUnavailable("embedded store is not initialised (or closed)")
        self._busy_since = time.monotonic()
        try:
            return self._transaction(conn, fn)
        finally:
            self._busy_since = None

    def _transaction(self, conn: _Conn, fn: Callable[[_Conn], T]) -> T:
        try:
            conn.rows("BEGIN TRANSACTION")
        except Exception as e:
            raise self._failed(e, "could not begin a transaction") from e
        committing = False
        try:
            result = fn(conn)
            committing = True
            conn.rows("COMMIT")
            return result
        except BaseException as e:
            if committing and durability.committed_anyway(e):
                # Durable (the engine says so, and a reopen finds it): the
                # write is acknowledged; only this instance is poisoned.
                self._failed(e, "checkpoint failed")
                return result
            self._rollback(conn)
            if not isinstance(e, Exception) or (
                isinstance(e, StoreError) and not durability.is_io_error(e)
            ):
                raise
            raise self._failed(e, "write failed") from e

    @staticmethod
    def _rollback(conn: _Conn) -> None:
        try:
            conn.rows("ROLLBACK")
        except Exception as e:
            # A failed statement has usually rolled the transaction back already.
            if "no active transaction" not in str(e).lower():
                log.warning("embedded store rollback failed: %s", e)

    async def _submit(self, executor: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(executor, fn)
        except RuntimeError as e:  # executor shut down
            raise StoreUnavailable("embedded store is closed") from e
        return await future

    async def _read(self, fn: Callable[[_Conn], T]) -> T:
        return await self._submit(self._readers, lambda: self._run_read(fn))

    async def _write(
        self, fn: Callable[[_Conn], T], *, timed: bool = True, changes_profiles: bool = False
    ) -> T:
        """One write transaction on the writer thread. Refused at once while
        the store is degraded (before the engine can meet a full disk); past
        the write timeout (``timed``: not the import) the caller gets
        SERVICE_UNAVAILABLE, and the write is dropped if it has not started.
        ``changes_profiles``: the write may change what collaboration fits
        read; the profile generation moves once it has committed."""
        self._refuse_unwritable()
        abandoned = threading.Event()

        def run() -> T:
            if abandoned.is_set():
                raise StoreUnavailable("write abandoned at its deadline before it began")
            if changes_profiles:
                return self._changing_profiles(self._run_write, fn)
            return self._run_write(fn)

        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._writer, run)
        except RuntimeError as e:  # executor shut down
            raise StoreUnavailable("embedded store is closed") from e
        if not timed:
            return await future
        try:
            return await asyncio.wait_for(asyncio.shield(future), self._write_timeout)
        except TimeoutError:
            raise StoreDegraded(
                f"the write did not finish within {self._write_timeout:g} s"
            ) from None
        finally:
            if not future.done():
                abandoned.set()
                future.add_done_callback(_consume)

    def _profiles_changed(self) -> None:
        with self._profile_lock:
            self._profile_generation += 1

    def _changing_profiles(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a writer-thread job that may change collaboration profiles; the
        generation moves when it ends, after its commit (a rollback moves it
        too: harmless), on the same thread, so also when the caller stopped
        waiting for it."""
        try:
            return job(*args, **kwargs)
        finally:
            self._profiles_changed()

    async def profile_generation(self) -> str:
        return f"{self._profile_epoch}:{self._profile_generation}"

    async def _write_indexed(
        self, fn: Callable[[_Conn], T], *, timed: bool = True, changes_profiles: bool = False
    ) -> T:
        """A write that may change searchable text: ``fn`` puts the documents in
        the search index; they count once the graph has committed."""
        try:
            result = await self._write(fn, timed=timed, changes_profiles=changes_profiles)
        except BaseException:
            # The graph rolled back: documents written for it must go too.
            with contextlib.suppress(Exception):
                await self._submit(self._writer, self._rebuild_search_if_dirty)
            raise
        try:
            self._search.settle()
        except StoreError as e:
            # Committed: the index holds the documents already; it stays marked
            # dirty and is rebuilt at the next start.
            log.warning("search index: %s", e)
        return result

    def _rebuild_search_if_dirty(self) -> None:
        if self._write_conn is not None and self._search.needs_rebuild():
            self._search.rebuild(_all_docs(self._write_conn))

    async def _page(
        self,
        match: str,
        filters: list[str],
        params: Params,
        first: int,
        after: str | None,
        mapper: Callable[[Node], T],
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[T]:
        page_q, count_q = page_queries(
            match, filters, after=after is not None, before=before is not None, from_end=from_end
        )
        page_params = {**params, **paging.page_params(first, after, before)}

        def run(conn: _Conn) -> Page[T]:
            nodes = conn.column(page_q, page_params)
            total = int(conn.scalar(count_q, params) or 0)
            items = [mapper(n) for n in nodes]
            return paging.cut(items, first, total, after=after, before=before, from_end=from_end)

        return await self._read(run)

    async def _by_key(
        self, query: str, values: Sequence[str], mapper: Callable[[Node], T], key: str = "id"
    ) -> dict[str, T]:
        """One query for all values; answers keyed by the node's ``key`` property."""
        if not values:
            return {}
        params = {"ids" if key == "id" else "slugs": _uniq(values)}

        def run(conn: _Conn) -> dict[str, T]:
            return {n[key]: mapper(n) for n in conn.column(query, params)}

        return await self._read(run)

    async def initialize(self) -> None:
        def run() -> None:
            self._open()
            assert self._write_conn is not None
            conn = self._write_conn
            try:
                conn.rows("BEGIN TRANSACTION")
                rels = {name for name, kind in conn.rows(SHOW_TABLES) if kind == "REL"}
                tables = _migrate(conn)
                for statement in ALL_DDL:
                    conn.rows(statement)
                if tables and SLUG_TABLE not in tables:
                    conn.rows(FILL_SLUGS)
                if "AUTHORED" in rels and "COAUTHOR" not in rels:
                    # Made before the weights: count them (EmbeddedBulk.initialize).
                    conn.rows(Q.SET_MARK, {"name": COAUTHORS_STALE})
                if tables and REVISION_LIST_TABLE not in tables:
                    for statement in FILL_REVISION_LISTS:
                        conn.rows(statement)
                conn.rows("COMMIT")
            except Exception as e:
                self._rollback(conn)
                if isinstance(e, StoreError):
                    raise
                raise StoreError(f"embedded store schema setup failed: {e}") from e
            if self._search.open():
                log.info("building the search index from the graph")
                self._search.rebuild(_all_docs(self._write_conn))

        await self._submit(self._writer, run)
        if self._probe is None:
            self._probe = threading.Thread(
                target=self._probe_loop, name="ladybug-probe", daemon=True
            )
            self._probe.start()

    async def close(self) -> None:
        """Close within CLOSE_SECONDS: a write stuck in the engine is left
        running (its thread ends with the process) rather than hold shutdown."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()

        def shutdown() -> None:
            self._readers.shutdown(wait=True)
            self._writer.shutdown(wait=True, cancel_futures=True)
            with self._conns_lock:
                conns, self._raw_conns = self._raw_conns, []
            if self._broken is not None or self._poisoned is not None:
                # See _broken and _LEFT_OPEN: the files stay as a kill leaves
                # them, which the next open replays.
                _LEFT_OPEN.extend([*conns, self._db])
                conns = []
                self._db = None
            for raw in conns:
                try:
                    raw.close()
                except Exception as e:  # closing is best effort
                    log.debug("closing a connection failed: %s", e)
            if self._db is not None:
                try:
                    self._db.close()
                except Exception as e:
                    log.debug("closing the database failed: %s", e)
            self._db = None
            self._write_conn = None
            self._search.close()

        # A daemon thread, not to_thread: asyncio.run waits for its executor.
        closer = threading.Thread(target=shutdown, name="ladybug-close", daemon=True)
        closer.start()
        deadline = time.monotonic() + CLOSE_SECONDS
        while closer.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if closer.is_alive():
            raise StoreError(
                f"embedded store did not close within {CLOSE_SECONDS:g} s (a write is stuck "
                "in the engine); its acknowledged writes are in the write-ahead log"
            )

    async def ping(self) -> None:
        """Readiness: StoreDegraded while writes are refused (with why)."""
        self._refuse_if_broken()
        self._refuse_unwritable()
        try:
            await self._read(lambda conn: conn.rows(Q.PING))
        except StoreUnavailable:
            raise
        except StoreError as e:
            raise StoreUnavailable(f"embedded store does not answer: {e}") from e


def _consume(future: asyncio.Future[Any]) -> None:
    """An abandoned write's outcome was logged where it failed; retrieving it
    keeps asyncio from reporting it as never retrieved."""
    if not future.cancelled():
        future.exception()
