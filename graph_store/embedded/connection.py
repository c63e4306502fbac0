"""The embedded backend's plumbing: LadybugDB connections on a writer thread
and a reader pool, transactions, the search side index, and the store's
lifecycle (see store.py for the threading model).

Names with a leading underscore are private to this package.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import ladybug as lb

from graph_store import paging
from graph_store.decisions import TrustModel
from graph_store.embedded import queries as Q
from graph_store.embedded.ddl import (
    ALL_DDL,
    FILL_SLUGS,
    SHOW_TABLES,
    SLUG_TABLE,
    TABLE_INFO,
    fill_statement,
    plan_migration,
)
from graph_store.embedded.search_index import Doc, SearchIndex
from graph_store.errors import StoreError, StoreUnavailable
from graph_store.mapping import NODES
from graph_store.records import (
    Page,
)

log = logging.getLogger(__name__)


T = TypeVar("T")


Row = list[Any]


Node = dict[str, Any]


Params = dict[str, Any]


DB_FILE_NAME = "peergraph.lbdb"


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
        trust_model: TrustModel | None = None,
    ) -> None:
        self._data_dir = Path(data_dir)
        # Scores the trust changes the writes record; None records none.
        self._trust_model = trust_model
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

    def _open(self) -> None:
        """Open the database (writer thread only), naming the file that blocks it."""
        if self._db is not None:
            return
        wal = self._db_path.with_name(self._db_path.name + ".wal")
        try:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            db = lb.Database(str(self._db_path))
            conn = _Conn(lb.Connection(db))
            conn.rows(Q.PING)
        except Exception as e:
            msg = str(e)
            if "lock" in msg.lower():
                raise StoreUnavailable(
                    f"embedded database {self._db_path} is in use by another process: {msg}"
                ) from e
            if wal.exists() or "wal" in msg.lower():
                raise StoreError(
                    f"cannot open embedded database {self._db_path}: its write-ahead log "
                    f"{wal} could not be replayed (left by a killed process?). Move {wal} "
                    f"aside to open the database without its uncommitted tail. Engine: {msg}"
                ) from e
            raise StoreError(f"cannot open embedded database {self._db_path}: {msg}") from e
        self._db = db
        self._write_conn = conn
        with self._conns_lock:
            self._raw_conns.append(conn.raw)

    def _reader_conn(self) -> _Conn:
        conn: _Conn | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._db is None:
                raise StoreUnavailable("embedded store is not initialised (or closed)")
            conn = _Conn(lb.Connection(self._db))
            with self._conns_lock:
                self._raw_conns.append(conn.raw)
            self._local.conn = conn
        return conn

    def _run_read(self, fn: Callable[[_Conn], T]) -> T:
        self._refuse_if_broken()
        try:
            return fn(self._reader_conn())
        except StoreError:
            raise
        except Exception as e:
            raise StoreError(f"embedded store read failed: {e}") from e

    def _run_write(self, fn: Callable[[_Conn], T]) -> T:
        self._refuse_if_broken()
        conn = self._write_conn
        if conn is None:
            raise StoreUnavailable("embedded store is not initialised (or closed)")
        try:
            conn.rows("BEGIN TRANSACTION")
        except Exception as e:
            raise StoreError(f"embedded store could not begin a transaction: {e}") from e
        try:
            result = fn(conn)
            conn.rows("COMMIT")
            return result
        except BaseException as e:
            self._rollback(conn)
            if isinstance(e, StoreError) or not isinstance(e, Exception):
                raise
            raise StoreError(f"embedded store write failed: {e}") from e

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

    async def _write(self, fn: Callable[[_Conn], T]) -> T:
        return await self._submit(self._writer, lambda: self._run_write(fn))

    async def _write_indexed(self, fn: Callable[[_Conn], T]) -> T:
        """A write that may change searchable text: ``fn`` puts the documents in
        the search index; they count once the graph has committed."""
        try:
            result = await self._write(fn)
        except BaseException:
            # The graph rolled back: documents written for it must go too.
            await self._submit(self._writer, self._rebuild_search_if_dirty)
            raise
        self._search.settle()
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
        def where(extra: list[str]) -> str:
            clauses = filters + extra
            return " WHERE " + " AND ".join(clauses) if clauses else ""

        page_filters = paging.bounds("n.sort_key", after is not None, before is not None)
        by = paging.order("n.sort_key", from_end)
        page_q = f"{match}{where(page_filters)} RETURN n ORDER BY {by} LIMIT $limit"
        count_q = match + where([]) + Q.COUNT_TAIL
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
                tables = _migrate(conn)
                for statement in ALL_DDL:
                    conn.rows(statement)
                if tables and SLUG_TABLE not in tables:
                    conn.rows(FILL_SLUGS)
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

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True

        def shutdown() -> None:
            self._readers.shutdown(wait=True)
            self._writer.shutdown(wait=True)
            with self._conns_lock:
                conns, self._raw_conns = self._raw_conns, []
            if self._broken is not None:
                conns = []  # see _broken: the engine is left for the process exit
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

        await asyncio.to_thread(shutdown)

    async def ping(self) -> None:
        try:
            await self._read(lambda conn: conn.rows(Q.PING))
        except StoreUnavailable:
            raise
        except StoreError as e:
            raise StoreUnavailable(f"embedded store does not answer: {e}") from e
