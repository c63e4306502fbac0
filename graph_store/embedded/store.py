"""The embedded GraphStore: LadybugDB in a directory on disk.

Threading model. LadybugDB's Python API is synchronous, and the engine allows
one write transaction at a time: a second writer fails at once (and a
statement on a connection whose BEGIN failed has crashed the process in
tests), so every write runs on ONE dedicated thread with ONE connection, each
write method being one ``BEGIN TRANSACTION … COMMIT`` there. Queuing on that
thread is the write lock: conditional writes check their rule inside their
transaction with no other writer able to interleave. Reads run on a small
pool, each thread with its own connection (connections are not shared across
threads); MVCC gives them a committed snapshot while a write is in flight.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import ladybug as lb

from graph_store.embedded import queries as Q
from graph_store.embedded.ddl import ALL_DDL
from graph_store.embedded.search_index import Doc, SearchIndex
from graph_store.errors import Rule, RuleViolation, StoreError, StoreUnavailable
from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    AuthorStatsRecord,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CoauthorRecord,
    CorrectionRecord,
    CorrectionStatus,
    GraphEdgeRecord,
    ImportBatch,
    ImportedFigures,
    InstitutionRecord,
    InvitationRecord,
    InvitationStatus,
    NodeKind,
    Page,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
    Role,
    SearchHitRecord,
    TopicRecord,
    TopicWeightRecord,
    UserRecord,
    author_sort_key,
    from_micros,
    kind_of,
    paper_sort_key,
    to_micros,
    topic_sort_key,
)
from graph_store.shared_rules import (
    SEARCH_CANDIDATES,
    merge_author,
    merge_paper,
    replayed_create,
    search_order,
    search_score,
    search_words,
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


# --- record mapping -----------------------------------------------------------


def _opt_micros(value: datetime | None) -> int | None:
    return to_micros(value) if value is not None else None


def _opt_time(value: int | None) -> datetime | None:
    return from_micros(value) if value is not None else None


def _casefold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def _author(n: Node) -> AuthorRecord:
    imported = None
    if n.get("imp_source") is not None:
        imported = ImportedFigures(
            works=n["imp_works"],
            followers=n["imp_followers"],
            topics=n["imp_topics"],
            collaborators=n["imp_collaborators"],
            trust_score=n["imp_trust_score"],
            trust_tier=n["imp_trust_tier"],
            verification=n["imp_verification"],
            source=n["imp_source"],
        )
    return AuthorRecord(
        id=n["id"],
        slug=n["slug"],
        name=n["name"],
        claim_status=ClaimStatus(n["claim_status"] or ClaimStatus.UNCLAIMED),
        affiliation_id=n["affiliation_id"],
        imported=imported,
    )


def _author_row(a: AuthorRecord) -> Params:
    f = a.imported
    return {
        "id": a.id,
        "slug": a.slug,
        "name": a.name,
        "name_lc": a.name.casefold(),
        "sort_key": a.sort_key,
        "claim_status": a.claim_status.value,
        "affiliation_id": a.affiliation_id,
        "imp_works": f.works if f else None,
        "imp_followers": f.followers if f else None,
        "imp_topics": f.topics if f else None,
        "imp_collaborators": f.collaborators if f else None,
        "imp_trust_score": f.trust_score if f else None,
        "imp_trust_tier": f.trust_tier if f else None,
        "imp_verification": f.verification if f else None,
        "imp_source": f.source if f else None,
    }


def _paper(n: Node) -> PaperRecord:
    return PaperRecord(
        id=n["id"],
        title=n["title"],
        kind=PaperKind(n["kind"]),
        year=n["year"],
        venue=n["venue"],
        abstract=n["abstract"],
        code_url=n["code_url"],
    )


def _paper_row(p: PaperRecord) -> Params:
    return {
        "id": p.id,
        "title": p.title,
        "title_lc": p.title.casefold(),
        "kind": p.kind.value,
        "year": p.year,
        "venue": p.venue,
        "abstract": p.abstract,
        "abstract_lc": _casefold(p.abstract),
        "code_url": p.code_url,
        "sort_key": p.sort_key,
    }


def _topic(n: Node) -> TopicRecord:
    return TopicRecord(id=n["id"], slug=n["slug"], name=n["name"])


def _institution(n: Node) -> InstitutionRecord:
    return InstitutionRecord(id=n["id"], name=n["name"])


def _replay(conn: _Conn, query: str, mapper: Callable[[Node], T], record: Any) -> T | None:
    """The record an earlier attempt of this create stored, if any."""
    found = conn.column(query, {"id": record.id})
    return replayed_create(mapper(found[0]) if found else None, record)


def _user(n: Node) -> UserRecord:
    return UserRecord(
        id=n["id"],
        email=n["email"],
        display_name=n["display_name"],
        password_hash=n["password_hash"],
        role=Role(n["role"]),
        created_at=from_micros(n["created_at"]),
    )


def _claim(n: Node) -> ClaimRecord:
    return ClaimRecord(
        id=n["id"],
        author_id=n["author_id"],
        user_id=n["user_id"],
        status=ClaimDecision(n["status"]),
        evidence=n["evidence"],
        created_at=from_micros(n["created_at"]),
        decided_at=_opt_time(n["decided_at"]),
        note=n["note"],
    )


def _invitation(n: Node) -> InvitationRecord:
    return InvitationRecord(
        id=n["id"],
        sender_id=n["sender_id"],
        sender_author_id=n["sender_author_id"],
        recipient_author_id=n["recipient_author_id"],
        message=n["message"],
        status=InvitationStatus(n["status"]),
        created_at=from_micros(n["created_at"]),
        responded_at=_opt_time(n["responded_at"]),
    )


def _correction(n: Node) -> CorrectionRecord:
    return CorrectionRecord(
        id=n["id"],
        target_id=n["target_id"],
        field=n["field"],
        proposed_value=n["proposed_value"],
        reason=n["reason"],
        status=CorrectionStatus(n["status"]),
        created_by=n["created_by"],
        created_at=from_micros(n["created_at"]),
        reviewed_by=n["reviewed_by"],
        reviewed_at=_opt_time(n["reviewed_at"]),
        note=n["note"],
    )


def _group(keys: Iterable[str]) -> dict[str, list[Any]]:
    return {k: [] for k in keys}


def _uniq(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- the store -------------------------------------------------------------------


class EmbeddedGraphStore:
    """GraphStore over LadybugDB; the database file lives in ``data_dir``."""

    def __init__(self, data_dir: Path, *, read_threads: int = 4) -> None:
        self._data_dir = Path(data_dir)
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

    # --- plumbing ---------------------------------------------------------------

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
        try:
            return fn(self._reader_conn())
        except StoreError:
            raise
        except Exception as e:
            raise StoreError(f"embedded store read failed: {e}") from e

    def _run_write(self, fn: Callable[[_Conn], T]) -> T:
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
        if self._write_conn is not None and self._search.open():
            self._search.rebuild(_all_docs(self._write_conn))

    async def _page(
        self,
        match: str,
        filters: list[str],
        params: Params,
        first: int,
        after: str | None,
        mapper: Callable[[Node], T],
    ) -> Page[T]:
        def where(extra: list[str]) -> str:
            clauses = filters + extra
            return " WHERE " + " AND ".join(clauses) if clauses else ""

        page_filters = [Q.AFTER_FILTER] if after is not None else []
        limit = max(first, 0) + 1
        page_q = match + where(page_filters) + Q.PAGE_TAIL
        count_q = match + where([]) + Q.COUNT_TAIL
        page_params = {**params, "limit": limit}
        if after is not None:
            page_params["after"] = after

        def run(conn: _Conn) -> Page[T]:
            nodes = conn.column(page_q, page_params)
            total = int(conn.scalar(count_q, params) or 0)
            items = tuple(mapper(n) for n in nodes[: max(first, 0)])
            return Page(items=items, total=total, has_next=len(nodes) > max(first, 0))

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

    # --- lifecycle ------------------------------------------------------------

    async def initialize(self) -> None:
        def run() -> None:
            self._open()
            assert self._write_conn is not None
            try:
                for statement in ALL_DDL:
                    self._write_conn.rows(statement)
            except Exception as e:
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

    # --- import -----------------------------------------------------------------

    async def import_batch(self, batch: ImportBatch) -> None:
        def run(conn: _Conn) -> None:
            docs: list[Doc] = []
            if batch.institutions:
                conn.rows(
                    Q.MERGE_INSTITUTIONS,
                    {
                        "rows": [
                            {"id": i.id, "name": i.name, "name_lc": i.name.casefold()}
                            for i in {i.id: i for i in reversed(batch.institutions)}.values()
                        ]
                    },
                )
            if batch.topics:
                conn.rows(
                    Q.MERGE_TOPICS,
                    {
                        "rows": [
                            {
                                "id": t.id,
                                "slug": t.slug,
                                "name": t.name,
                                "name_lc": t.name.casefold(),
                                "sort_key": topic_sort_key(t.slug),
                            }
                            for t in {t.id: t for t in reversed(batch.topics)}.values()
                        ]
                    },
                )
            if batch.authors:
                ids = _uniq(a.id for a in batch.authors)
                known: dict[str, AuthorRecord] = {
                    n["id"]: _author(n) for n in conn.column(Q.EXISTING_AUTHORS, {"ids": ids})
                }
                for a in batch.authors:
                    known[a.id] = merge_author(known.get(a.id), a)
                conn.rows(Q.UPSERT_AUTHORS, {"rows": [_author_row(known[i]) for i in ids]})
                conn.rows(Q.MERGE_AFFILIATIONS, {"ids": ids})
                docs += [(i, known[i].name.casefold(), "") for i in ids]
            if batch.papers:
                ids = _uniq(p.id for p in batch.papers)
                papers: dict[str, PaperRecord] = {
                    n["id"]: _paper(n) for n in conn.column(Q.EXISTING_PAPERS, {"ids": ids})
                }
                corrected = set(
                    conn.column(
                        Q.CORRECTED_TARGETS,
                        {"ids": list(papers), "applied": CorrectionStatus.APPLIED.value},
                    )
                )
                for p in batch.papers:
                    papers[p.id] = merge_paper(papers.get(p.id), p, corrected=p.id in corrected)
                conn.rows(Q.UPSERT_PAPERS, {"rows": [_paper_row(papers[i]) for i in ids]})
                docs += [_paper_doc(papers[i]) for i in ids]
            if batch.authorships:
                first_rows = {(r.author_id, r.paper_id): r for r in reversed(batch.authorships)}
                conn.rows(
                    Q.MERGE_AUTHORSHIPS,
                    {
                        "rows": [
                            {
                                "author_id": r.author_id,
                                "paper_id": r.paper_id,
                                "position": r.position,
                            }
                            for r in first_rows.values()
                        ]
                    },
                )
            if batch.paper_topics:
                conn.rows(
                    Q.MERGE_PAPER_TOPICS,
                    {
                        "rows": [
                            {"paper_id": p, "topic_id": t}
                            for p, t in dict.fromkeys(batch.paper_topics)
                        ]
                    },
                )
            # Topics keep their first name (shared_rules), in the index too.
            topic_docs = [(t.id, t.name.casefold(), "") for t in batch.topics]
            self._search.upsert(docs, keep_existing=topic_docs)

        await self._write_indexed(run)

    async def find_authors_by_name(self, names: Sequence[str]) -> dict[str, AuthorRecord]:
        if not names:
            return {}
        params = {"names": _uniq(n.casefold() for n in names)}

        def run(conn: _Conn) -> dict[str, AuthorRecord]:
            found: dict[str, AuthorRecord] = {}
            for n in conn.column(Q.AUTHORS_BY_NAME_LC, params):
                found.setdefault(n["name_lc"], _author(n))  # first by sort_key wins
            return found

        return await self._read(run)

    async def existing_slugs(self, slugs: Sequence[str]) -> set[str]:
        if not slugs:
            return set()
        params = {"slugs": _uniq(slugs)}
        return await self._read(lambda conn: set(conn.column(Q.SLUGS_TAKEN, params)))

    async def find_papers_by_title(self, titles: Sequence[str]) -> dict[str, PaperRecord]:
        if not titles:
            return {}
        params = {"titles": _uniq(t.casefold() for t in titles)}

        def run(conn: _Conn) -> dict[str, PaperRecord]:
            found: dict[str, PaperRecord] = {}
            for n in conn.column(Q.PAPERS_BY_TITLE_LC, params):
                found.setdefault(n["title_lc"], _paper(n))
            return found

        return await self._read(run)

    async def author_count(self) -> int:
        return int(await self._read(lambda conn: conn.scalar(Q.AUTHOR_COUNT)) or 0)

    # --- batch reads by id ----------------------------------------------------

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._by_key(Q.AUTHORS_BY_ID, ids, _author)

    async def get_authors_by_slug(self, slugs: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._by_key(Q.AUTHORS_BY_SLUG, slugs, _author, "slug")

    async def get_papers(self, ids: Sequence[str]) -> dict[str, PaperRecord]:
        return await self._by_key(Q.PAPERS_BY_ID, ids, _paper)

    async def get_topics(self, ids: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._by_key(Q.TOPICS_BY_ID, ids, _topic)

    async def get_topics_by_slug(self, slugs: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._by_key(Q.TOPICS_BY_SLUG, slugs, _topic, "slug")

    async def get_institutions(self, ids: Sequence[str]) -> dict[str, InstitutionRecord]:
        return await self._by_key(Q.INSTITUTIONS_BY_ID, ids, _institution)

    async def get_users(self, ids: Sequence[str]) -> dict[str, UserRecord]:
        return await self._by_key(Q.USERS_BY_ID, ids, _user)

    async def get_claims(self, ids: Sequence[str]) -> dict[str, ClaimRecord]:
        return await self._by_key(Q.CLAIMS_BY_ID, ids, _claim)

    async def get_invitations(self, ids: Sequence[str]) -> dict[str, InvitationRecord]:
        return await self._by_key(Q.INVITATIONS_BY_ID, ids, _invitation)

    async def get_corrections(self, ids: Sequence[str]) -> dict[str, CorrectionRecord]:
        return await self._by_key(Q.CORRECTIONS_BY_ID, ids, _correction)

    # --- lists (keyset pages) ---------------------------------------------------

    async def list_authors(
        self, spec: AuthorFilterSpec, first: int, after: str | None
    ) -> Page[AuthorRecord]:
        filters: list[str] = []
        params: Params = {}
        if spec.name_contains:
            filters.append(Q.AUTHOR_NAME_FILTER)
            params["name"] = spec.name_contains.casefold()
        if spec.topic_slug is not None:
            filters.append(Q.AUTHOR_TOPIC_FILTER)
            params["topic"] = spec.topic_slug
        if spec.claim_status is not None:
            filters.append(Q.AUTHOR_STATUS_FILTER)
            params["claim_status"] = spec.claim_status.value
        return await self._page(Q.LIST_AUTHORS_MATCH, filters, params, first, after, _author)

    async def list_papers(
        self, spec: PaperFilterSpec, first: int, after: str | None
    ) -> Page[PaperRecord]:
        filters: list[str] = []
        params: Params = {}
        if spec.title_contains:
            filters.append(Q.PAPER_TITLE_FILTER)
            params["title"] = spec.title_contains.casefold()
        if spec.topic_slug is not None:
            filters.append(Q.PAPER_TOPIC_FILTER)
            params["topic"] = spec.topic_slug
        if spec.year_from is not None:
            filters.append(Q.PAPER_YEAR_FROM_FILTER)
            params["year_from"] = spec.year_from
        if spec.year_to is not None:
            filters.append(Q.PAPER_YEAR_TO_FILTER)
            params["year_to"] = spec.year_to
        if spec.kind is not None:
            filters.append(Q.PAPER_KIND_FILTER)
            params["kind"] = spec.kind.value
        return await self._page(Q.LIST_PAPERS_MATCH, filters, params, first, after, _paper)

    async def list_topics(self, first: int, after: str | None) -> Page[TopicRecord]:
        return await self._page(Q.LIST_TOPICS_MATCH, [], {}, first, after, _topic)

    # --- relations ------------------------------------------------------------------

    async def _grouped(
        self, query: str, ids: Sequence[str], mapper: Callable[[Node], T]
    ) -> dict[str, list[T]]:
        """Rows of (key, node) already in display order, grouped by key."""
        out: dict[str, list[T]] = _group(ids)
        if not ids:
            return out
        params = {"ids": _uniq(ids)}

        def run(conn: _Conn) -> dict[str, list[T]]:
            for key, node in conn.rows(query, params):
                out[key].append(mapper(node))
            return out

        return await self._read(run)

    async def papers_of_authors(self, author_ids: Sequence[str]) -> dict[str, list[PaperRecord]]:
        return await self._grouped(Q.PAPERS_OF_AUTHORS, author_ids, _paper)

    async def paper_pages_of_authors(
        self, author_ids: Sequence[str], first: int, after: str | None
    ) -> dict[str, Page[PaperRecord]]:
        return await self._paper_pages("author", author_ids, first, after)

    async def paper_pages_of_topics(
        self, topic_ids: Sequence[str], first: int, after: str | None
    ) -> dict[str, Page[PaperRecord]]:
        return await self._paper_pages("topic", topic_ids, first, after)

    async def _paper_pages(
        self, of: str, owner_ids: Sequence[str], first: int, after: str | None
    ) -> dict[str, Page[PaperRecord]]:
        first = max(first, 0)
        query = Q.PAPER_PAGE[of] if after is None else Q.PAPER_PAGE_AFTER[of]

        def run(conn: _Conn) -> dict[str, Page[PaperRecord]]:
            out: dict[str, Page[PaperRecord]] = {}
            for owner_id in _uniq(owner_ids):
                params: Params = {"id": owner_id, "limit": first + 1}
                if after is not None:
                    params["after"] = after
                items = [_paper(n) for n in conn.column(query, params)]
                total = int(conn.scalar(Q.PAPER_COUNT[of], {"id": owner_id}) or 0)
                out[owner_id] = Page(
                    items=tuple(items[:first]), total=total, has_next=len(items) > first
                )
            return out

        return await self._read(run)

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        if not paper_ids:
            return {}
        params = {"ids": _uniq(paper_ids)}

        def run(conn: _Conn) -> dict[str, list[AuthorRecord]]:
            found: dict[str, list[tuple[tuple[bool, int, str], AuthorRecord]]] = _group(paper_ids)
            for pid, node, position in conn.rows(Q.AUTHORS_OF_PAPERS, params):
                pos = position or 0  # 0 = unknown: after the known positions
                found[pid].append(((pos == 0, pos, node["sort_key"]), _author(node)))
            return {k: [a for _, a in sorted(v, key=lambda e: e[0])] for k, v in found.items()}

        return await self._read(run)

    async def topics_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[TopicRecord]]:
        return await self._grouped(Q.TOPICS_OF_PAPERS, paper_ids, _topic)

    async def papers_of_topics(self, topic_ids: Sequence[str]) -> dict[str, list[PaperRecord]]:
        return await self._grouped(Q.PAPERS_OF_TOPICS, topic_ids, _paper)

    async def authors_of_topics(
        self, topic_ids: Sequence[str], first: int | None = None
    ) -> dict[str, list[AuthorRecord]]:
        if not topic_ids:
            return {}
        params = {"ids": _uniq(topic_ids)}

        def run(conn: _Conn) -> dict[str, list[AuthorRecord]]:
            found: dict[str, list[tuple[int, str, AuthorRecord]]] = _group(topic_ids)
            if first is not None:
                # The top ``first`` of each topic, ranked in the engine.
                for tid in _uniq(topic_ids) if first > 0 else []:
                    top = conn.rows(Q.TOP_AUTHORS_OF_TOPIC, {"id": tid, "limit": first})
                    found[tid] = [(-count, node["sort_key"], _author(node)) for node, count in top]
            else:
                for tid, node, count in conn.rows(Q.AUTHORS_OF_TOPICS, params):
                    found[tid].append((-count, node["sort_key"], _author(node)))
            return {k: [e[2] for e in sorted(v, key=lambda e: e[:2])] for k, v in found.items()}

        return await self._read(run)

    async def topic_weights_of_authors(
        self, author_ids: Sequence[str]
    ) -> dict[str, list[TopicWeightRecord]]:
        if not author_ids:
            return {}
        params = {"ids": _uniq(author_ids)}

        def run(conn: _Conn) -> dict[str, list[TopicWeightRecord]]:
            found: dict[str, list[TopicWeightRecord]] = _group(author_ids)
            for aid, node, count in conn.rows(Q.TOPIC_WEIGHTS_OF_AUTHORS, params):
                found[aid].append(TopicWeightRecord(topic=_topic(node), paper_count=count))
            for weights in found.values():
                weights.sort(key=lambda w: (-w.paper_count, w.topic.slug))
            return found

        return await self._read(run)

    async def coauthors_of_authors(
        self, author_ids: Sequence[str], first: int | None = None
    ) -> dict[str, list[CoauthorRecord]]:
        if not author_ids:
            return {}
        if first is not None:
            return await self._top_coauthors(author_ids, first)
        params = {"ids": _uniq(author_ids)}

        def run(conn: _Conn) -> dict[str, list[CoauthorRecord]]:
            found: dict[str, list[tuple[int, str, CoauthorRecord]]] = _group(author_ids)
            for aid, node, paper_ids, paper_keys in conn.rows(Q.COAUTHORS_OF_AUTHORS, params):
                pairs = sorted(zip(paper_keys, paper_ids, strict=True))
                shared = tuple(_uniq(pid for _, pid in pairs))
                record = CoauthorRecord(author=_author(node), shared_paper_ids=shared)
                found[aid].append((-len(shared), node["sort_key"], record))
            return {k: [e[2] for e in sorted(v, key=lambda e: e[:2])] for k, v in found.items()}

        return await self._read(run)

    async def _top_coauthors(
        self, author_ids: Sequence[str], first: int
    ) -> dict[str, list[CoauthorRecord]]:
        def run(conn: _Conn) -> dict[str, list[CoauthorRecord]]:
            out: dict[str, list[CoauthorRecord]] = _group(author_ids)
            if first <= 0:
                return out
            for author_id in _uniq(author_ids):
                params = {"id": author_id, "limit": first}
                for node, paper_ids, paper_keys, _ in conn.rows(Q.TOP_COAUTHORS_OF_AUTHOR, params):
                    pairs = sorted(zip(paper_keys, paper_ids, strict=True))
                    shared = tuple(_uniq(pid for _, pid in pairs))
                    out[author_id].append(
                        CoauthorRecord(author=_author(node), shared_paper_ids=shared)
                    )
            return out

        return await self._read(run)

    async def author_stats(self, author_ids: Sequence[str]) -> dict[str, AuthorStatsRecord]:
        zero = AuthorStatsRecord(works=0, followers=0, topics=0, collaborators=0)
        out = dict.fromkeys(author_ids, zero)
        if not author_ids:
            return out
        params = {"ids": _uniq(author_ids)}

        def run(conn: _Conn) -> dict[str, AuthorStatsRecord]:
            for aid, works, followers, topics, collaborators in conn.rows(Q.AUTHOR_STATS, params):
                out[aid] = AuthorStatsRecord(
                    works=works, followers=followers, topics=topics, collaborators=collaborators
                )
            return out

        return await self._read(run)

    async def node_labels(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        params = {"ids": _uniq(ids)}
        return await self._read(
            lambda conn: {nid: label for nid, label in conn.rows(Q.NODE_LABELS, params)}
        )

    async def graph_edges(self, node_ids: Sequence[str]) -> list[GraphEdgeRecord]:
        if not node_ids:
            return []
        params = {"ids": _uniq(node_ids)}

        def run(conn: _Conn) -> list[GraphEdgeRecord]:
            edges = {(k, s, t) for s, t, k in conn.rows(Q.GRAPH_EDGES, params)}
            return [GraphEdgeRecord(source=s, target=t, kind=k) for k, s, t in sorted(edges)]

        return await self._read(run)

    async def search(self, query: str, first: int) -> list[SearchHitRecord]:
        words = search_words(query)
        if not words or first <= 0:
            return []

        def run(_: _Conn) -> list[SearchHitRecord]:
            # The side index narrows; the graph is not scanned.
            scored: list[tuple[float, int, str, str]] = []
            for node_id, primary, secondary in self._search.candidates(
                words, max(SEARCH_CANDIDATES, first)
            ):
                score = search_score(words, primary, secondary)
                if score > 0:
                    scored.append(search_order(score, node_id, primary))
            scored.sort()
            return [SearchHitRecord(node_id=e[3], score=-e[0]) for e in scored[:first]]

        return await self._read(run)

    # --- accounts -----------------------------------------------------------------

    async def create_user(self, user: UserRecord) -> UserRecord:
        email_lc = user.email.casefold()

        def run(conn: _Conn) -> UserRecord:
            if done := _replay(conn, Q.USER_BY_ID, _user, user):
                return done
            if conn.rows(Q.USER_BY_EMAIL_LC, {"email_lc": email_lc}):
                raise RuleViolation(Rule.EMAIL_TAKEN, user.email)
            conn.rows(
                Q.CREATE_USER,
                {
                    "id": user.id,
                    "email": user.email,
                    "email_lc": email_lc,
                    "display_name": user.display_name,
                    "password_hash": user.password_hash,
                    "role": user.role.value,
                    "created_at": to_micros(user.created_at),
                },
            )
            return user

        return await self._write(run)

    async def get_user_by_email(self, email: str) -> UserRecord | None:
        params = {"email_lc": email.casefold()}

        def run(conn: _Conn) -> UserRecord | None:
            nodes = conn.column(Q.USER_BY_EMAIL_LC, params)
            return _user(nodes[0]) if nodes else None

        return await self._read(run)

    # --- follow ---------------------------------------------------------------------

    async def follow(self, user_id: str, author_id: str, at: datetime) -> None:
        params = {"user_id": user_id, "author_id": author_id}

        def run(conn: _Conn) -> None:
            found = conn.rows(Q.USER_AND_AUTHOR_EXIST, params)
            if not found or found[0][0] is None or found[0][1] is None:
                raise RuleViolation(Rule.NOT_FOUND, f"user {user_id} or author {author_id}")
            conn.rows(Q.FOLLOW, {**params, "at": to_micros(at)})

        await self._write(run)

    async def unfollow(self, user_id: str, author_id: str) -> None:
        params = {"user_id": user_id, "author_id": author_id}

        def run(conn: _Conn) -> None:
            conn.rows(Q.UNFOLLOW, params)

        await self._write(run)

    async def followed_among(self, user_id: str, author_ids: Sequence[str]) -> set[str]:
        if not author_ids:
            return set()
        params = {"user_id": user_id, "ids": _uniq(author_ids)}
        return await self._read(lambda conn: set(conn.column(Q.FOLLOWED_AMONG, params)))

    async def following_page(
        self, user_id: str, first: int, after: str | None
    ) -> Page[AuthorRecord]:
        return await self._page(Q.FOLLOWING_MATCH, [], {"user_id": user_id}, first, after, _author)

    # --- claims -----------------------------------------------------------------------

    @staticmethod
    def _claim_or_raise(conn: _Conn, claim_id: str) -> ClaimRecord:
        nodes = conn.column(Q.CLAIM_BY_ID, {"id": claim_id})
        if not nodes:
            raise RuleViolation(Rule.NOT_FOUND, f"claim {claim_id}")
        return _claim(nodes[0])

    async def create_claim(self, claim: ClaimRecord) -> ClaimRecord:
        stored = ClaimRecord(
            id=claim.id,
            author_id=claim.author_id,
            user_id=claim.user_id,
            status=ClaimDecision.PENDING,
            evidence=claim.evidence,
            created_at=claim.created_at,
        )

        def run(conn: _Conn) -> ClaimRecord:
            if done := _replay(conn, Q.CLAIM_BY_ID, _claim, claim):
                return done
            author_status = conn.column(Q.AUTHOR_STATUS, {"author_id": claim.author_id})
            if not author_status:
                raise RuleViolation(Rule.NOT_FOUND, f"author {claim.author_id}")
            if not conn.rows(Q.USER_EXISTS, {"user_id": claim.user_id}):
                raise RuleViolation(Rule.NOT_FOUND, f"user {claim.user_id}")
            open_claims = conn.scalar(Q.OPEN_CLAIMS_ON_AUTHOR, {"author_id": claim.author_id})
            if open_claims or author_status[0] not in (None, ClaimStatus.UNCLAIMED.value):
                raise RuleViolation(Rule.AUTHOR_ALREADY_CLAIMED, claim.author_id)
            if conn.rows(Q.VERIFIED_CLAIMS_OF_USER, {"user_id": claim.user_id, "except_id": ""}):
                raise RuleViolation(Rule.USER_ALREADY_VERIFIED, claim.user_id)
            conn.rows(
                Q.CREATE_CLAIM,
                {
                    "id": stored.id,
                    "author_id": stored.author_id,
                    "user_id": stored.user_id,
                    "status": stored.status.value,
                    "evidence": stored.evidence,
                    "created_at": to_micros(stored.created_at),
                    "sort_key": stored.sort_key,
                },
            )
            conn.rows(
                Q.SET_AUTHOR_STATUS,
                {
                    "author_id": stored.author_id,
                    "claim_status": ClaimStatus.PENDING.value,
                },
            )
            return stored

        return await self._write(run)

    async def withdraw_claim(self, claim_id: str, user_id: str, at: datetime) -> ClaimRecord:
        def run(conn: _Conn) -> ClaimRecord:
            claim = self._claim_or_raise(conn, claim_id)
            if claim.user_id != user_id:
                raise RuleViolation(Rule.NOT_CLAIMANT, claim_id)
            if claim.status is not ClaimDecision.PENDING:
                raise RuleViolation(Rule.CLAIM_NOT_PENDING, claim.status.value)
            node = conn.column(Q.WITHDRAW_CLAIM, {"id": claim_id, "decided_at": to_micros(at)})
            conn.rows(
                Q.SET_AUTHOR_STATUS,
                {
                    "author_id": claim.author_id,
                    "claim_status": ClaimStatus.UNCLAIMED.value,
                },
            )
            return _claim(node[0])

        return await self._write(run)

    async def decide_claim(
        self, claim_id: str, approve: bool, note: str | None, at: datetime
    ) -> ClaimRecord:
        def run(conn: _Conn) -> ClaimRecord:
            claim = self._claim_or_raise(conn, claim_id)
            if claim.status is not ClaimDecision.PENDING:
                raise RuleViolation(Rule.CLAIM_NOT_PENDING, claim.status.value)
            if approve and conn.rows(
                Q.VERIFIED_CLAIMS_OF_USER, {"user_id": claim.user_id, "except_id": claim_id}
            ):
                raise RuleViolation(Rule.USER_ALREADY_VERIFIED, claim.user_id)
            status = ClaimDecision.VERIFIED if approve else ClaimDecision.REJECTED
            node = conn.column(
                Q.DECIDE_CLAIM,
                {
                    "id": claim_id,
                    "status": status.value,
                    "decided_at": to_micros(at),
                    "note": note,
                },
            )
            author_status = ClaimStatus.CLAIMED if approve else ClaimStatus.UNCLAIMED
            conn.rows(
                Q.SET_AUTHOR_STATUS,
                {
                    "author_id": claim.author_id,
                    "claim_status": author_status.value,
                },
            )
            return _claim(node[0])

        return await self._write(run)

    async def claims_of_users(self, user_ids: Sequence[str]) -> dict[str, list[ClaimRecord]]:
        out: dict[str, list[ClaimRecord]] = _group(user_ids)
        if not user_ids:
            return out
        params = {"ids": _uniq(user_ids)}

        def run(conn: _Conn) -> dict[str, list[ClaimRecord]]:
            for node in conn.column(Q.CLAIMS_OF_USERS, params):
                out[node["user_id"]].append(_claim(node))
            return out

        return await self._read(run)

    async def verified_authors_of_users(self, user_ids: Sequence[str]) -> dict[str, AuthorRecord]:
        if not user_ids:
            return {}
        params = {"ids": _uniq(user_ids)}

        def run(conn: _Conn) -> dict[str, AuthorRecord]:
            found: dict[str, AuthorRecord] = {}
            for uid, node in conn.rows(Q.VERIFIED_AUTHORS_OF_USERS, params):
                found.setdefault(uid, _author(node))
            return found

        return await self._read(run)

    async def verified_claimants_of_authors(self, author_ids: Sequence[str]) -> dict[str, str]:
        if not author_ids:
            return {}
        params = {"ids": _uniq(author_ids)}

        def run(conn: _Conn) -> dict[str, str]:
            found: dict[str, str] = {}
            for aid, uid in conn.rows(Q.VERIFIED_CLAIMANTS_OF_AUTHORS, params):
                found.setdefault(aid, uid)
            return found

        return await self._read(run)

    async def claims_by_status(
        self, status: ClaimDecision, first: int, after: str | None
    ) -> Page[ClaimRecord]:
        return await self._page(
            Q.CLAIMS_MATCH, [Q.STATUS_FILTER], {"status": status.value}, first, after, _claim
        )

    # --- invitations ------------------------------------------------------------

    async def create_invitation(
        self, invitation: InvitationRecord, daily_limit: int, window_start: datetime
    ) -> InvitationRecord:
        sender, recipient = invitation.sender_id, invitation.recipient_author_id

        def run(conn: _Conn) -> InvitationRecord:
            if done := _replay(conn, Q.INVITATION_BY_ID, _invitation, invitation):
                return done
            verified = conn.column(Q.VERIFIED_CLAIMS_OF_USER, {"user_id": sender, "except_id": ""})
            if not verified:
                raise RuleViolation(Rule.SENDER_NOT_VERIFIED, sender)
            recipient_status = conn.column(Q.AUTHOR_STATUS, {"author_id": recipient})
            if not recipient_status:
                raise RuleViolation(Rule.NOT_FOUND, f"author {recipient}")
            if recipient in verified:
                raise RuleViolation(Rule.SELF_INVITATION, recipient)
            if recipient_status[0] != ClaimStatus.CLAIMED.value:
                raise RuleViolation(Rule.RECIPIENT_NOT_CLAIMED, recipient)
            pair = {"sender_id": sender, "recipient_id": recipient}
            if conn.scalar(Q.PENDING_INVITATION_EXISTS, pair):
                raise RuleViolation(Rule.INVITATION_PENDING_EXISTS, recipient)
            recent = conn.scalar(
                Q.INVITATIONS_SENT_SINCE, {"sender_id": sender, "since": to_micros(window_start)}
            )
            if int(recent or 0) >= daily_limit:
                raise RuleViolation(Rule.RATE_LIMITED, f"{daily_limit} invitations per window")
            stored = InvitationRecord(
                id=invitation.id,
                sender_id=sender,
                sender_author_id=verified[0],
                recipient_author_id=recipient,
                message=invitation.message,
                status=InvitationStatus.PENDING,
                created_at=invitation.created_at,
            )
            conn.rows(
                Q.CREATE_INVITATION,
                {
                    "id": stored.id,
                    "sender_id": sender,
                    "sender_author_id": verified[0],
                    "recipient_author_id": recipient,
                    "message": stored.message,
                    "created_at": to_micros(stored.created_at),
                },
            )
            return stored

        return await self._write(run)

    async def respond_invitation(
        self, invitation_id: str, user_id: str, status: InvitationStatus, at: datetime
    ) -> InvitationRecord:
        if status is InvitationStatus.PENDING:
            raise StoreError("an invitation cannot be responded to with PENDING")

        def run(conn: _Conn) -> InvitationRecord:
            nodes = conn.column(Q.INVITATION_BY_ID, {"id": invitation_id})
            if not nodes:
                raise RuleViolation(Rule.NOT_FOUND, f"invitation {invitation_id}")
            inv = _invitation(nodes[0])
            if status is InvitationStatus.WITHDRAWN:
                allowed = {inv.sender_id}
            else:
                allowed = set(
                    conn.column(
                        Q.VERIFIED_CLAIMANT_OF_AUTHOR, {"author_id": inv.recipient_author_id}
                    )
                )
            if user_id not in allowed:
                raise RuleViolation(Rule.NOT_A_PARTY, invitation_id)
            if inv.status is not InvitationStatus.PENDING:
                raise RuleViolation(Rule.INVITATION_NOT_PENDING, inv.status.value)
            node = conn.column(
                Q.RESPOND_INVITATION,
                {
                    "id": invitation_id,
                    "status": status.value,
                    "responded_at": to_micros(at),
                },
            )
            return _invitation(node[0])

        return await self._write(run)

    async def _invitations_by_user(
        self, query: str, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        out: dict[str, list[InvitationRecord]] = _group(user_ids)
        if not user_ids:
            return out
        params = {"ids": _uniq(user_ids)}

        def run(conn: _Conn) -> dict[str, list[InvitationRecord]]:
            for uid, node in conn.rows(query, params):
                out[uid].append(_invitation(node))
            return out

        return await self._read(run)

    async def invitations_sent(self, user_ids: Sequence[str]) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_user(Q.INVITATIONS_SENT, user_ids)

    async def invitations_received(
        self, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_user(Q.INVITATIONS_RECEIVED, user_ids)

    async def pending_invitation_recipients(
        self, user_id: str, author_ids: Sequence[str]
    ) -> set[str]:
        if not author_ids:
            return set()
        params = {"sender_id": user_id, "ids": _uniq(author_ids)}
        return await self._read(
            lambda conn: set(conn.column(Q.PENDING_INVITATION_RECIPIENTS, params))
        )

    async def count_invitations_since(self, user_id: str, since: datetime) -> int:
        params = {"sender_id": user_id, "since": to_micros(since)}
        return int(await self._read(lambda conn: conn.scalar(Q.INVITATIONS_SENT_SINCE, params)))

    # --- corrections ------------------------------------------------------------------

    async def create_correction(self, correction: CorrectionRecord) -> CorrectionRecord:
        c = correction
        kind = kind_of(c.target_id)

        def run(conn: _Conn) -> CorrectionRecord:
            if done := _replay(conn, Q.CORRECTION_BY_ID, _correction, correction):
                return done
            exists_q = (
                Q.AUTHOR_EXISTS
                if kind is NodeKind.AUTHOR
                else Q.PAPER_EXISTS
                if kind is NodeKind.PAPER
                else None
            )
            if exists_q is None or not conn.rows(exists_q, {"id": c.target_id}):
                raise RuleViolation(Rule.NOT_FOUND, f"author or paper {c.target_id}")
            conn.rows(
                Q.CREATE_CORRECTION,
                {
                    "id": c.id,
                    "target_id": c.target_id,
                    "field": c.field,
                    "proposed_value": c.proposed_value,
                    "reason": c.reason,
                    "status": c.status.value,
                    "created_by": c.created_by,
                    "created_at": to_micros(c.created_at),
                    "reviewed_by": c.reviewed_by,
                    "reviewed_at": _opt_micros(c.reviewed_at),
                    "note": c.note,
                    "sort_key": c.sort_key,
                },
            )
            return c

        return await self._write(run)

    async def decide_correction(
        self,
        correction_id: str,
        status: CorrectionStatus,
        reviewer_id: str,
        note: str | None,
        at: datetime,
        update: tuple[str, str | int | None] | None,
    ) -> CorrectionRecord:
        if status is CorrectionStatus.OPEN:
            raise StoreError("a correction is decided as APPLIED or REJECTED, not OPEN")

        def run(conn: _Conn) -> CorrectionRecord:
            nodes = conn.column(Q.CORRECTION_BY_ID, {"id": correction_id})
            if not nodes:
                raise RuleViolation(Rule.NOT_FOUND, f"correction {correction_id}")
            correction = _correction(nodes[0])
            if correction.status is not CorrectionStatus.OPEN:
                raise RuleViolation(Rule.CORRECTION_NOT_OPEN, correction.status.value)
            if status is CorrectionStatus.APPLIED and update is not None:
                self._search.upsert([_apply_update(conn, correction.target_id, *update)])
            node = conn.column(
                Q.DECIDE_CORRECTION,
                {
                    "id": correction_id,
                    "status": status.value,
                    "reviewed_by": reviewer_id,
                    "reviewed_at": to_micros(at),
                    "note": note,
                },
            )
            return _correction(node[0])

        return await self._write_indexed(run)

    async def corrections_by_status(
        self, status: CorrectionStatus, first: int, after: str | None
    ) -> Page[CorrectionRecord]:
        return await self._page(
            Q.CORRECTIONS_MATCH,
            [Q.STATUS_FILTER],
            {"status": status.value},
            first,
            after,
            _correction,
        )


_PAPER_TEXT_FIELDS = ("venue", "abstract", "code_url")


def _paper_doc(p: PaperRecord) -> Doc:
    return (p.id, p.title.casefold(), (p.abstract or "").casefold())


def _all_docs(conn: _Conn) -> list[Doc]:
    """Every search document, read from the graph (to rebuild the index)."""
    docs: list[Doc] = [(i, name or "", "") for i, name in conn.rows(Q.ALL_AUTHOR_TEXT)]
    docs += [(i, name or "", "") for i, name in conn.rows(Q.ALL_TOPIC_TEXT)]
    docs += [(i, title or "", abstract or "") for i, title, abstract in conn.rows(Q.ALL_PAPER_TEXT)]
    return docs


def _apply_update(conn: _Conn, target_id: str, prop: str, value: str | int | None) -> Doc:
    """Set one allow-listed property on an author or paper, with its derived keys;
    the target's search document after the change."""
    kind = kind_of(target_id)
    if kind is NodeKind.AUTHOR:
        nodes = conn.column(Q.AUTHOR_BY_ID, {"id": target_id})
        if not nodes:
            raise RuleViolation(Rule.NOT_FOUND, f"author {target_id}")
        if prop != "name" or not isinstance(value, str) or not value.strip():
            raise StoreError(f"cannot set author {prop!r} to {value!r}")
        conn.rows(
            Q.SET_AUTHOR_NAME,
            {
                "id": target_id,
                "name": value,
                "name_lc": value.casefold(),
                "sort_key": author_sort_key(value, target_id),
            },
        )
        return (target_id, value.casefold(), "")
    if kind is not NodeKind.PAPER:
        raise RuleViolation(Rule.NOT_FOUND, f"author or paper {target_id}")
    nodes = conn.column(Q.PAPER_BY_ID, {"id": target_id})
    if not nodes:
        raise RuleViolation(Rule.NOT_FOUND, f"paper {target_id}")
    paper = _paper(nodes[0])
    fields: dict[str, Any] = {
        "title": paper.title,
        "year": paper.year,
        "venue": paper.venue,
        "abstract": paper.abstract,
        "code_url": paper.code_url,
    }
    if prop == "title" and isinstance(value, str) and value.strip():
        fields["title"] = value
    elif prop == "year" and (value is None or isinstance(value, int)):
        fields["year"] = value
    elif prop == "year" and isinstance(value, str) and value.strip().isdigit():
        fields["year"] = int(value)
    elif prop in _PAPER_TEXT_FIELDS and (value is None or isinstance(value, str)):
        fields[prop] = value
    else:
        raise StoreError(f"cannot set paper {prop!r} to {value!r}")
    conn.rows(
        Q.SET_PAPER_FIELDS,
        {
            "id": target_id,
            **fields,
            "title_lc": fields["title"].casefold(),
            "abstract_lc": _casefold(fields["abstract"]),
            "sort_key": paper_sort_key(fields["year"], fields["title"], target_id),
        },
    )
    return (target_id, fields["title"].casefold(), _casefold(fields["abstract"]) or "")
