"""What can be checked of the Neo4j backend without a Neo4j server.

- Real driver behaviour against a closed port: the configured timeouts turn
  a down database into StoreUnavailable within seconds.
- The Cypher constants carry values only as $parameters, and every store
  method supplies every parameter its queries use (a fake transaction checks
  each call).
- Rule order and lock/unlock pairing of the conditional writes, driven
  through a fake transaction that answers with canned rows.
- Pure mapping and search-scoring functions.

The contract suite (tests/contract) runs against a real server when NEO4J_URI is set.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j.exceptions as nx
import pytest

from graph_store import shared_rules
from graph_store.errors import Rule, RuleViolation, StoreError, StoreUnavailable
from graph_store.factory import StoreConfig
from graph_store.neo4j import mapping, queries, schema
from graph_store.neo4j import store as store_module
from graph_store.neo4j.store import Neo4jGraphStore
from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    ImportedFigures,
    InstitutionRecord,
    InvitationRecord,
    InvitationStatus,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
    Role,
    TopicRecord,
    UserRecord,
    paper_sort_key,
)

DOWN_URI = "bolt://127.0.0.1:1"  # nothing listens on port 1
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

QUERY_CONSTANTS = {
    name: value
    for name, value in vars(queries).items()
    if name.isupper() and isinstance(value, str)
}


def down_store(tmp_path: Path) -> Neo4jGraphStore:
    return Neo4jGraphStore(StoreConfig(data_dir=tmp_path, neo4j_uri=DOWN_URI))


# --- a down server ------------------------------------------------------------------


async def _fails_fast(call: Callable[[], Awaitable[Any]]) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        await call()
    assert time.monotonic() - started < 15
    assert info.value.__cause__ is not None  # raised ``from`` the driver error


async def test_ping_unreachable_raises_store_unavailable_fast(tmp_path: Path) -> None:
    s = down_store(tmp_path)
    try:
        await _fails_fast(s.ping)
    finally:
        await s.close()


async def test_write_unreachable_raises_store_unavailable_fast(tmp_path: Path) -> None:
    s = down_store(tmp_path)
    try:
        await _fails_fast(lambda: s.follow("user:a", "author:b", NOW))
    finally:
        await s.close()


async def test_read_and_initialize_unreachable_raise_store_unavailable(tmp_path: Path) -> None:
    s = down_store(tmp_path)
    try:
        await _fails_fast(lambda: s.get_authors(["author:a"]))
        await _fails_fast(s.initialize)
    finally:
        await s.close()


def test_missing_uri_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Neo4jGraphStore(StoreConfig(data_dir=tmp_path))


# --- Cypher text ------------------------------------------------------------------------

# The only string literals allowed in Cypher: relationship kinds returned as
# data by graph_edges. Everything else must come in as a $parameter.
ALLOWED_LITERALS = {"'AUTHORED'", "'TAGGED'", "'AFFILIATED'"}


@pytest.mark.parametrize("name", sorted(QUERY_CONSTANTS))
def test_query_has_no_inlined_values(name: str) -> None:
    text = QUERY_CONSTANTS[name]
    literals = set(re.findall(r"'[^']*'|\"[^\"]*\"", text))
    assert literals <= ALLOWED_LITERALS, literals
    # No leftover Python formatting ({name}, {0}, %s).
    assert not re.search(r"\{\w*\}|%[sd]", text), text
    # Numbers only where they are syntax (the lock flag and RETURN 1).
    assert not re.search(r"(?<![\w$])\d+(?![\w])", text.replace("RETURN 1 AS ok", "")), text


def test_schema_covers_every_label_and_the_fulltext_index() -> None:
    text = "\n".join(schema.SCHEMA_STATEMENTS)
    for label in (
        "Author",
        "Paper",
        "Topic",
        "Institution",
        "User",
        "Claim",
        "Invitation",
        "Correction",
    ):
        assert f"FOR (n:{label}) REQUIRE n.id IS UNIQUE" in text
    assert "REQUIRE n.email_key IS UNIQUE" in text
    assert "REQUIRE n.slug IS UNIQUE" in text
    assert all("IF NOT EXISTS" in s for s in schema.SCHEMA_STATEMENTS)
    assert f"CREATE FULLTEXT INDEX {schema.FULLTEXT_INDEX} IF NOT EXISTS" in text


# --- a fake transaction -------------------------------------------------------------------

Responder = Callable[[str, dict[str, Any]], list[dict[str, Any]]]


class FakeResult:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    async def data(self) -> list[dict[str, Any]]:
        return self._rows


class FakeTx:
    """Checks every $parameter is supplied and answers from a responder."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def run(self, query: str, params: dict[str, Any]) -> FakeResult:
        used = set(re.findall(r"\$(\w+)", query))
        missing = used - set(params)
        assert not missing, f"missing parameters {missing} for {query}"
        assert query in QUERY_CONSTANTS.values(), "queries come from queries.py"
        self.calls.append((query, params))
        return FakeResult(self.responder(query, params))

    def ran(self, query: str) -> bool:
        return any(q == query for q, _ in self.calls)


def default_rows(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    if "AS total" in query:
        return [{"total": 0}]
    if "AS deleted" in query:
        return [{"deleted": 0}]
    if query.startswith("CREATE (n:"):
        return [{"n": dict(params["props"])}]
    return []


def fake_store(
    tmp_path: Path, responder: Responder = default_rows
) -> tuple[Neo4jGraphStore, FakeTx]:
    s = down_store(tmp_path)
    tx = FakeTx(responder)

    async def run(work: Callable[[Any], Awaitable[Any]], **_: Any) -> Any:
        return await work(tx)

    s._read = run  # type: ignore[method-assign]
    s._write = run  # type: ignore[method-assign]
    return s, tx


def answers(table: dict[str, list[dict[str, Any]]]) -> Responder:
    def respond(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if query in table:
            return table[query]
        return default_rows(query, params)

    return respond


AUTHOR = AuthorRecord(id="author:a", slug="a", name="Ann A")
RECIPIENT = AuthorRecord(id="author:r", slug="r", name="Rob R", claim_status=ClaimStatus.CLAIMED)
PAPER = PaperRecord(id="paper:p", title="Deep Things", kind=PaperKind.PREPRINT, year=2021)
USER = UserRecord(
    id="user:u",
    email="U@Example.org",
    display_name="U",
    password_hash="h",
    role=Role.MEMBER,
    created_at=NOW,
)


def node(record: AuthorRecord | PaperRecord) -> dict[str, Any]:
    if isinstance(record, AuthorRecord):
        return {
            "id": record.id,
            "claim_status": record.claim_status.value,
            **mapping.author_props(record),
        }
    return {"id": record.id, **mapping.paper_props(record)}


async def test_every_method_supplies_its_parameters(tmp_path: Path) -> None:
    s, tx = fake_store(tmp_path)
    ids = ["author:a", "paper:p"]
    await s.import_batch(
        ImportBatch(
            authors=(AUTHOR,),
            papers=(PAPER,),
            topics=(TopicRecord(id="topic:t", slug="t", name="T"),),
            institutions=(InstitutionRecord(id="inst:i", name="I"),),
            authorships=(AuthorshipRow("author:a", "paper:p", 1),),
            paper_topics=(("paper:p", "topic:t"),),
        )
    )
    await s.find_authors_by_name(["Ann A"])
    await s.existing_slugs(["a"])
    await s.find_papers_by_title(["Deep Things"])
    await s.author_count()
    for getter in (
        s.get_authors,
        s.get_authors_by_slug,
        s.get_papers,
        s.get_topics,
        s.get_topics_by_slug,
        s.get_institutions,
        s.get_users,
        s.get_claims,
        s.get_invitations,
        s.get_corrections,
    ):
        assert await getter(ids) == {}
    await s.list_authors(AuthorFilterSpec(name_contains="An", topic_slug="t"), 10, None)
    await s.list_papers(PaperFilterSpec(year_from=2020, kind=PaperKind.JOURNAL), 10, "x")
    await s.list_topics(10, None)
    assert await s.papers_of_authors(ids) == {"author:a": [], "paper:p": []}
    await s.authors_of_papers(ids)
    await s.topics_of_papers(ids)
    await s.papers_of_topics(ids)
    await s.authors_of_topics(ids)
    await s.topic_weights_of_authors(ids)
    await s.coauthors_of_authors(ids)
    stats = await s.author_stats(ids)
    assert set(stats) == set(ids) and stats["author:a"].works == 0
    await s.node_labels(ids)
    await s.graph_edges(ids)
    await s.search("deep THINGS", 5)
    await s.get_user_by_email("u@example.org")
    await s.unfollow("user:u", "author:a")
    await s.followed_among("user:u", ids)
    await s.following_page("user:u", 5, None)
    await s.claims_of_users(["user:u"])
    await s.verified_authors_of_users(["user:u"])
    await s.verified_claimants_of_authors(ids)
    await s.claims_by_status(ClaimDecision.PENDING, 5, None)
    await s.invitations_sent(["user:u"])
    await s.invitations_received(["user:u"])
    await s.pending_invitation_recipients("user:u", ids)
    await s.count_invitations_since("user:u", NOW)
    await s.corrections_by_status(CorrectionStatus.OPEN, 5, None)
    await s.wipe_for_tests()
    assert tx.calls


async def test_page_fetches_one_extra_row_for_has_next(tmp_path: Path) -> None:
    rows = [{"n": {"id": f"topic:{i}", "slug": str(i), "name": str(i)}} for i in range(3)]
    s, tx = fake_store(
        tmp_path, answers({queries.LIST_TOPICS: rows, queries.COUNT_TOPICS: [{"total": 7}]})
    )
    page = await s.list_topics(2, None)
    assert [t.id for t in page.items] == ["topic:0", "topic:1"]
    assert page.has_next and page.total == 7
    assert tx.calls[0][1]["limit"] == 3


async def test_create_user_taken_email(tmp_path: Path) -> None:
    s, tx = fake_store(
        tmp_path, answers({queries.USER_BY_EMAIL_KEY: [{"n": mapping.user_props(USER)}]})
    )
    with pytest.raises(RuleViolation) as info:
        await s.create_user(USER)
    assert info.value.rule is Rule.EMAIL_TAKEN
    assert tx.calls[0][1]["email_key"] == "u@example.org"
    assert not tx.ran(queries.CREATE_USER)


class RaisingSession:
    """A session whose write fails the way the server reports a uniqueness clash."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def __aenter__(self) -> RaisingSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute_write(self, work: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(("prop", "expected"), [("email_key", RuleViolation), ("id", StoreError)])
async def test_constraint_error_maps_to_email_taken_only_for_email(
    tmp_path: Path, prop: str, expected: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = down_store(tmp_path)
    error = nx.ConstraintError(
        f"Node(1) already exists with label `User` and property `{prop}` = 'x'"
    )
    monkeypatch.setattr(s._driver, "session", lambda **_: RaisingSession(error))
    with pytest.raises(expected) as info:
        await s.create_user(USER)
    assert type(info.value) is expected and info.value.__cause__ is error
    if expected is RuleViolation:
        assert info.value.rule is Rule.EMAIL_TAKEN  # type: ignore[attr-defined]
    await s.close()


async def test_create_user_round_trips(tmp_path: Path) -> None:
    s, _ = fake_store(tmp_path)
    assert await s.create_user(USER) == USER


async def test_follow_locks_user_and_checks_author(tmp_path: Path) -> None:
    s, tx = fake_store(tmp_path)
    with pytest.raises(RuleViolation) as info:
        await s.follow("user:u", "author:a", NOW)
    assert info.value.rule is Rule.NOT_FOUND
    s, tx = fake_store(
        tmp_path,
        answers(
            {
                queries.LOCK_USER: [{"n": {"id": "user:u"}}],
                queries.GET_AUTHOR: [{"n": node(AUTHOR)}],
            }
        ),
    )
    await s.follow("user:u", "author:a", NOW)
    order = [q for q, _ in tx.calls]
    assert order == [queries.LOCK_USER, queries.GET_AUTHOR, queries.FOLLOW, queries.UNLOCK_USER]


CLAIM = ClaimRecord(
    id="claim:c",
    author_id="author:a",
    user_id="user:u",
    status=ClaimDecision.PENDING,
    evidence="orcid",
    created_at=NOW,
)


async def test_create_claim_rules_in_order(tmp_path: Path) -> None:
    locked = {queries.LOCK_AUTHOR: [{"n": node(AUTHOR)}], queries.LOCK_USER: [{"n": {}}]}
    cases: list[tuple[dict[str, list[dict[str, Any]]], Rule]] = [
        ({}, Rule.NOT_FOUND),
        ({queries.LOCK_AUTHOR: [{"n": node(AUTHOR)}]}, Rule.NOT_FOUND),
        (
            {
                **locked,
                queries.COUNT_ACTIVE_CLAIMS_OF_AUTHOR: [{"total": 1}],
                queries.VERIFIED_AUTHOR_IDS_OF_USER: [{"author_id": "author:z"}],
            },
            Rule.AUTHOR_ALREADY_CLAIMED,
        ),
        (
            {**locked, queries.VERIFIED_AUTHOR_IDS_OF_USER: [{"author_id": "author:z"}]},
            Rule.USER_ALREADY_VERIFIED,
        ),
    ]
    for table, rule in cases:
        s, tx = fake_store(tmp_path, answers(table))
        with pytest.raises(RuleViolation) as info:
            await s.create_claim(CLAIM)
        assert info.value.rule is rule
        assert not tx.ran(queries.CREATE_CLAIM)
    s, tx = fake_store(tmp_path, answers(locked))
    created = await s.create_claim(CLAIM)
    assert created == CLAIM
    assert tx.ran(queries.SET_AUTHOR_CLAIM_STATUS)
    assert tx.ran(queries.UNLOCK_AUTHOR) and tx.ran(queries.UNLOCK_USER)


def claim_node(status: ClaimDecision, user_id: str = "user:u") -> dict[str, Any]:
    return mapping.claim_props(replace(CLAIM, status=status, user_id=user_id))


async def test_withdraw_and_decide_claim_rules(tmp_path: Path) -> None:
    s, _ = fake_store(tmp_path)
    with pytest.raises(RuleViolation, match="NOT_FOUND"):
        await s.withdraw_claim("claim:c", "user:u", NOW)
    s, _ = fake_store(
        tmp_path,
        answers({queries.LOCK_CLAIM: [{"n": claim_node(ClaimDecision.VERIFIED, "user:x")}]}),
    )
    with pytest.raises(RuleViolation, match="NOT_CLAIMANT"):
        await s.withdraw_claim("claim:c", "user:u", NOW)
    with pytest.raises(RuleViolation, match="CLAIM_NOT_PENDING"):
        await s.decide_claim("claim:c", True, None, NOW)
    s, _ = fake_store(
        tmp_path,
        answers(
            {
                queries.LOCK_CLAIM: [{"n": claim_node(ClaimDecision.PENDING)}],
                queries.VERIFIED_AUTHOR_IDS_OF_USER: [{"author_id": "author:z"}],
            }
        ),
    )
    with pytest.raises(RuleViolation, match="USER_ALREADY_VERIFIED"):
        await s.decide_claim("claim:c", True, None, NOW)
    # Rejecting does not need the user check.
    decided = claim_node(ClaimDecision.REJECTED)
    s, tx = fake_store(
        tmp_path,
        answers(
            {
                queries.LOCK_CLAIM: [{"n": claim_node(ClaimDecision.PENDING)}],
                queries.VERIFIED_AUTHOR_IDS_OF_USER: [{"author_id": "author:z"}],
                queries.SET_CLAIM_STATUS: [{"n": decided}],
            }
        ),
    )
    result = await s.decide_claim("claim:c", False, "no", NOW)
    assert result.status is ClaimDecision.REJECTED
    status_call = next(p for q, p in tx.calls if q == queries.SET_AUTHOR_CLAIM_STATUS)
    assert status_call["status"] == ClaimStatus.UNCLAIMED.value


INVITATION = InvitationRecord(
    id="inv:i",
    sender_id="user:u",
    sender_author_id=None,
    recipient_author_id="author:r",
    message="hello",
    status=InvitationStatus.PENDING,
    created_at=NOW,
)


async def test_create_invitation_rules_in_order(tmp_path: Path) -> None:
    sender = {queries.LOCK_USER: [{"n": {"id": "user:u"}}]}
    verified = {**sender, queries.VERIFIED_AUTHOR_IDS_OF_USER: [{"author_id": "author:a"}]}
    found = {**verified, queries.GET_AUTHOR: [{"n": node(RECIPIENT)}]}
    unclaimed = {**verified, queries.GET_AUTHOR: [{"n": node(AUTHOR)}]}
    cases: list[tuple[dict[str, list[dict[str, Any]]], Rule, InvitationRecord]] = [
        ({}, Rule.SENDER_NOT_VERIFIED, INVITATION),
        (sender, Rule.SENDER_NOT_VERIFIED, INVITATION),
        (verified, Rule.NOT_FOUND, INVITATION),
        (unclaimed, Rule.SELF_INVITATION, replace(INVITATION, recipient_author_id="author:a")),
        (unclaimed, Rule.RECIPIENT_NOT_CLAIMED, INVITATION),
        (
            {
                **found,
                queries.COUNT_PENDING_PAIR: [{"total": 1}],
                queries.COUNT_SENT_SINCE: [{"total": 99}],
            },
            Rule.INVITATION_PENDING_EXISTS,
            INVITATION,
        ),
        ({**found, queries.COUNT_SENT_SINCE: [{"total": 20}]}, Rule.RATE_LIMITED, INVITATION),
    ]
    for table, rule, invitation in cases:
        s, tx = fake_store(tmp_path, answers(table))
        with pytest.raises(RuleViolation) as info:
            await s.create_invitation(invitation, 20, NOW - timedelta(days=1))
        assert info.value.rule is rule, (rule, info.value.rule)
        assert not tx.ran(queries.CREATE_INVITATION)
    s, tx = fake_store(tmp_path, answers({**found, queries.COUNT_SENT_SINCE: [{"total": 19}]}))
    created = await s.create_invitation(INVITATION, 20, NOW - timedelta(days=1))
    assert created.sender_author_id == "author:a"  # read inside the transaction
    assert tx.ran(queries.UNLOCK_USER)


async def test_respond_invitation_party_before_pending(tmp_path: Path) -> None:
    answered = {**mapping.invitation_props(INVITATION), "status": "ACCEPTED"}
    s, _ = fake_store(
        tmp_path,
        answers(
            {
                queries.LOCK_INVITATION: [{"n": answered}],
                queries.VERIFIED_CLAIMANT_IDS_OF_AUTHOR: [{"user_id": "user:r"}],
            }
        ),
    )
    with pytest.raises(RuleViolation, match="NOT_A_PARTY"):
        await s.respond_invitation("inv:i", "user:x", InvitationStatus.DECLINED, NOW)
    with pytest.raises(RuleViolation, match="INVITATION_NOT_PENDING"):
        await s.respond_invitation("inv:i", "user:r", InvitationStatus.DECLINED, NOW)
    with pytest.raises(RuleViolation, match="NOT_A_PARTY"):
        await s.respond_invitation("inv:i", "user:r", InvitationStatus.WITHDRAWN, NOW)
    with pytest.raises(RuleViolation, match="INVITATION_NOT_PENDING"):
        await s.respond_invitation("inv:i", "user:u", InvitationStatus.WITHDRAWN, NOW)


CORRECTION = CorrectionRecord(
    id="corr:c",
    target_id="paper:p",
    field="year",
    proposed_value="2019",
    reason="typo",
    status=CorrectionStatus.OPEN,
    created_by="user:u",
    created_at=NOW,
)


async def test_corrections(tmp_path: Path) -> None:
    s, _ = fake_store(tmp_path)
    with pytest.raises(RuleViolation, match="NOT_FOUND"):
        await s.create_correction(CORRECTION)
    s, _ = fake_store(tmp_path, answers({queries.GET_PAPER: [{"n": node(PAPER)}]}))
    assert await s.create_correction(CORRECTION) == CORRECTION

    applied = {**mapping.correction_props(CORRECTION), "status": "APPLIED"}
    s, tx = fake_store(
        tmp_path,
        answers(
            {
                queries.LOCK_CORRECTION: [{"n": mapping.correction_props(CORRECTION)}],
                queries.LOCK_PAPER: [{"n": node(PAPER)}],
                queries.SET_CORRECTION_STATUS: [{"n": applied}],
            }
        ),
    )
    result = await s.decide_correction(
        "corr:c", CorrectionStatus.APPLIED, "user:m", None, NOW, ("year", 2019)
    )
    assert result.status is CorrectionStatus.APPLIED
    update = next(p for q, p in tx.calls if q == queries.UPDATE_PAPER)
    assert update["props"] == {
        "year": 2019,
        "sort_key": paper_sort_key(2019, PAPER.title, PAPER.id),
    }
    assert tx.ran(queries.UNLOCK_PAPER) and tx.ran(queries.UNLOCK_CORRECTION)

    s, _ = fake_store(tmp_path, answers({queries.LOCK_CORRECTION: [{"n": applied}]}))
    with pytest.raises(RuleViolation, match="CORRECTION_NOT_OPEN"):
        await s.decide_correction("corr:c", CorrectionStatus.REJECTED, "user:m", None, NOW, None)


def test_update_props_keep_sort_keys_in_step() -> None:
    a = store_module.author_update_props(node(AUTHOR), "name", "Zed")
    assert a == {
        "name": "Zed",
        "name_key": "zed",
        "sort_key": AuthorRecord(id=AUTHOR.id, slug="a", name="Zed").sort_key,
    }
    p = store_module.paper_update_props(node(PAPER), "title", "New")
    assert p["sort_key"] == paper_sort_key(2021, "New", PAPER.id)
    assert store_module.paper_update_props(node(PAPER), "abstract", None) == {
        "abstract": None,
        "abstract_key": None,
    }
    with pytest.raises(StoreError):
        store_module.paper_update_props(node(PAPER), "kind", "JOURNAL")


# --- mapping and search -------------------------------------------------------------------


def test_records_round_trip_through_properties() -> None:
    figures = ImportedFigures(1, 2, 3, 4, 15, "UNVERIFIED", "L1", "000.txt")
    author = AuthorRecord(
        id="author:x",
        slug="x",
        name="X Y",
        claim_status=ClaimStatus.PENDING,
        affiliation_id="inst:i",
        imported=figures,
    )
    props = {
        "id": author.id,
        "claim_status": "PENDING",
        "affiliation_id": "inst:i",
        "_lock": True,
        **mapping.author_props(author),
        **mapping.imported_props(figures),
    }
    assert mapping.to_author(props) == author
    assert mapping.to_paper({"id": PAPER.id, **mapping.paper_props(PAPER)}) == PAPER
    assert mapping.to_user(mapping.user_props(USER)) == USER
    assert mapping.to_claim(mapping.claim_props(CLAIM)) == CLAIM
    assert mapping.to_invitation(mapping.invitation_props(INVITATION)) == INVITATION
    assert mapping.to_correction(mapping.correction_props(CORRECTION)) == CORRECTION
    assert mapping.claim_props(CLAIM)["sort_key"] == f"{int(NOW.timestamp() * 1e6):020d}|claim:c"


def test_authorship_order_puts_unknown_positions_last() -> None:
    a, b = AuthorRecord("author:a", "a", "A"), AuthorRecord("author:b", "b", "B")
    keys = sorted(
        [
            (mapping.authorship_order(0, a), "a0"),
            (mapping.authorship_order(2, b), "b2"),
            (mapping.authorship_order(1, b), "b1"),
        ]
    )
    assert [k for _, k in keys] == ["b1", "b2", "a0"]


def test_lucene_escaping() -> None:
    assert mapping.escape_lucene('a+b-c&&d||e!(f){g}[h]^i"j~k*l?m:n\\o/p') == (
        'a\\+b\\-c\\&\\&d\\|\\|e\\!\\(f\\)\\{g\\}\\[h\\]\\^i\\"j\\~k\\*l\\?m\\:n\\\\o\\/p'
    )
    assert shared_rules.search_words("  BERT  and bert ") == ["bert", "and"]
    assert mapping.lucene_query(["the-x"]) == "the\\-x OR the\\-x*"


def test_search_score_tiers() -> None:
    words = shared_rules.search_words("distillation pruning experts")
    title_one = shared_rules.search_score(words, "distillation survey", "")
    abstract_all = shared_rules.search_score(words, "a survey", "distillation pruning experts")
    assert title_one > abstract_all > 0
    assert shared_rules.search_score(words, "nothing", "here") == 0
    exact = shared_rules.search_score(["pruning"], "pruning", "")
    assert exact > shared_rules.search_score(["pruning"], "pruning large models", "")


async def test_search_ranks_and_breaks_ties_like_the_embedded_store(tmp_path: Path) -> None:
    s, tx = fake_store(
        tmp_path,
        answers(
            {
                queries.SEARCH_FULLTEXT: [{"id": "paper:b", "score": 2.0}],
                queries.SEARCH_TEXT: [
                    {"id": "paper:a", "primary": "x", "secondary": "graph models"},
                    {"id": "paper:g", "primary": "graph theory", "secondary": None},
                    {"id": "topic:g", "primary": "graph", "secondary": None},
                    {"id": "author:z", "primary": "graph theory", "secondary": None},
                    {"id": "paper:b", "primary": "none", "secondary": "graph"},
                    {"id": "paper:c", "primary": "none", "secondary": "none"},
                ],
            }
        ),
    )
    hits = await s.search("Graph!", 10)
    # Exact name first; equal scores: author, topic, paper; then text ("none" < "x"), id.
    assert [h.node_id for h in hits] == ["topic:g", "author:z", "paper:g", "paper:b", "paper:a"]
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    text_call = next(p for q, p in tx.calls if q == queries.SEARCH_TEXT)
    assert text_call["ids"] == ["paper:b"] and text_call["words"] == ["graph"]
    assert len(await s.search("graph", 2)) == 2
    assert await s.search("   ", 10) == []


async def test_import_merges_existing_nodes_like_the_embedded_store(tmp_path: Path) -> None:
    existing = AuthorRecord(
        id="author:a", slug="a", name="Ann Old", claim_status=ClaimStatus.PENDING
    )
    old_paper = PaperRecord(id=PAPER.id, title="Deep Things", kind=PaperKind.PREPRINT)
    s, tx = fake_store(
        tmp_path,
        answers(
            {
                queries.GET_AUTHORS: [{"n": node(existing)}],
                queries.GET_PAPERS: [{"n": node(old_paper)}],
            }
        ),
    )
    incoming = replace(AUTHOR, affiliation_id="inst:i")
    await s.import_batch(
        ImportBatch(
            authors=(incoming,),
            papers=(PAPER,),
            authorships=(
                AuthorshipRow(AUTHOR.id, PAPER.id, 1),
                AuthorshipRow(AUTHOR.id, PAPER.id, 5),
            ),
        )
    )
    author_row = next(p for q, p in tx.calls if q == queries.UPSERT_AUTHORS)["rows"][0]
    assert author_row["props"]["name"] == "Ann Old"
    assert author_row["props"]["claim_status"] == "PENDING"
    assert author_row["props"]["affiliation_id"] == "inst:i"
    assert author_row["props"]["imp_source"] is None
    paper_row = next(p for q, p in tx.calls if q == queries.UPSERT_PAPERS)["rows"][0]
    assert paper_row["props"]["year"] == 2021  # filled in
    assert paper_row["props"]["sort_key"] == PAPER.sort_key
    ships = next(p for q, p in tx.calls if q == queries.IMPORT_AUTHORSHIPS)["rows"]
    assert ships == [{"author_id": AUTHOR.id, "paper_id": PAPER.id, "position": 1}]
    assert tx.ran(queries.IMPORT_AFFILIATIONS)
