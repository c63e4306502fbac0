"""GraphStore on Neo4j 5 through the official async driver.

- One ``AsyncDriver`` (safe to share); a fresh ``AsyncSession`` per call,
  because a session is not safe to share between coroutines.
- Reads run in ``execute_read``, each write method in exactly one
  ``execute_write``, every one with a server-side timeout
  (``StoreConfig.transaction_timeout``; imports ``import_timeout``), which
  also bounds how long it waits for a lock.
- Every session shares one bookmark manager, so a read sees the writes this
  process committed before it, also against a cluster (``neo4j://``).
- The driver retries the transaction function on transient errors, so each
  function only talks to ``tx`` and gets every generated value (ids, times)
  from its arguments. An exception that is not
  a driver error (our ``RuleViolation``) rolls the transaction back and is
  re-raised without a retry.
- Rules two requests could race are checked after taking a write lock on the
  node that serialises them (see ``queries`` "locks"), never before the
  transaction; locks are taken in one global order (``_Locks``).
- Creates are idempotent under a retry: a record whose id is already stored
  with the same creation time is the earlier attempt's (``replayed_create``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

import neo4j.exceptions as nx
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction, unit_of_work

from graph_store.errors import Rule, RuleViolation, StoreError, StoreUnavailable
from graph_store.factory import StoreConfig
from graph_store.neo4j import queries as q
from graph_store.neo4j import schema
from graph_store.neo4j.mapping import (
    Props,
    Row,
    author_props,
    authorship_order,
    claim_props,
    correction_props,
    imported_props,
    institution_props,
    invitation_props,
    lucene_query,
    newest_first_key,
    paper_props,
    to_author,
    to_claim,
    to_correction,
    to_institution,
    to_invitation,
    to_paper,
    to_topic,
    to_user,
    topic_props,
    user_props,
)
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
    InstitutionRecord,
    InvitationRecord,
    InvitationStatus,
    NodeKind,
    Page,
    PaperFilterSpec,
    PaperRecord,
    SearchHitRecord,
    TopicRecord,
    TopicWeightRecord,
    UserRecord,
    author_sort_key,
    kind_of,
    paper_sort_key,
    to_micros,
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
from graph_store.store import GraphStore

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Tx = AsyncManagedTransaction

_WIPE_BATCH = 5000
_BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


# --- error mapping ------------------------------------------------------------------


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


# --- transaction helpers ----------------------------------------------------------------


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


def _not_found(what: str) -> RuleViolation:
    return RuleViolation(Rule.NOT_FOUND, what)


def _group(ids: Sequence[str]) -> dict[str, list[Any]]:
    return {i: [] for i in ids}


class Neo4jGraphStore:
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
        self._import_timeout = config.import_timeout
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
            )
        except (nx.Neo4jError, nx.DriverError, ValueError) as e:
            raise StoreError(f"invalid Neo4j configuration: {e}") from e

    # --- plumbing -----------------------------------------------------------------------
    def _session(self) -> Any:
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)

    async def _read(self, work: Callable[[Tx], Awaitable[R]]) -> R:
        try:
            async with self._session() as session:
                result: R = await session.execute_read(unit_of_work(timeout=self._tx_timeout)(work))
                return result
        except StoreError:
            raise
        except (nx.Neo4jError, nx.DriverError) as e:
            raise translate_error(e) from e

    async def _write(
        self,
        work: Callable[[Tx], Awaitable[R]],
        constraint_rule: Rule | None = None,
        constraint_property: str = "",
        timeout: float | None = None,
    ) -> R:
        """Run ``work`` as one managed write transaction. A uniqueness failure on
        ``constraint_property`` becomes ``RuleViolation(constraint_rule)``; one on
        another property (a duplicate id) stays a StoreError."""
        bounded = unit_of_work(timeout=timeout or self._tx_timeout)(work)
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
        async def work(tx: Tx) -> list[dict[str, Any]]:
            return await _rows(tx, query, **params)

        return await self._read(work)

    async def _page(
        self,
        list_query: str,
        count_query: str,
        mapper: Callable[[Row], T],
        first: int,
        after: str | None,
        **params: Any,
    ) -> Page[T]:
        first = max(first, 0)

        async def work(tx: Tx) -> tuple[list[dict[str, Any]], int]:
            # One more than asked tells whether there is a next page.
            rows = await _rows(tx, list_query, after=after, limit=first + 1, **params)
            return rows, await _count(tx, count_query, **params)

        rows, total = await self._read(work)
        items = [mapper(r["item"]) for r in rows]
        return Page(items=tuple(items[:first]), total=total, has_next=len(items) > first)

    # --- lifecycle ------------------------------------------------------------------------
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
            if version < schema.SCHEMA_VERSION:
                await run(schema.SET_VERSION, version=schema.SCHEMA_VERSION)
            elif version > schema.SCHEMA_VERSION:
                log.warning("database schema v%s is newer than this code's", version)
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

    # --- import -----------------------------------------------------------------------------
    async def import_batch(self, batch: ImportBatch) -> None:
        # Within one batch the first row for an id or a pair wins, as in the
        # embedded backend (MERGE ... ON CREATE keeps the first authorship).
        institutions = {i.id: i for i in reversed(batch.institutions)}
        topics = {t.id: t for t in reversed(batch.topics)}
        author_ids = list(dict.fromkeys(a.id for a in batch.authors))
        paper_ids = list(dict.fromkeys(p.id for p in batch.papers))
        authorships = {(w.author_id, w.paper_id): w for w in reversed(batch.authorships)}
        paper_topics = list(dict.fromkeys(batch.paper_topics))

        async def work(tx: Tx) -> None:
            locks = _Locks(tx)
            if institutions:
                rows = [{"id": i.id, "props": institution_props(i)} for i in institutions.values()]
                await _rows(tx, q.IMPORT_INSTITUTIONS, rows=rows)
            if topics:
                rows = [{"id": t.id, "props": topic_props(t)} for t in topics.values()]
                await _rows(tx, q.IMPORT_TOPICS, rows=rows)
            if author_ids:
                # Read under lock: a claim or correction cannot commit between
                # this read and the write below.
                known = {n["id"]: to_author(n) for n in await locks.take_many("Author", author_ids)}
                for a in batch.authors:
                    known[a.id] = merge_author(known.get(a.id), a)
                merged = [known[i] for i in author_ids]
                rows = [
                    {"id": a.id, "props": {**author_props(a), **imported_props(a.imported)}}
                    for a in merged
                ]
                await _rows(tx, q.UPSERT_AUTHORS, rows=rows)
                affiliations = [
                    {"author_id": a.id, "institution_id": a.affiliation_id}
                    for a in merged
                    if a.affiliation_id is not None
                ]
                if affiliations:
                    await _rows(tx, q.IMPORT_AFFILIATIONS, rows=affiliations)
            if paper_ids:
                papers = {n["id"]: to_paper(n) for n in await locks.take_many("Paper", paper_ids)}
                corrected = {
                    r["id"]
                    for r in await _rows(
                        tx,
                        q.CORRECTED_TARGETS,
                        ids=list(papers),
                        applied=CorrectionStatus.APPLIED.value,
                    )
                }
                for p in batch.papers:
                    papers[p.id] = merge_paper(papers.get(p.id), p, corrected=p.id in corrected)
                rows = [{"id": i, "props": paper_props(papers[i])} for i in paper_ids]
                await _rows(tx, q.UPSERT_PAPERS, rows=rows)
            if authorships:
                await _rows(
                    tx,
                    q.IMPORT_AUTHORSHIPS,
                    rows=[
                        {"author_id": w.author_id, "paper_id": w.paper_id, "position": w.position}
                        for w in authorships.values()
                    ],
                )
            if paper_topics:
                await _rows(
                    tx,
                    q.IMPORT_PAPER_TOPICS,
                    rows=[{"paper_id": p, "topic_id": t} for p, t in paper_topics],
                )
            await locks.release()

        await self._write(work, timeout=self._import_timeout)

    async def find_authors_by_name(self, names: Sequence[str]) -> dict[str, AuthorRecord]:
        if not names:
            return {}
        rows = await self._read_rows(q.AUTHORS_BY_NAME_KEY, keys=[n.casefold() for n in names])
        found: dict[str, AuthorRecord] = {}
        # Several authors may share a name: the first in display order wins.
        for author in sorted((to_author(r["n"]) for r in rows), key=lambda a: a.sort_key):
            found.setdefault(author.name.casefold(), author)
        return found

    async def existing_slugs(self, slugs: Sequence[str]) -> set[str]:
        if not slugs:
            return set()
        rows = await self._read_rows(q.EXISTING_SLUGS, slugs=list(slugs))
        return {r["slug"] for r in rows}

    async def find_papers_by_title(self, titles: Sequence[str]) -> dict[str, PaperRecord]:
        if not titles:
            return {}
        rows = await self._read_rows(q.PAPERS_BY_TITLE_KEY, keys=[t.casefold() for t in titles])
        found: dict[str, PaperRecord] = {}
        for paper in sorted((to_paper(r["n"]) for r in rows), key=lambda p: p.sort_key):
            found.setdefault(paper.title.casefold(), paper)
        return found

    async def author_count(self) -> int:
        rows = await self._read_rows(q.AUTHOR_COUNT)
        return int(rows[0]["total"]) if rows else 0

    # --- batch reads by id ------------------------------------------------------------------
    async def _get(
        self, query: str, mapper: Callable[[Row], T], key: Callable[[T], str], **params: Any
    ) -> dict[str, T]:
        if not any(params.values()):
            return {}
        rows = await self._read_rows(query, **params)
        records = (mapper(r["n"]) for r in rows)
        return {key(rec): rec for rec in records}

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._get(q.GET_AUTHORS, to_author, lambda r: r.id, ids=list(ids))

    async def get_authors_by_slug(self, slugs: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._get(
            q.GET_AUTHORS_BY_SLUG, to_author, lambda r: r.slug, slugs=list(slugs)
        )

    async def get_papers(self, ids: Sequence[str]) -> dict[str, PaperRecord]:
        return await self._get(q.GET_PAPERS, to_paper, lambda r: r.id, ids=list(ids))

    async def get_topics(self, ids: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._get(q.GET_TOPICS, to_topic, lambda r: r.id, ids=list(ids))

    async def get_topics_by_slug(self, slugs: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._get(q.GET_TOPICS_BY_SLUG, to_topic, lambda r: r.slug, slugs=list(slugs))

    async def get_institutions(self, ids: Sequence[str]) -> dict[str, InstitutionRecord]:
        return await self._get(q.GET_INSTITUTIONS, to_institution, lambda r: r.id, ids=list(ids))

    async def get_users(self, ids: Sequence[str]) -> dict[str, UserRecord]:
        return await self._get(q.GET_USERS, to_user, lambda r: r.id, ids=list(ids))

    async def get_claims(self, ids: Sequence[str]) -> dict[str, ClaimRecord]:
        return await self._get(q.GET_CLAIMS, to_claim, lambda r: r.id, ids=list(ids))

    async def get_invitations(self, ids: Sequence[str]) -> dict[str, InvitationRecord]:
        return await self._get(q.GET_INVITATIONS, to_invitation, lambda r: r.id, ids=list(ids))

    async def get_corrections(self, ids: Sequence[str]) -> dict[str, CorrectionRecord]:
        return await self._get(q.GET_CORRECTIONS, to_correction, lambda r: r.id, ids=list(ids))

    # --- lists (keyset pages) ---------------------------------------------------------------
    async def list_authors(
        self, spec: AuthorFilterSpec, first: int, after: str | None
    ) -> Page[AuthorRecord]:
        filters = {
            "name": None if spec.name_contains is None else spec.name_contains.casefold(),
            "claim_status": None if spec.claim_status is None else spec.claim_status.value,
            "topic": spec.topic_slug,
        }
        used = {k: v is not None for k, v in filters.items()}
        return await self._page(
            q.list_authors(**used, after=after is not None),
            q.count_authors(**used),
            to_author,
            first,
            after,
            **filters,
        )

    async def list_papers(
        self, spec: PaperFilterSpec, first: int, after: str | None
    ) -> Page[PaperRecord]:
        filters = {
            "title": None if spec.title_contains is None else spec.title_contains.casefold(),
            "kind": None if spec.kind is None else spec.kind.value,
            "year_from": spec.year_from,
            "year_to": spec.year_to,
            "topic": spec.topic_slug,
        }
        used = {k: v is not None for k, v in filters.items()}
        return await self._page(
            q.list_papers(**used, after=after is not None),
            q.count_papers(**used),
            to_paper,
            first,
            after,
            **filters,
        )

    async def list_topics(self, first: int, after: str | None) -> Page[TopicRecord]:
        return await self._page(
            q.list_topics(after=after is not None), q.COUNT_TOPICS, to_topic, first, after
        )

    # --- relations --------------------------------------------------------------------------
    async def _related_rows(self, query: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        # Unique ids: the relation reads UNWIND them, one seek (and one set of rows) each.
        return await self._read_rows(query, ids=list(dict.fromkeys(ids))) if ids else []

    async def papers_of_authors(self, author_ids: Sequence[str]) -> dict[str, list[PaperRecord]]:
        out: dict[str, list[PaperRecord]] = _group(author_ids)
        for r in await self._related_rows(q.PAPERS_OF_AUTHORS, author_ids):
            out[r["key"]].append(to_paper(r["n"]))
        for papers in out.values():
            papers.sort(key=lambda p: p.sort_key)
        return out

    async def paper_pages_of_authors(
        self, author_ids: Sequence[str], first: int, after: str | None
    ) -> dict[str, Page[PaperRecord]]:
        query = q.paper_pages_of_authors(after=after is not None)
        return await self._paper_pages(query, author_ids, first, after)

    async def paper_pages_of_topics(
        self, topic_ids: Sequence[str], first: int, after: str | None
    ) -> dict[str, Page[PaperRecord]]:
        query = q.paper_pages_of_topics(after=after is not None)
        return await self._paper_pages(query, topic_ids, first, after)

    async def _paper_pages(
        self, query: str, owner_ids: Sequence[str], first: int, after: str | None
    ) -> dict[str, Page[PaperRecord]]:
        first = max(first, 0)
        out: dict[str, Page[PaperRecord]] = {
            i: Page(items=(), total=0, has_next=False) for i in owner_ids
        }
        if not owner_ids:
            return out
        rows = await self._read_rows(
            query,
            ids=list(dict.fromkeys(owner_ids)),
            after=after,
            limit=first + 1,  # one more tells whether there is a next page
        )
        for r in rows:
            items = [to_paper(n) for n in r["items"]]
            out[r["key"]] = Page(
                items=tuple(items[:first]), total=int(r["total"]), has_next=len(items) > first
            )
        return out

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        ranked: dict[str, list[tuple[tuple[bool, int, str], AuthorRecord]]] = _group(paper_ids)
        for r in await self._related_rows(q.AUTHORS_OF_PAPERS, paper_ids):
            author = to_author(r["n"])
            ranked[r["key"]].append((authorship_order(r["position"], author), author))
        return {k: [a for _, a in sorted(v, key=lambda x: x[0])] for k, v in ranked.items()}

    async def topics_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[TopicRecord]]:
        out: dict[str, list[TopicRecord]] = _group(paper_ids)
        for r in await self._related_rows(q.TOPICS_OF_PAPERS, paper_ids):
            out[r["key"]].append(to_topic(r["n"]))
        for topics in out.values():
            topics.sort(key=lambda t: t.slug)
        return out

    async def papers_of_topics(self, topic_ids: Sequence[str]) -> dict[str, list[PaperRecord]]:
        out: dict[str, list[PaperRecord]] = _group(topic_ids)
        for r in await self._related_rows(q.PAPERS_OF_TOPICS, topic_ids):
            out[r["key"]].append(to_paper(r["n"]))
        for papers in out.values():
            papers.sort(key=lambda p: p.sort_key)
        return out

    async def authors_of_topics(
        self, topic_ids: Sequence[str], first: int | None = None
    ) -> dict[str, list[AuthorRecord]]:
        weighted: dict[str, list[tuple[int, AuthorRecord]]] = _group(topic_ids)
        if first is not None:
            if topic_ids and first > 0:
                for r in await self._read_rows(
                    q.TOP_AUTHORS_OF_TOPICS, ids=list(dict.fromkeys(topic_ids)), limit=first
                ):
                    weighted[r["key"]] = [(int(t["weight"]), to_author(t["n"])) for t in r["top"]]
        else:
            for r in await self._related_rows(q.AUTHORS_OF_TOPICS, topic_ids):
                weighted[r["key"]].append((int(r["weight"]), to_author(r["n"])))
        return {
            k: [a for _, a in sorted(v, key=lambda x: (-x[0], x[1].sort_key))]
            for k, v in weighted.items()
        }

    async def topic_weights_of_authors(
        self, author_ids: Sequence[str]
    ) -> dict[str, list[TopicWeightRecord]]:
        out: dict[str, list[TopicWeightRecord]] = _group(author_ids)
        for r in await self._related_rows(q.TOPIC_WEIGHTS_OF_AUTHORS, author_ids):
            out[r["key"]].append(
                TopicWeightRecord(topic=to_topic(r["n"]), paper_count=int(r["weight"]))
            )
        for weights in out.values():
            weights.sort(key=lambda w: (-w.paper_count, w.topic.slug))
        return out

    async def coauthors_of_authors(
        self, author_ids: Sequence[str], first: int | None = None
    ) -> dict[str, list[CoauthorRecord]]:
        if first is not None:
            return await self._top_coauthors(author_ids, first)
        out: dict[str, list[CoauthorRecord]] = _group(author_ids)
        for r in await self._related_rows(q.COAUTHORS_OF_AUTHORS, author_ids):
            papers = sorted(r["papers"], key=lambda p: str(p["sort_key"]))
            out[r["key"]].append(
                CoauthorRecord(
                    author=to_author(r["n"]),
                    shared_paper_ids=tuple(str(p["id"]) for p in papers),
                )
            )
        for coauthors in out.values():
            coauthors.sort(key=lambda c: (-len(c.shared_paper_ids), c.author.sort_key))
        return out

    async def _top_coauthors(
        self, author_ids: Sequence[str], first: int
    ) -> dict[str, list[CoauthorRecord]]:
        out: dict[str, list[CoauthorRecord]] = _group(author_ids)
        if not author_ids or first <= 0:
            return out
        rows = await self._read_rows(
            q.TOP_COAUTHORS_OF_AUTHORS, ids=list(dict.fromkeys(author_ids)), limit=first
        )
        for r in rows:
            out[r["key"]] = [
                CoauthorRecord(
                    author=to_author(t["n"]),
                    shared_paper_ids=tuple(
                        str(p["id"]) for p in sorted(t["papers"], key=lambda p: str(p["sort_key"]))
                    ),
                )
                for t in r["top"]
            ]
            out[r["key"]].sort(key=lambda c: (-len(c.shared_paper_ids), c.author.sort_key))
        return out

    async def author_stats(self, author_ids: Sequence[str]) -> dict[str, AuthorStatsRecord]:
        # Every id asked for is a key: an unknown author counts zero everywhere.
        out = {
            i: AuthorStatsRecord(works=0, followers=0, topics=0, collaborators=0)
            for i in author_ids
        }
        for r in await self._related_rows(q.AUTHOR_STATS, author_ids):
            out[r["id"]] = AuthorStatsRecord(
                works=int(r["works"]),
                followers=int(r["followers"]),
                topics=int(r["topics"]),
                collaborators=int(r["collaborators"]),
            )
        return out

    async def node_labels(self, ids: Sequence[str]) -> dict[str, str]:
        rows = await self._related_rows(q.NODE_LABELS, ids)
        return {r["id"]: r["label"] for r in rows if r["label"] is not None}

    async def graph_edges(self, node_ids: Sequence[str]) -> list[GraphEdgeRecord]:
        rows = await self._related_rows(q.GRAPH_EDGES, node_ids)
        edges = {
            GraphEdgeRecord(source=r["source"], target=r["target"], kind=r["kind"]) for r in rows
        }
        return sorted(edges, key=lambda e: (e.kind, e.source, e.target))

    async def search(self, query: str, first: int) -> list[SearchHitRecord]:
        words = search_words(query)
        if not words or first <= 0:
            return []
        rows = await self._read_rows(
            q.SEARCH,
            index=schema.FULLTEXT_INDEX,
            primary=lucene_query(words, ("name_key", "title_key")),
            secondary=lucene_query(words, ("abstract_key",)),
            cap=max(SEARCH_CANDIDATES, first),
        )
        ranked: dict[str, tuple[float, int, str, str]] = {}
        for r in rows:
            primary = r["primary"] or ""
            score = search_score(words, primary, r["secondary"] or "")
            if score > 0:
                ranked[r["id"]] = search_order(score, r["id"], primary)
        best = sorted(ranked.values())[:first]
        return [SearchHitRecord(node_id=e[3], score=-e[0]) for e in best]

    # --- accounts ---------------------------------------------------------------------------
    async def create_user(self, user: UserRecord) -> UserRecord:
        props = user_props(user)

        async def work(tx: Tx) -> UserRecord:
            if done := await _replay(tx, "User", to_user, user):
                return done
            if await _node(tx, q.USER_BY_EMAIL_KEY, email_key=props["email_key"]) is not None:
                raise RuleViolation(Rule.EMAIL_TAKEN, user.email)
            return to_user(await _created(tx, q.CREATE_USER, props=props))

        # The uniqueness constraint on email_key catches the race the check can't.
        return await self._write(
            work, constraint_rule=Rule.EMAIL_TAKEN, constraint_property="email_key"
        )

    async def get_user_by_email(self, email: str) -> UserRecord | None:
        rows = await self._read_rows(q.USER_BY_EMAIL_KEY, email_key=email.casefold())
        return to_user(rows[0]["n"]) if rows else None

    # --- follow -----------------------------------------------------------------------------
    async def follow(self, user_id: str, author_id: str, at: datetime) -> None:
        async def work(tx: Tx) -> None:
            # Locking the user serialises follows of one user, so MERGE cannot
            # create the relationship twice.
            locks = _Locks(tx)
            if await locks.take("User", user_id) is None:
                raise _not_found("user")
            if await _node(tx, q.GET_AUTHOR, id=author_id) is None:
                raise _not_found("author")
            # Creating the relationship also locks the author: User before Author.
            await _rows(tx, q.FOLLOW, user_id=user_id, author_id=author_id, at=to_micros(at))
            await locks.release()

        await self._write(work)

    async def unfollow(self, user_id: str, author_id: str) -> None:
        async def work(tx: Tx) -> None:
            # Deleting the relationship locks both ends, in whatever order the
            # engine picks: take the user's lock first, as every writer does.
            locks = _Locks(tx)
            if await locks.take("User", user_id) is not None:
                await _rows(tx, q.UNFOLLOW, user_id=user_id, author_id=author_id)
                await locks.release()

        await self._write(work)

    async def followed_among(self, user_id: str, author_ids: Sequence[str]) -> set[str]:
        if not author_ids:
            return set()
        rows = await self._read_rows(q.FOLLOWED_AMONG, user_id=user_id, ids=list(author_ids))
        return {r["id"] for r in rows}

    async def following_page(
        self, user_id: str, first: int, after: str | None
    ) -> Page[AuthorRecord]:
        return await self._page(
            q.following_page(after=after is not None),
            q.FOLLOWING_COUNT,
            to_author,
            first,
            after,
            user_id=user_id,
        )

    # --- claims -----------------------------------------------------------------------------
    async def create_claim(self, claim: ClaimRecord) -> ClaimRecord:
        props = claim_props(replace(claim, status=ClaimDecision.PENDING))

        async def work(tx: Tx) -> ClaimRecord:
            # The author lock serialises claims on one author; the user lock
            # serialises with decide_claim making this user verified.
            locks = _Locks(tx)
            user_found = await locks.take("User", claim.user_id) is not None
            if await locks.take("Author", claim.author_id) is None:
                raise _not_found("author")
            if not user_found:
                raise _not_found("user")
            # Under the locks, so an attempt still committing is seen done.
            if done := await _replay(tx, "Claim", to_claim, claim):
                await locks.release()
                return done
            active = [ClaimDecision.PENDING.value, ClaimDecision.VERIFIED.value]
            if await _count(
                tx, q.COUNT_ACTIVE_CLAIMS_OF_AUTHOR, author_id=claim.author_id, statuses=active
            ):
                raise RuleViolation(Rule.AUTHOR_ALREADY_CLAIMED)
            if await _rows(
                tx,
                q.VERIFIED_AUTHOR_IDS_OF_USER,
                user_id=claim.user_id,
                verified=ClaimDecision.VERIFIED.value,
            ):
                raise RuleViolation(Rule.USER_ALREADY_VERIFIED)
            created = await _created(tx, q.CREATE_CLAIM, props=props)
            await _rows(
                tx, q.SET_AUTHOR_CLAIM_STATUS, id=claim.author_id, status=ClaimStatus.PENDING.value
            )
            await locks.release()
            return to_claim(created)

        return await self._write(work)

    async def withdraw_claim(self, claim_id: str, user_id: str, at: datetime) -> ClaimRecord:
        async def work(tx: Tx) -> ClaimRecord:
            locks = _Locks(tx)
            current = await _lock_claim(tx, locks, claim_id, lock_user=False)
            if current["user_id"] != user_id:
                raise RuleViolation(Rule.NOT_CLAIMANT)
            if _done_before(current, ClaimDecision.WITHDRAWN.value, "decided_at", at):
                await locks.release()
                return to_claim(current)
            if current["status"] != ClaimDecision.PENDING.value:
                raise RuleViolation(Rule.CLAIM_NOT_PENDING)
            updated = await _created(
                tx,
                q.SET_CLAIM_STATUS,
                id=claim_id,
                status=ClaimDecision.WITHDRAWN.value,
                at=to_micros(at),
                note=None,
            )
            await _rows(
                tx,
                q.SET_AUTHOR_CLAIM_STATUS,
                id=current["author_id"],
                status=ClaimStatus.UNCLAIMED.value,
            )
            await locks.release()
            return to_claim(updated)

        return await self._write(work)

    async def decide_claim(
        self, claim_id: str, approve: bool, note: str | None, at: datetime
    ) -> ClaimRecord:
        verified = ClaimDecision.VERIFIED.value
        decision = ClaimDecision.VERIFIED if approve else ClaimDecision.REJECTED

        async def work(tx: Tx) -> ClaimRecord:
            # The claimant's lock makes two approvals for one user serialise.
            locks = _Locks(tx)
            current = await _lock_claim(tx, locks, claim_id, lock_user=True)
            if _done_before(current, decision.value, "decided_at", at):
                await locks.release()
                return to_claim(current)
            if current["status"] != ClaimDecision.PENDING.value:
                raise RuleViolation(Rule.CLAIM_NOT_PENDING)
            user_id = str(current["user_id"])
            if approve and await _rows(
                tx, q.VERIFIED_AUTHOR_IDS_OF_USER, user_id=user_id, verified=verified
            ):
                raise RuleViolation(Rule.USER_ALREADY_VERIFIED)
            author_status = ClaimStatus.CLAIMED if approve else ClaimStatus.UNCLAIMED
            updated = await _created(
                tx,
                q.SET_CLAIM_STATUS,
                id=claim_id,
                status=decision.value,
                at=to_micros(at),
                note=note,
            )
            await _rows(
                tx, q.SET_AUTHOR_CLAIM_STATUS, id=current["author_id"], status=author_status.value
            )
            await locks.release()
            return to_claim(updated)

        return await self._write(work)

    async def claims_of_users(self, user_ids: Sequence[str]) -> dict[str, list[ClaimRecord]]:
        grouped: dict[str, list[Row]] = _group(user_ids)
        for r in await self._related_rows(q.CLAIMS_OF_USERS, user_ids):
            grouped[r["key"]].append(r["n"])
        return {
            k: [to_claim(n) for n in sorted(v, key=newest_first_key, reverse=True)]
            for k, v in grouped.items()
        }

    async def verified_authors_of_users(self, user_ids: Sequence[str]) -> dict[str, AuthorRecord]:
        if not user_ids:
            return {}
        rows = await self._read_rows(
            q.VERIFIED_AUTHORS_OF_USERS, ids=list(user_ids), verified=ClaimDecision.VERIFIED.value
        )
        out: dict[str, AuthorRecord] = {}
        for r in sorted(rows, key=lambda r: str(r["claim_key"])):
            out.setdefault(r["key"], to_author(r["n"]))
        return out

    async def verified_claimants_of_authors(self, author_ids: Sequence[str]) -> dict[str, str]:
        if not author_ids:
            return {}
        rows = await self._read_rows(
            q.VERIFIED_CLAIMANTS_OF_AUTHORS,
            ids=list(author_ids),
            verified=ClaimDecision.VERIFIED.value,
        )
        out: dict[str, str] = {}
        for r in sorted(rows, key=lambda r: str(r["claim_key"])):
            out.setdefault(r["author_id"], r["user_id"])
        return out

    async def claims_by_status(
        self, status: ClaimDecision, first: int, after: str | None
    ) -> Page[ClaimRecord]:
        return await self._page(
            q.claims_by_status(after=after is not None),
            q.COUNT_CLAIMS_BY_STATUS,
            to_claim,
            first,
            after,
            status=status.value,
        )

    # --- invitations ------------------------------------------------------------------------
    async def create_invitation(
        self, invitation: InvitationRecord, daily_limit: int, window_start: datetime
    ) -> InvitationRecord:
        sender_id = invitation.sender_id
        recipient_id = invitation.recipient_author_id
        verified = ClaimDecision.VERIFIED.value

        async def work(tx: Tx) -> InvitationRecord:
            # Locking the sender serialises all of this sender's invitations,
            # which makes both the one-pending-per-pair rule and the rate
            # limit exact under concurrency.
            locks = _Locks(tx)
            if await locks.take("User", sender_id) is None:
                raise RuleViolation(Rule.SENDER_NOT_VERIFIED, "unknown user")
            if done := await _replay(tx, "Invitation", to_invitation, invitation):
                await locks.release()
                return done
            held = await _rows(
                tx, q.VERIFIED_AUTHOR_IDS_OF_USER, user_id=sender_id, verified=verified
            )
            if not held:
                raise RuleViolation(Rule.SENDER_NOT_VERIFIED)
            sender_author_id = str(held[0]["author_id"])
            recipient = await _node(tx, q.GET_AUTHOR, id=recipient_id)
            if recipient is None:
                raise _not_found("recipient author")
            if recipient_id == sender_author_id:
                raise RuleViolation(Rule.SELF_INVITATION)
            if recipient.get("claim_status") != ClaimStatus.CLAIMED.value:
                raise RuleViolation(Rule.RECIPIENT_NOT_CLAIMED)
            if await _count(
                tx,
                q.COUNT_PENDING_PAIR,
                sender_id=sender_id,
                recipient_id=recipient_id,
                pending=InvitationStatus.PENDING.value,
            ):
                raise RuleViolation(Rule.INVITATION_PENDING_EXISTS)
            sent = await _count(
                tx, q.COUNT_SENT_SINCE, sender_id=sender_id, since=to_micros(window_start)
            )
            if sent >= daily_limit:
                raise RuleViolation(Rule.RATE_LIMITED)
            props = invitation_props(
                replace(
                    invitation,
                    sender_author_id=sender_author_id,
                    status=InvitationStatus.PENDING,
                    responded_at=None,
                )
            )
            created = await _created(tx, q.CREATE_INVITATION, props=props)
            await locks.release()
            return to_invitation(created)

        return await self._write(work)

    async def respond_invitation(
        self, invitation_id: str, user_id: str, status: InvitationStatus, at: datetime
    ) -> InvitationRecord:
        if status is InvitationStatus.PENDING:
            raise StoreError("an invitation cannot be responded to with PENDING")

        async def work(tx: Tx) -> InvitationRecord:
            locks = _Locks(tx)
            current = await locks.take("Invitation", invitation_id)
            if current is None:
                raise _not_found("invitation")
            if status is InvitationStatus.WITHDRAWN:
                is_party = current["sender_id"] == user_id
            else:
                claimants = await _rows(
                    tx,
                    q.VERIFIED_CLAIMANT_IDS_OF_AUTHOR,
                    author_id=current["recipient_author_id"],
                    verified=ClaimDecision.VERIFIED.value,
                )
                is_party = any(r["user_id"] == user_id for r in claimants)
            if not is_party:
                raise RuleViolation(Rule.NOT_A_PARTY)
            if _done_before(current, status.value, "responded_at", at):
                await locks.release()
                return to_invitation(current)
            if current["status"] != InvitationStatus.PENDING.value:
                raise RuleViolation(Rule.INVITATION_NOT_PENDING)
            updated = await _created(
                tx,
                q.SET_INVITATION_STATUS,
                id=invitation_id,
                status=status.value,
                at=to_micros(at),
            )
            await locks.release()
            return to_invitation(updated)

        return await self._write(work)

    async def _invitations_by_key(
        self, query: str, user_ids: Sequence[str], **params: Any
    ) -> dict[str, list[InvitationRecord]]:
        grouped: dict[str, list[Row]] = _group(user_ids)
        if user_ids:
            for r in await self._read_rows(query, ids=list(user_ids), **params):
                grouped[r["key"]].append(r["n"])
        return {
            k: [to_invitation(n) for n in sorted(v, key=newest_first_key, reverse=True)]
            for k, v in grouped.items()
        }

    async def invitations_sent(self, user_ids: Sequence[str]) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_key(q.INVITATIONS_SENT, user_ids)

    async def invitations_received(
        self, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_key(
            q.INVITATIONS_RECEIVED, user_ids, verified=ClaimDecision.VERIFIED.value
        )

    async def pending_invitation_recipients(
        self, user_id: str, author_ids: Sequence[str]
    ) -> set[str]:
        if not author_ids:
            return set()
        rows = await self._read_rows(
            q.PENDING_INVITATION_RECIPIENTS,
            user_id=user_id,
            ids=list(author_ids),
            pending=InvitationStatus.PENDING.value,
        )
        return {r["id"] for r in rows}

    async def count_invitations_since(self, user_id: str, since: datetime) -> int:
        rows = await self._read_rows(q.COUNT_SENT_SINCE, sender_id=user_id, since=to_micros(since))
        return int(rows[0]["total"]) if rows else 0

    # --- corrections ------------------------------------------------------------------------
    async def create_correction(self, correction: CorrectionRecord) -> CorrectionRecord:
        target_query = _TARGET_QUERIES.get(kind_of(correction.target_id))
        props = correction_props(correction)

        async def work(tx: Tx) -> CorrectionRecord:
            if done := await _replay(tx, "Correction", to_correction, correction):
                return done
            if (
                target_query is None
                or await _node(tx, target_query, id=correction.target_id) is None
            ):
                raise _not_found("correction target")
            return to_correction(await _created(tx, q.CREATE_CORRECTION, props=props))

        return await self._write(work)

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
            raise StoreError("a correction is decided as APPLIED or REJECTED")

        async def work(tx: Tx) -> CorrectionRecord:
            # The target (Author or Paper) is locked before the correction, in
            # lock order; its id never changes, so it can be read first unlocked.
            seen = await _node(tx, q.GET_ONE["Correction"], id=correction_id)
            if seen is None:
                raise _not_found("correction")
            locks = _Locks(tx)
            target_id = str(seen["target_id"])
            target_label = _TARGET_LABELS.get(kind_of(target_id))
            target = None if target_label is None else await locks.take(target_label, target_id)
            current = await locks.take("Correction", correction_id)
            if current is None:
                raise _not_found("correction")
            if _done_before(current, status.value, "reviewed_at", at):
                await locks.release()
                return to_correction(current)
            if current["status"] != CorrectionStatus.OPEN.value:
                raise RuleViolation(Rule.CORRECTION_NOT_OPEN)
            if status is CorrectionStatus.APPLIED and update is not None:
                if target is None:
                    raise _not_found("correction target")
                await _apply_update(tx, target_id, target, update)
            updated = await _created(
                tx,
                q.SET_CORRECTION_STATUS,
                id=correction_id,
                status=status.value,
                reviewer_id=reviewer_id,
                at=to_micros(at),
                note=note,
            )
            await locks.release()
            return to_correction(updated)

        return await self._write(work)

    async def corrections_by_status(
        self, status: CorrectionStatus, first: int, after: str | None
    ) -> Page[CorrectionRecord]:
        return await self._page(
            q.corrections_by_status(after=after is not None),
            q.COUNT_CORRECTIONS_BY_STATUS,
            to_correction,
            first,
            after,
            status=status.value,
        )


# --- corrections: property updates ------------------------------------------------------

_TARGET_QUERIES: dict[NodeKind | None, str] = {
    NodeKind.AUTHOR: q.GET_AUTHOR,
    NodeKind.PAPER: q.GET_PAPER,
}
_TARGET_LABELS: dict[NodeKind | None, str] = {NodeKind.AUTHOR: "Author", NodeKind.PAPER: "Paper"}


def _text(value: str | int | None, prop: str) -> str:
    if value is None or str(value).strip() == "":
        raise StoreError(f"{prop} cannot be empty")
    return str(value)


def _optional_text(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def author_update_props(current: Row, prop: str, value: str | int | None) -> Props:
    """Properties to set for a corrected author field, derived keys included."""
    if prop != "name":
        raise StoreError(f"author property {prop!r} cannot be corrected")
    name = _text(value, prop)
    return {
        "name": name,
        "name_key": name.casefold(),
        "sort_key": author_sort_key(name, str(current["id"])),
    }


def paper_update_props(current: Row, prop: str, value: str | int | None) -> Props:
    """Properties to set for a corrected paper field, derived keys included."""
    paper_id = str(current["id"])
    title = str(current["title"])
    year: int | None = None if current.get("year") is None else int(current["year"])
    if prop == "title":
        title = _text(value, prop)
        return {
            "title": title,
            "title_key": title.casefold(),
            "sort_key": paper_sort_key(year, title, paper_id),
        }
    if prop == "year":
        try:
            year = None if value is None else int(value)
        except ValueError as e:
            raise StoreError(f"year {value!r} is not a number") from e
        return {"year": year, "sort_key": paper_sort_key(year, title, paper_id)}
    if prop == "abstract":
        abstract = _optional_text(value)
        return {
            "abstract": abstract,
            "abstract_key": None if abstract is None else abstract.casefold(),
        }
    if prop in ("venue", "code_url"):
        return {prop: _optional_text(value)}
    raise StoreError(f"paper property {prop!r} cannot be corrected")


async def _apply_update(
    tx: Tx, target_id: str, current: Row, update: tuple[str, str | int | None]
) -> None:
    """Write a corrected field of a target the caller has locked (so its
    title/year read here and the sort_key written stay in step)."""
    prop, value = update
    if kind_of(target_id) is NodeKind.AUTHOR:
        props = author_update_props(current, prop, value)
        await _rows(tx, q.UPDATE_AUTHOR, id=target_id, props=props)
    else:
        props = paper_update_props(current, prop, value)
        await _rows(tx, q.UPDATE_PAPER, id=target_id, props=props)


async def _lock_claim(tx: Tx, locks: _Locks, claim_id: str, *, lock_user: bool) -> Row:
    """Lock a claim with the nodes its decision writes, in lock order: its user
    (when asked), its author, then the claim. A claim's user and author never
    change, so they are read first without a lock."""
    seen = await _node(tx, q.GET_ONE["Claim"], id=claim_id)
    if seen is None:
        raise _not_found("claim")
    if lock_user:
        await locks.take("User", str(seen["user_id"]))
    await locks.take("Author", str(seen["author_id"]))
    current = await locks.take("Claim", claim_id)
    if current is None:
        raise _not_found("claim")
    return current


def _done_before(current: Row, status: str, at_property: str, at: datetime) -> bool:
    """This very decision, committed by an earlier attempt of the request
    (same outcome at the same request time): answer it, not a rule."""
    return current.get("status") == status and current.get(at_property) == to_micros(at)


async def _replay(tx: Tx, label: str, mapper: Callable[[Row], T], record: Any) -> T | None:
    """The record an earlier attempt of this create stored, if any."""
    stored = await _node(tx, q.GET_ONE[label], id=record.id)
    return replayed_create(None if stored is None else mapper(stored), record)


def _conforms(store: Neo4jGraphStore) -> GraphStore:
    # mypy proves here that the class satisfies the GraphStore protocol.
    return store
