"""What only a real Neo4j can show: every statement the backend can send
parses and plans, the common queries are index-backed, locks are taken in one
order and waits are bounded, and an old schema is migrated at start-up."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import neo4j.exceptions as nx
import pytest
from neo4j import READ_ACCESS, AsyncGraphDatabase, GqlStatusObject, NotificationClassification

from graph_store.errors import RuleViolation, StoreError, StoreUnavailable
from graph_store.neo4j import bulk, schema
from graph_store.neo4j import queries as q
from graph_store.neo4j.session import _Locks, _rows
from graph_store.neo4j.store import Neo4jGraphStore
from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    ImportBatch,
    InstitutionRecord,
    PaperKind,
    PaperRecord,
    TopicRecord,
)
from tests.conftest import require_neo4j
from tests.contract.conftest import GRAPH, at, make_user
from tests.neo4j_server import Neo4jServer


async def _open(neo4j: Neo4jServer | str, tmp: Path, **config: float) -> Neo4jGraphStore:
    server = require_neo4j(neo4j)
    store = Neo4jGraphStore(server.config(tmp, **config))
    await store.initialize()
    await store.wipe_for_tests()
    return store


@pytest.fixture
async def n4j(neo4j: Neo4jServer | str, tmp_path: Path) -> AsyncIterator[Neo4jGraphStore]:
    store = await _open(neo4j, tmp_path)
    try:
        yield store
    finally:
        await store.close()


async def _run(store: Neo4jGraphStore, statement: str, **params: Any) -> Any:
    return await store._driver.execute_query(statement, params, database_=store._database)


async def _notifications(store: Neo4jGraphStore, statement: str) -> list[GqlStatusObject]:
    """What the server reports for ``statement``: every notification, whatever
    the store's driver filters at run time (session settings override it)."""
    async with store._driver.session(
        database=store._database,
        notifications_min_severity="INFORMATION",
        notifications_disabled_classifications=[],
    ) as session:
        result = await session.run(statement)
        summary = await result.consume()
    return [s for s in summary.gql_status_objects if s.is_notification]


# --- every statement checked by the server ----------------------------------------


def every_statement() -> Iterator[tuple[str, str]]:
    """Each constant of ``queries`` and of the bulk path, and each variant the
    builders of ``queries`` can compose."""
    named = [("", name, value) for name, value in sorted(vars(q).items())]
    named += [("bulk.", name, value) for name, value in sorted(vars(bulk).items())]
    for prefix, name, value in named:
        if name.startswith("_"):
            continue
        if name.isupper() and isinstance(value, str):
            yield prefix + name, value
        elif name.isupper() and isinstance(value, dict):
            for key, text in value.items():
                yield f"{prefix}{name}[{key}]", text
        elif callable(value) and hasattr(value, "cache_info"):
            flags = list(inspect.signature(value).parameters)
            for combo in itertools.product((False, True), repeat=len(flags)):
                kwargs = dict(zip(flags, combo, strict=True))
                yield f"{name}({kwargs})", value(**kwargs)
    yield "schema.GET_VERSION", schema.GET_VERSION
    yield "schema.SET_VERSION", schema.SET_VERSION


# What says the statement itself is wrong or slow, not that the (empty)
# database lacks a label or property it names.
_BAD = (NotificationClassification.DEPRECATION, NotificationClassification.PERFORMANCE)


async def test_the_server_plans_every_statement(n4j: Neo4jGraphStore) -> None:
    statements = list(every_statement())
    # The builders' variants are included (2^6 paper lists alone).
    assert len(statements) > 150
    problems: list[str] = []
    for name, text in statements:
        try:
            statuses = await _notifications(n4j, "EXPLAIN " + text)
        except Exception as e:  # collect every failure, not just the first
            problems.append(f"{name}: {e}")
            continue
        for status in statuses:
            if status.classification in _BAD:
                problems.append(f"{name}: {status.gql_status} {status.status_description}")
    assert problems == []


async def test_run_time_notifications_stay_out_of_the_log(
    n4j: Neo4jGraphStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A name no data carries yet (FOLLOWS on a graph without follows, the
    schema label on a fresh database) is normal at run time: the store's
    driver asks the server not to report it, nor INFORMATION. The checks
    above still get everything (their own session settings)."""
    never = "MATCH (:Author)<-[:NEVER_CREATED_TYPE]-(u:NeverCreatedLabel) RETURN count(u) AS total"
    # A Cartesian product is reported as INFORMATION (PERFORMANCE).
    cartesian = "MATCH (a:Author), (p:Paper) RETURN count(*) AS total"
    caplog.set_level(logging.DEBUG, logger="neo4j.notifications")
    assert await n4j._read_rows(never) == [{"total": 0}]
    assert await n4j._read_rows(cartesian) == [{"total": 0}]
    await n4j._write(lambda tx: _rows(tx, never))
    assert [r.getMessage() for r in caplog.records if r.name == "neo4j.notifications"] == []
    seen = {s.gql_status for s in await _notifications(n4j, "EXPLAIN " + never)}
    assert {"01N50", "01N51"} <= seen  # unknown label, unknown relationship type
    assert any(
        s.classification == NotificationClassification.PERFORMANCE
        for s in await _notifications(n4j, "EXPLAIN " + cartesian)
    )


# --- index-backed queries, read off PROFILE on a few thousand nodes ----------------

N = 3000


def _big_graph() -> ImportBatch:
    topics = tuple(TopicRecord(f"topic:t{i}", f"t{i}", f"Topic {i}") for i in range(20))
    authors = tuple(
        AuthorRecord(id=f"author:a{i:05d}", slug=f"a{i:05d}", name=f"Author {i:05d}")
        for i in range(N)
    )
    papers = tuple(
        PaperRecord(
            id=f"paper:p{i:05d}",
            title=f"Paper {i:05d} on distillation",
            kind=PaperKind.PREPRINT,
            year=2000 + i % 25,
        )
        for i in range(N)
    )
    authorships = tuple(AuthorshipRow(f"author:a{i:05d}", f"paper:p{i:05d}", 1) for i in range(N))
    tagged = tuple((f"paper:p{i:05d}", f"topic:t{i % 20}") for i in range(N))
    return ImportBatch(authors, papers, topics, (), authorships, tagged)


def _operators(plan: Any) -> list[str]:
    out = [str(plan["operatorType"]).split("@")[0]]
    for child in plan.get("children", []):
        out += _operators(child)
    return out


def _tree(plan: Any, depth: int = 0) -> str:
    """The plan as text, for assertion messages."""
    op = str(plan["operatorType"]).split("@")[0]
    details = str(plan.get("arguments", {}).get("Details", ""))[:80]
    line = f"{'  ' * depth}{op} hits={plan.get('dbHits')} rows={plan.get('rows')} {details}"
    return "\n".join([line, *(_tree(c, depth + 1) for c in plan.get("children", []))])


@pytest.fixture
async def big(n4j: Neo4jGraphStore) -> Neo4jGraphStore:
    await n4j.import_batch(_big_graph())
    # A claim queue where PENDING is rare: a scan would read thousands.
    await _run(
        n4j,
        "UNWIND range(1, $n) AS i CREATE (:Claim {id: 'claim:c' + i, status: "
        "CASE WHEN i % 50 = 0 THEN 'PENDING' ELSE 'REJECTED' END, "
        "sort_key: right('0000' + toString(i), 5)})",
        n=N,
    )
    await _run(n4j, "CALL db.awaitIndexes(60)")
    # The planner's index statistics come from samples Neo4j refreshes in the
    # background; after the earlier tests' tiny graphs they would describe an
    # index of a few entries for a while. The plans under test are the ones
    # made for this graph, as a settled production database would make them.
    # prepareForReplanning resamples every index, waits, and clears the plans.
    await _run(n4j, "CALL db.prepareForReplanning(60)")
    return n4j


async def _profile(
    store: Neo4jGraphStore, statement: str, **params: Any
) -> tuple[list[str], int, str]:
    result = await _run(store, "PROFILE " + statement, **params)
    plan = result.summary.profile
    assert plan is not None

    def hits(p: Any) -> int:
        return int(p.get("dbHits", 0)) + sum(hits(c) for c in p.get("children", []))

    return _operators(plan), hits(plan), _tree(plan)


_NO_PAPER_FILTER = dict.fromkeys(("title", "kind", "year_from", "year_to", "topic"), False)


async def test_pages_walk_an_index_in_order(big: Neo4jGraphStore) -> None:
    cases = [
        (q.list_authors(name=False, claim_status=False, topic=False, after=False), {}),
        (
            q.list_authors(name=False, claim_status=False, topic=False, after=True),
            {"after": "author 01500"},
        ),
        (
            q.list_authors(name=False, claim_status=True, topic=False, after=False),
            {"claim_status": ClaimStatus.UNCLAIMED.value},
        ),
        (
            q.list_papers(
                **dict.fromkeys(("title", "kind", "year_from", "year_to", "topic"), False),
                after=False,
            ),
            {},
        ),
        (q.list_topics(after=True), {"after": "t1"}),
        (q.claims_by_status(after=False), {"status": "PENDING"}),
        (q.claims_by_status(after=True), {"status": "PENDING", "after": "01000"}),
        # Backward pages (last/before) walk the same indexes from the other end.
        (
            q.list_authors(
                name=False, claim_status=False, topic=False, after=False, before=True, from_end=True
            ),
            {"before": "author 01500"},
        ),
        (q.list_topics(after=False, from_end=True), {}),
        (
            q.claims_by_status(after=False, before=True, from_end=True),
            {"status": "PENDING", "before": "01000"},
        ),
    ]
    for statement, params in cases:
        ops, hits, _ = await _profile(big, statement, limit=11, **params)
        assert any(op.startswith("NodeIndex") for op in ops), (statement, ops)
        # The index gives the order: no Sort/Top over the label.
        assert not {"Sort", "Top", "PartialSort", "NodeByLabelScan"} & set(ops), (statement, ops)
        # About a page of entries read, not thousands.
        assert hits < 200, (statement, ops, hits)


async def test_lookups_and_counts_use_indexes(big: Neo4jGraphStore) -> None:
    ops, hits, _ = await _profile(big, q.GET_AUTHORS, ids=["author:a00001", "author:a02999"])
    assert "NodeUniqueIndexSeek" in ops and hits < 50, ops
    ops, hits, _ = await _profile(big, q.COUNT_CLAIMS_BY_STATUS, status="PENDING")
    assert "NodeByLabelScan" not in ops and hits < 200, (ops, hits)
    ops, hits, _ = await _profile(big, q.GET_TOPICS_BY_SLUG, slugs=["t3"])
    assert "NodeUniqueIndexSeek" in ops, ops


RELATION_READS = {
    "paper_pages_of_authors": q.paper_pages_of_authors(after=False),
    "paper_pages_of_topics": q.paper_pages_of_topics(after=False),
    "paper_pages_of_authors, from the end": q.paper_pages_of_authors(
        after=False, before=True, from_end=True
    ),
    "AUTHORS_OF_PAPERS": q.AUTHORS_OF_PAPERS,
    "TOPICS_OF_PAPERS": q.TOPICS_OF_PAPERS,
    "TOPIC_WEIGHTS_OF_AUTHORS": q.TOPIC_WEIGHTS_OF_AUTHORS,
    "TOP_COAUTHORS_OF_AUTHORS": q.TOP_COAUTHORS_OF_AUTHORS,
    "TOP_AUTHORS_OF_TOPICS": q.TOP_AUTHORS_OF_TOPICS,
    "AUTHOR_STATS": q.AUTHOR_STATS,
    "NODE_LABELS": q.NODE_LABELS,
    "GRAPH_EDGES": q.GRAPH_EDGES,
}


async def test_batch_relation_reads_start_from_an_index(big: Neo4jGraphStore) -> None:
    ids = ["author:a00001", "paper:p00002", "topic:t3"]
    for name, statement in RELATION_READS.items():
        ops, hits, tree = await _profile(big, statement, ids=ids, limit=11, offset=0, before="~")
        # Ranking a topic's authors reads the topic's 150 papers in the
        # database (only the top 11 leave it); the others read about a page.
        bound = 3000 if name == "TOP_AUTHORS_OF_TOPICS" else 1000
        assert "NodeUniqueIndexSeek" in ops, (name, ops)
        assert not {"NodeByLabelScan", "AllNodesScan"} & set(ops), (name, ops)
        assert hits < bound, f"{name}: {hits} db hits\n{tree}"


async def test_provenance_reads_use_the_revision_indexes(n4j: Neo4jGraphStore) -> None:
    # Ten revisions of each of 3,000 (record, field) pairs, one in 50 overridden:
    # a scan of the label would read 30,000 nodes.
    await _run(
        n4j,
        "UNWIND range(1, $n) AS i CREATE (:Revision {id: 'rev:' + i, "
        "entity_id: 'paper:p' + (i % 3000), field: 'title', sort_key: right('0000' + i, 5), "
        "overridden: CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END})",
        n=10 * N,
    )
    await _run(n4j, "CALL db.awaitIndexes(60)")
    await _run(n4j, "CALL db.prepareForReplanning(60)")
    pages = [
        (q.overridden_revisions(after=False), {}),
        (q.overridden_revisions(after=True), {"after": "10000"}),
        (q.overridden_revisions(after=False, before=True, from_end=True), {"before": "20000"}),
    ]
    for statement, params in pages:
        ops, hits, tree = await _profile(n4j, statement, overridden=1, limit=11, **params)
        assert any(op.startswith("NodeIndex") for op in ops), tree
        assert not {"Sort", "Top", "NodeByLabelScan"} & set(ops), tree
        assert hits < 200, tree
    reads = [
        (q.REVISIONS_OF_FIELD, {"ids": ["paper:p1", "paper:p2"], "field": "title", "first": 5}),
        (q.REVISIONS_OF_PAIRS, {"pairs": [{"id": "paper:p1", "field": "title"}]}),
        (q.COUNT_OVERRIDDEN, {"overridden": 1}),
    ]
    for statement, params in reads:
        ops, hits, tree = await _profile(n4j, statement, **params)
        assert any(op.startswith("NodeIndex") for op in ops), tree
        assert "NodeByLabelScan" not in ops and hits < 2000, tree


async def test_coauthored_expands_the_side_with_fewer_papers(n4j: Neo4jGraphStore) -> None:
    """A hub of 400 papers and ten authors of one paper each, one of them
    on a hub paper: either way round only the smaller side's papers are
    expanded, never the hub's for every candidate (4,000 and more db hits)."""
    hub, others = "author:hub", [f"author:c{i}" for i in range(10)]
    papers = [f"paper:h{i:03d}" for i in range(400)] + [f"paper:c{i}" for i in range(1, 10)]
    own = ["paper:h000", *papers[400:]]  # c0 wrote the hub's first paper
    await n4j.import_batch(
        ImportBatch(
            authors=tuple(AuthorRecord(a, a[7:], a[7:]) for a in [hub, *others]),
            papers=tuple(PaperRecord(p, p, PaperKind.PREPRINT, year=2020) for p in papers),
            authorships=(
                *(AuthorshipRow(hub, p, 1) for p in papers[:400]),
                *(AuthorshipRow(a, p, 2) for a, p in zip(others, own, strict=True)),
            ),
        )
    )
    assert await n4j.coauthored(hub, others) == {"author:c0"}
    assert await n4j.coauthored("author:c1", [hub]) == set()
    for author, candidates in ((hub, others), ("author:c1", [hub]), ("author:c0", [hub])):
        _, hits, tree = await _profile(n4j, q.COAUTHORED, id=author, ids=candidates)
        assert hits < 400, f"{author}: {hits} db hits\n{tree}"


async def test_search_narrows_with_the_fulltext_index(big: Neo4jGraphStore) -> None:
    ops, _, _ = await _profile(
        big,
        q.SEARCH,
        index=schema.FULLTEXT_INDEX,
        primary="title_key:(00042 OR 00042* OR *00042*)",
        secondary="abstract_key:(00042 OR 00042* OR *00042*)",
        cap=500,
    )
    assert "ProcedureCall" in ops, ops  # the Lucene index, not a scan of the labels
    hits = await big.search("00042", 5)
    assert [h.node_id for h in hits] == ["author:a00042", "paper:p00042"]
    # Inside a token, as the embedded store's substring match finds it.
    assert {h.node_id for h in await big.search("stillat", 3)} <= {
        f"paper:p{i:05d}" for i in range(N)
    }
    assert len(await big.search("stillat", 3)) == 3


async def test_the_bulk_path_finds_every_end_by_a_unique_index(big: Neo4jGraphStore) -> None:
    ops, hits, _ = await _profile(big, bulk.EXISTING_IDS["Author"], ids=["author:a00001", "x"])
    assert "NodeUniqueIndexSeek" in ops and hits < 20, ops
    # The creates are only planned (EXPLAIN): each row's two ends by a seek
    # (a locking one: the product of two single rows), no scan.
    for statement in (bulk.CREATE_AUTHORED, bulk.CREATE_TAGGED, bulk.CREATE_AFFILIATED):
        plan = (await _run(big, "EXPLAIN " + statement, rows=[])).summary.plan
        ops = _operators(plan)
        seeks = [op for op in ops if op.startswith("NodeUniqueIndexSeek")]
        assert len(seeks) == 2, (statement, ops)
        assert not {"NodeByLabelScan", "AllNodesScan", "NodeIndexScan"} & set(ops), ops


async def test_a_bulk_create_that_meets_an_existing_id_merges_instead(
    n4j: Neo4jGraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if another writer created the chunk's nodes after this one looked:
    the uniqueness constraint refuses the CREATE, and the chunk merges."""
    await n4j.import_batch(GRAPH)
    before = set(await n4j.graph_edges([a.id for a in GRAPH.authors]))

    async def nothing_exists(tx: Any, label: str, ids: Any) -> set[str]:
        return set()

    monkeypatch.setattr(bulk, "_existing", nothing_exists)
    await n4j.bulk_import(GRAPH)
    assert set(await n4j.graph_edges([a.id for a in GRAPH.authors])) == before
    assert len(await n4j.get_authors([a.id for a in GRAPH.authors])) == len(GRAPH.authors)


async def test_a_bulk_chunk_merges_only_the_known_authors_it_changes(
    n4j: Neo4jGraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Later chunks name mostly known authors: their new papers link them in
    the bulk transaction, and only those whose record changes go through
    import_batch (which decides under their locks)."""
    ann = AuthorRecord("author:bk-ann", "bk-ann", "Ann Bulk")
    bob = AuthorRecord("author:bk-bob", "bk-bob", "Bob Bulk")
    first = PaperRecord("paper:bk-1", "First bulk paper", PaperKind.PREPRINT)
    second = PaperRecord("paper:bk-2", "Second bulk paper", PaperKind.PREPRINT)

    def chunk(paper: PaperRecord, *authors: AuthorRecord) -> ImportBatch:
        ships = tuple(AuthorshipRow(a.id, paper.id, i) for i, a in enumerate(authors, 1))
        return ImportBatch(authors=authors, papers=(paper,), authorships=ships)

    await n4j.bulk_import(chunk(first, ann, bob))
    sent: list[ImportBatch] = []
    real = n4j.import_batch

    async def spy(batch: ImportBatch) -> None:
        sent.append(batch)
        await real(batch)

    monkeypatch.setattr(n4j, "import_batch", spy)
    bob_with_orcid = AuthorRecord(bob.id, bob.slug, bob.name, orcid="0000-0003")
    await n4j.bulk_import(chunk(second, ann, bob_with_orcid))
    assert [a.id for b in sent for a in b.authors] == [bob.id]
    assert (await n4j.get_authors([bob.id]))[bob.id].orcid == "0000-0003"
    shown = await n4j.authors_of_papers([first.id, second.id])
    assert {k: [a.id for a in v] for k, v in shown.items()} == {
        first.id: [ann.id, bob.id],
        second.id: [ann.id, bob.id],
    }
    # Nothing new: the known paper merges, the unchanged authors stay out.
    sent.clear()
    await n4j.bulk_import(chunk(second, ann, bob_with_orcid))
    assert [(b.authors, b.papers) for b in sent] == [((), (second,))]


async def test_a_bulk_chunk_links_a_known_author_to_an_institution_that_came_later(
    n4j: Neo4jGraphStore,
) -> None:
    """The author's row changes nothing (it stays out of import_batch), but its
    stored affiliation's institution exists only now: the edge is made."""
    ann = AuthorRecord("author:bk-inst", "bk-inst", "Ann Inst", affiliation_id="inst:bk-later")
    await n4j.bulk_import(ImportBatch(authors=(ann,)))  # the institution is unknown yet
    assert await n4j.graph_edges([ann.id]) == []
    paper = PaperRecord("paper:bk-inst", "Paper with a later institution", PaperKind.PREPRINT)
    later = ImportBatch(
        authors=(ann,),
        papers=(paper,),
        institutions=(InstitutionRecord("inst:bk-later", "Later"),),
        authorships=(AuthorshipRow(ann.id, paper.id, 1),),
    )
    await n4j.bulk_import(later)
    edges = {(e.kind, e.target) for e in await n4j.graph_edges([ann.id])}
    assert edges == {("AFFILIATED", "inst:bk-later"), ("AUTHORED", paper.id)}


# --- locks: one order, bounded waits ------------------------------------------------


async def test_claims_and_follows_never_deadlock(neo4j: Neo4jServer | str, tmp_path: Path) -> None:
    """Claim (locks User, Author) and follow (User, then Author through the new
    relationship) race on the same pair; with no retries a deadlock would
    surface as an error."""
    store = await _open(neo4j, tmp_path, max_retry_time=0.0)
    try:
        await store.import_batch(GRAPH)
        authors = [a.id for a in GRAPH.authors]
        for n, author in enumerate(authors):
            user = await store.create_user(make_user(n))
            claim = ClaimRecord(
                f"claim:d{n}", author, user.id, ClaimDecision.PENDING, "orcid", at(n)
            )
            other = authors[(n + 1) % len(authors)]
            first = await asyncio.gather(
                store.follow(user.id, author, at(n)),
                store.create_claim(claim),
                store.follow(user.id, other, at(n)),
                return_exceptions=True,
            )
            second = await asyncio.gather(
                store.decide_claim(claim.id, True, None, at(n)),
                store.unfollow(user.id, author),
                store.follow(user.id, author, at(n)),
                return_exceptions=True,
            )
            errors = [r for r in (*first, *second) if isinstance(r, BaseException)]
            assert errors == [], errors
    finally:
        await store.close()


async def test_locks_refuse_the_wrong_order(n4j: Neo4jGraphStore) -> None:
    await n4j.import_batch(GRAPH)
    user = await n4j.create_user(make_user(1))
    author = GRAPH.authors[0].id
    await n4j.create_claim(
        ClaimRecord("claim:o", author, user.id, ClaimDecision.PENDING, "orcid", at(1))
    )

    async def work(tx: Any) -> None:
        locks = _Locks(tx)
        await locks.take("Claim", "claim:o")
        await locks.take("User", user.id)

    with pytest.raises(StoreError, match="lock order"):
        await n4j._write(work)


async def test_a_lock_wait_is_bounded_by_the_transaction_timeout(
    neo4j: Neo4jServer | str, tmp_path: Path
) -> None:
    store = await _open(neo4j, tmp_path, transaction_timeout=1.0)
    server = require_neo4j(neo4j)
    holder = AsyncGraphDatabase.driver(server.uri, auth=(server.user, server.password))
    try:
        await store.import_batch(GRAPH)
        user = await store.create_user(make_user(1))
        async with holder.session(database=server.database) as session:
            tx = await session.begin_transaction()
            await tx.run(q.LOCK["User"], id=user.id)  # held by another client
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="timed out"):
                await store.follow(user.id, GRAPH.authors[0].id, at(1))
            assert time.monotonic() - started < 5
            await tx.rollback()
        # Once the lock is gone the same call goes through.
        await store.follow(user.id, GRAPH.authors[0].id, at(1))
        assert await store.followed_among(user.id, [GRAPH.authors[0].id])
    finally:
        await holder.close()
        await store.close()


async def test_sessions_chain_bookmarks(n4j: Neo4jGraphStore) -> None:
    """Every session (reads too) is opened with the shared bookmark manager, so
    a read on a cluster waits for this process's last write. One instance
    cannot show the wait; the manager's bookmarks show the chaining."""
    before = set(await n4j._bookmarks.get_bookmarks())
    await n4j.create_user(make_user(1))
    after_write = set(await n4j._bookmarks.get_bookmarks())
    assert after_write and after_write != before
    async with n4j._session() as session:
        assert session._config.bookmark_manager is n4j._bookmarks
    async with n4j._read_session() as session:
        assert session._config.bookmark_manager is n4j._bookmarks
        assert session._config.default_access_mode == READ_ACCESS  # routed as a read
    assert await n4j.get_users(["user:u1"])


# --- reads: auto-commit, bounded, queued, retried -----------------------------------

# Seconds of work for the server, whatever the graph.
_SLOW_READ = "UNWIND range(1, 300000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS total"


async def test_a_read_is_bounded_by_the_transaction_timeout(
    neo4j: Neo4jServer | str, tmp_path: Path
) -> None:
    store = await _open(neo4j, tmp_path, transaction_timeout=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="timed out"):
            await store._read_rows(_SLOW_READ)
        assert time.monotonic() - started < 3
    finally:
        await store.close()


async def test_reads_beyond_the_concurrency_limit_wait_their_turn(
    neo4j: Neo4jServer | str, tmp_path: Path
) -> None:
    store = await _open(neo4j, tmp_path, max_concurrent_reads=1, acquisition_timeout=0.3)
    try:
        await store.import_batch(GRAPH)
        ids = [a.id for a in GRAPH.authors]
        # Many at once still all answer, one statement at a time.
        pages = await asyncio.gather(*(store.get_authors([i]) for i in ids * 3))
        assert [next(iter(p)) for p in pages] == ids * 3
        async with store._read_slot():  # the only slot, held
            with pytest.raises(StoreUnavailable, match="busy"):
                await store.get_authors(ids)
        assert len(await store.get_authors(ids)) == len(ids)
    finally:
        await store.close()


async def test_a_read_is_tried_again_after_a_retryable_error(
    n4j: Neo4jGraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await n4j.import_batch(GRAPH)
    real = n4j._read_session
    failures = [nx.SessionExpired("connection lost")]

    def flaky() -> Any:
        if failures:
            raise failures.pop()
        return real()

    monkeypatch.setattr(n4j, "_read_session", flaky)
    assert GRAPH.authors[0].id in await n4j.get_authors([GRAPH.authors[0].id])
    assert failures == []
    # An error that is not transient is not retried.
    monkeypatch.setattr(n4j, "_read_session", real)
    with pytest.raises(StoreError, match="Neo4j error"):
        await n4j._read_rows("RETURN 1 +")


# --- schema: unique topic slugs, and an old schema migrated -------------------------


async def test_topic_slug_is_a_key(n4j: Neo4jGraphStore) -> None:
    await n4j.import_batch(GRAPH)
    with pytest.raises(Exception, match="already exists"):
        await _run(n4j, "CREATE (:Topic {id: 'topic:other', slug: 'pruning'})")


async def test_an_old_schema_is_migrated_at_start_up(n4j: Neo4jGraphStore) -> None:
    # The v1 schema: a plain index on Topic.slug, full-text without abstracts.
    for item in (*schema.ITEMS, *schema.OBSOLETE):
        await _run(n4j, item.drop)
    await _run(n4j, "CREATE INDEX topic_slug IF NOT EXISTS FOR (n:Topic) ON (n.slug)")
    await _run(
        n4j,
        f"CREATE FULLTEXT INDEX {schema.FULLTEXT_INDEX} IF NOT EXISTS "
        "FOR (n:Author|Paper) ON EACH [n.name, n.title]",
    )
    await _run(n4j, "MERGE (v:PeerGraphSchema {id: 'schema'}) SET v.version = 1")

    await n4j.initialize()

    shown = {r["name"]: r for r in (await _run(n4j, schema.SHOW_INDEXES)).records}
    assert "topic_slug" not in shown
    assert shown["topic_slug_unique"]["owningConstraint"] == "topic_slug_unique"
    fulltext = shown[schema.FULLTEXT_INDEX]
    assert sorted(fulltext["labelsOrTypes"]) == ["Author", "Paper", "Topic"]
    assert fulltext["properties"] == ["name_key", "title_key", "abstract_key"]
    assert {item.name for item in schema.ITEMS} <= set(shown)
    version = (await _run(n4j, schema.GET_VERSION)).records[0]["version"]
    assert version == schema.SCHEMA_VERSION
    # The migrated index serves search.
    await n4j.import_batch(GRAPH)
    assert (await n4j.search("sparse experts", 1))[0].node_id == "paper:p3"


# --- a commit whose acknowledgement was lost ------------------------------------------


async def test_a_write_whose_commit_outcome_is_unknown_runs_once_more(
    n4j: Neo4jGraphStore,
) -> None:
    runs: list[int] = []

    async def work(tx: Any) -> int:
        runs.append(1)
        if len(runs) == 1:  # as the driver reports a connection lost in COMMIT
            raise nx.IncompleteCommit("connection lost during commit")
        return len(runs)

    assert await n4j._write(work) == 2


async def test_decisions_recognise_their_own_earlier_commit(n4j: Neo4jGraphStore) -> None:
    await n4j.import_batch(GRAPH)
    user = await n4j.create_user(make_user(1))
    author = GRAPH.authors[0].id
    await n4j.create_claim(
        ClaimRecord("claim:x", author, user.id, ClaimDecision.PENDING, "orcid", at(1))
    )
    first = await n4j.decide_claim("claim:x", True, None, at(5))
    # The same request run again (same outcome, same time) answers it...
    assert await n4j.decide_claim("claim:x", True, None, at(5)) == first
    # ...another request still meets the rule.
    with pytest.raises(RuleViolation, match="CLAIM_NOT_PENDING"):
        await n4j.decide_claim("claim:x", True, None, at(6))
