"""An embedded database made by the previous version (``*_lc`` columns, no
ORCID/DOI, invitations without ``sort_key``) opens with the current store:
its tables are migrated at start-up and everything reads back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import ladybug as lb

from graph_store.embedded.connection import DB_FILE_NAME
from graph_store.embedded.ddl import REVISION_LIST_TABLE
from graph_store.embedded.store import EmbeddedGraphStore
from graph_store.mapping import NODES
from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    ClaimStatus,
    ImportBatch,
    ImportedFigures,
    InvitationStatus,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
    Role,
    from_micros,
)
from tests.contract.test_provenance import P, batch, correct, history

# The node tables of the version before graph_store/mapping.py, verbatim.
OLD_NODE_TABLES = (
    """CREATE NODE TABLE IF NOT EXISTS Author(
        id STRING PRIMARY KEY, slug STRING, name STRING, name_lc STRING, sort_key STRING,
        claim_status STRING, affiliation_id STRING,
        imp_works INT64, imp_followers INT64, imp_topics INT64, imp_collaborators INT64,
        imp_trust_score INT64, imp_trust_tier STRING, imp_verification STRING,
        imp_source STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Paper(
        id STRING PRIMARY KEY, title STRING, title_lc STRING, kind STRING, year INT64,
        venue STRING, abstract STRING, abstract_lc STRING, code_url STRING, sort_key STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Topic(
        id STRING PRIMARY KEY, slug STRING, name STRING, name_lc STRING, sort_key STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Institution(
        id STRING PRIMARY KEY, name STRING, name_lc STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS User(
        id STRING PRIMARY KEY, email STRING, email_lc STRING, display_name STRING,
        password_hash STRING, role STRING, created_at INT64)""",
    """CREATE NODE TABLE IF NOT EXISTS Claim(
        id STRING PRIMARY KEY, author_id STRING, user_id STRING, status STRING,
        evidence STRING, created_at INT64, decided_at INT64, note STRING, sort_key STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Invitation(
        id STRING PRIMARY KEY, sender_id STRING, sender_author_id STRING,
        recipient_author_id STRING, message STRING, status STRING, created_at INT64,
        responded_at INT64)""",
    """CREATE NODE TABLE IF NOT EXISTS Correction(
        id STRING PRIMARY KEY, target_id STRING, field STRING, proposed_value STRING,
        reason STRING, status STRING, created_by STRING, created_at INT64,
        reviewed_by STRING, reviewed_at INT64, note STRING, sort_key STRING)""",
)
OLD_REL_TABLES = (
    "CREATE REL TABLE IF NOT EXISTS AUTHORED(FROM Author TO Paper, position INT64)",
    "CREATE REL TABLE IF NOT EXISTS TAGGED(FROM Paper TO Topic)",
    "CREATE REL TABLE IF NOT EXISTS AFFILIATED(FROM Author TO Institution)",
    "CREATE REL TABLE IF NOT EXISTS FOLLOWS(FROM User TO Author, created_at INT64)",
)

T1, T2 = 1_714_564_800_000_000, 1_714_651_200_000_000  # epoch microseconds

# Rows as the previous version wrote them (its *_lc and sort_key values).
OLD_ROWS = (
    """CREATE (:Author {id: 'author:anna-stra-e', slug: 'anna-strasse', name: 'Anna Straße',
        name_lc: 'anna strasse', sort_key: 'anna strasse\x1fauthor:anna-stra-e',
        claim_status: 'CLAIMED', affiliation_id: 'inst:tum',
        imp_works: 12, imp_followers: 3, imp_topics: 4, imp_collaborators: 5,
        imp_trust_score: 40, imp_trust_tier: 'ESTABLISHED', imp_verification: 'L2',
        imp_source: '009_anna.txt'})""",
    """CREATE (:Author {id: 'author:ben', slug: 'ben', name: 'Ben', name_lc: 'ben',
        sort_key: 'ben\x1fauthor:ben', claim_status: 'UNCLAIMED'})""",
    """CREATE (:Paper {id: 'paper:old', title: 'Old Distillation', title_lc: 'old distillation',
        kind: 'JOURNAL', year: 2020, venue: 'JMLR', abstract: 'We DISTIL.',
        abstract_lc: 'we distil.', sort_key: '7979\x1fold distillation\x1fpaper:old'})""",
    """CREATE (:Topic {id: 'topic:kd', slug: 'kd', name: 'Knowledge Distillation',
        name_lc: 'knowledge distillation', sort_key: 'kd'})""",
    "CREATE (:Institution {id: 'inst:tum', name: 'TUM', name_lc: 'tum'})",
    """CREATE (:User {id: 'user:u1', email: 'Anna@Example.org', email_lc: 'anna@example.org',
        display_name: 'Anna', password_hash: 'h', role: 'MEMBER', created_at: $t1})""",
    """CREATE (:User {id: 'user:u2', email: 'ben@example.org', email_lc: 'ben@example.org',
        display_name: 'Ben', password_hash: 'h', role: 'MEMBER', created_at: $t1})""",
    """CREATE (:Claim {id: 'claim:c1', author_id: 'author:anna-stra-e', user_id: 'user:u1',
        status: 'VERIFIED', evidence: 'orcid', created_at: $t1, decided_at: $t2,
        sort_key: 'x'})""",
    """CREATE (:Invitation {id: 'inv:i1', sender_id: 'user:u2', sender_author_id: 'author:ben',
        recipient_author_id: 'author:anna-stra-e', message: 'hi', status: 'PENDING',
        created_at: $t1})""",
    """CREATE (:Invitation {id: 'inv:i2', sender_id: 'user:u2', sender_author_id: 'author:ben',
        recipient_author_id: 'author:anna-stra-e', message: 'again', status: 'DECLINED',
        created_at: $t2, responded_at: $t2})""",
    """MATCH (a:Author {id: 'author:anna-stra-e'}), (p:Paper {id: 'paper:old'})
       CREATE (a)-[:AUTHORED {position: 1}]->(p)""",
    """MATCH (p:Paper {id: 'paper:old'}), (t:Topic {id: 'topic:kd'})
       CREATE (p)-[:TAGGED]->(t)""",
    """MATCH (a:Author {id: 'author:anna-stra-e'}), (i:Institution {id: 'inst:tum'})
       CREATE (a)-[:AFFILIATED]->(i)""",
)


def _run(conn: Any, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
    result = conn.execute(statement, params or {})
    try:
        rows: list[Any] = result.get_all()
    finally:
        result.close()
    return rows


def _make_old_database(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    db = lb.Database(str(data_dir / DB_FILE_NAME))
    conn = lb.Connection(db)
    try:
        for statement in OLD_NODE_TABLES + OLD_REL_TABLES:
            _run(conn, statement)
        for statement in OLD_ROWS:
            params = {k: v for k, v in {"t1": T1, "t2": T2}.items() if f"${k}" in statement}
            _run(conn, statement, params)
    finally:
        conn.close()
        db.close()


def _query(data_dir: Path, statement: str) -> list[Any]:
    db = lb.Database(str(data_dir / DB_FILE_NAME))
    conn = lb.Connection(db)
    try:
        return _run(conn, statement)
    finally:
        conn.close()
        db.close()


ANNA = AuthorRecord(
    id="author:anna-stra-e",
    slug="anna-strasse",
    name="Anna Straße",
    claim_status=ClaimStatus.CLAIMED,
    affiliation_id="inst:tum",
    imported=ImportedFigures(12, 3, 4, 5, 40, "ESTABLISHED", "L2", "009_anna.txt"),
)
OLD_PAPER = PaperRecord(
    id="paper:old",
    title="Old Distillation",
    kind=PaperKind.JOURNAL,
    year=2020,
    venue="JMLR",
    abstract="We DISTIL.",
)


async def test_a_database_of_the_previous_version_is_migrated(tmp_path: Path) -> None:
    data_dir = tmp_path / "db"
    _make_old_database(data_dir)

    store = EmbeddedGraphStore(data_dir)
    await store.initialize()
    try:
        # Records read back whole, through look-ups that use the renamed columns.
        assert (await store.get_authors([ANNA.id]))[ANNA.id] == ANNA
        assert (await store.find_authors_by_name(["ANNA STRASSE"]))["anna strasse"] == ANNA
        # The slug table an older database lacks is filled from its authors.
        assert await store.get_authors_by_slug(["anna-strasse", "ben"]) == {
            "anna-strasse": ANNA,
            "ben": (await store.get_authors(["author:ben"]))["author:ben"],
        }
        assert await store.existing_slugs(["anna-strasse", "nobody"]) == {"anna-strasse"}
        page = await store.list_authors(AuthorFilterSpec(name_contains="STRASSE"), 10, None)
        assert page.items == (ANNA,)
        assert (await store.get_papers([OLD_PAPER.id]))[OLD_PAPER.id] == OLD_PAPER
        assert (await store.find_papers_by_title(["old DISTILLATION"]))["old distillation"] == (
            OLD_PAPER
        )
        titles = await store.list_papers(PaperFilterSpec(title_contains="distil"), 10, None)
        assert titles.items == (OLD_PAPER,)
        user = await store.get_user_by_email("ANNA@example.ORG")
        assert user is not None and user.id == "user:u1" and user.role is Role.MEMBER
        assert user.created_at == from_micros(T1)
        # Users stored before sessions could be revoked: version 0, not suspended.
        assert (user.token_version, user.suspended_at, user.suspension_reason) == (0, None, None)
        assert (await store.revoke_sessions(user.id)).token_version == 1
        assert (await store.verified_authors_of_users(["user:u1"]))["user:u1"] == ANNA
        assert [i.id for i in (await store.invitations_sent(["user:u2"]))["user:u2"]] == [
            "inv:i2",
            "inv:i1",
        ]
        # The search index is built from the migrated columns.
        hits = [h.node_id for h in await store.search("strasse distil", 10)]
        assert set(hits) == {ANNA.id, OLD_PAPER.id, "topic:kd"}
        assert (await store.authors_of_papers([OLD_PAPER.id]))[OLD_PAPER.id] == [ANNA]
        # Provenance tables are new: older records have no recorded origin yet.
        assert await store.sources_of([ANNA.id, OLD_PAPER.id]) == {}
        assert await store.revisions_of([OLD_PAPER.id], "title", 5) == {OLD_PAPER.id: []}

        # New fields are stored; the rules run on migrated rows.
        orcid = "0000-0002-1825-0097"
        await store.import_batch(
            ImportBatch(
                authors=(AuthorRecord(id=ANNA.id, slug="x", name="X", orcid=orcid),),
                papers=(PaperRecord(id=OLD_PAPER.id, title="X", kind=PaperKind.PREPRINT,
                                    doi="10.1/old"),),
            )
        )  # fmt: skip
        assert (await store.get_authors([ANNA.id]))[ANNA.id] == replace(ANNA, orcid=orcid)
        assert (await store.get_papers([OLD_PAPER.id]))[OLD_PAPER.id].doi == "10.1/old"
        withdrawn = await store.respond_invitation(
            "inv:i1", "user:u2", InvitationStatus.WITHDRAWN, from_micros(T2)
        )
        assert withdrawn.status is InvitationStatus.WITHDRAWN
    finally:
        await store.close()

    # Once migrated, the tables are what a new database has, in column order.
    for mapping in NODES:
        info = _query(data_dir, f"CALL table_info('{mapping.label}') RETURN *")
        assert [(row[1], row[2]) for row in info] == list(mapping.props), mapping.label
    # The derived column added (the invitations' sort key) was computed for the old rows.
    keys = _query(data_dir, "MATCH (i:Invitation) RETURN i.id, i.sort_key ORDER BY i.id")
    assert keys == [["inv:i1", f"{T1:020d}|inv:i1"], ["inv:i2", f"{T2:020d}|inv:i2"]]
    # The flags added with a default hold it in the old rows themselves (not
    # only as read): closed to invitations, open to suggestions.
    flags = _query(
        data_dir, "MATCH (a:Author) RETURN a.id, a.open_to_collaborate, a.suggestible ORDER BY a.id"
    )
    assert flags == [[ANNA.id, False, True], ["author:ben", False, True]]

    # Opening again changes nothing.
    store = EmbeddedGraphStore(data_dir)
    await store.initialize()
    try:
        assert (await store.get_authors([ANNA.id]))[ANNA.id].orcid == orcid
        page = await store.list_authors(AuthorFilterSpec(), 10, None)
        assert [a.id for a in page.items] == [ANNA.id, "author:ben"]
    finally:
        await store.close()


async def test_revisions_stored_before_their_lists_are_listed_at_start_up(
    tmp_path: Path,
) -> None:
    # A database of the version that found revisions by scanning their table:
    # this version's, without the lists (ddl.REVISION_LIST_TABLE).
    data_dir = tmp_path / "db"
    store = EmbeddedGraphStore(data_dir)
    await store.initialize()
    try:
        await store.import_batch(batch())
        await correct(store, 1, P, "title", "Deep Things (corrected)")
        await store.import_batch(batch(title="Deep Things, Again", minute=5))
        titles = await history(store, P, "title")
        conflicts = await store.overridden_revisions(10, None)
    finally:
        await store.close()
    assert len(titles) == 3 and [r.value for r in conflicts.items] == ["Deep Things, Again"]
    db = lb.Database(str(data_dir / DB_FILE_NAME))
    conn = lb.Connection(db)
    try:
        _run(conn, "DROP TABLE LISTED")
        _run(conn, f"DROP TABLE {REVISION_LIST_TABLE}")
    finally:
        conn.close()
        db.close()

    for _ in range(2):  # the second start finds the lists and adds nothing
        store = EmbeddedGraphStore(data_dir)
        await store.initialize()
        try:
            assert await history(store, P, "title") == titles
            assert await store.overridden_revisions(10, None) == conflicts
        finally:
            await store.close()
