"""The one record<->property mapping both backends use, the embedded DDL made
from it, and the rule decisions both backends call (pure functions, no store)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.corrections import CORRECTABLE as API_CORRECTABLE
from graph_store import decisions, mapping
from graph_store.embedded import ddl
from graph_store.errors import Rule, RuleViolation, StoreError
from graph_store.records import (
    AuthorRecord,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    ImportedFigures,
    InstitutionRecord,
    InvitationRecord,
    InvitationStatus,
    PaperKind,
    PaperRecord,
    RevisionRecord,
    Role,
    SourceKind,
    SourceRecord,
    TopicRecord,
    TrustCause,
    TrustChangeRecord,
    UserRecord,
    author_sort_key,
    paper_sort_key,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
LATER = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)

AUTHOR = AuthorRecord(
    id="author:x",
    slug="x",
    name="Xavier STRAßE",
    claim_status=ClaimStatus.PENDING,
    affiliation_id="inst:i",
    imported=ImportedFigures(1, 2, 3, 4, 15, "UNVERIFIED", "L1", "000.txt"),
    orcid="0000-0002-1825-0097",
    role="Researcher",
    affiliation_note="Affiliation not imported",
    open_to_collaborate=True,
    suggestible=False,
)
PAPER = PaperRecord(
    id="paper:p",
    title="Deep Things",
    kind=PaperKind.JOURNAL,
    year=2021,
    venue="JMLR",
    abstract="About DEEP things.",
    code_url="https://github.com/x/y",
    doi="10.1000/xyz123",
)
USER = UserRecord("user:u", "U@Example.org", "U", "h", Role.MODERATOR, NOW)
CLAIM = ClaimRecord(
    "claim:c", "author:x", "user:u", ClaimDecision.REJECTED, "orcid", NOW, LATER, "no"
)
INVITATION = InvitationRecord(
    "inv:i", "user:u", "author:s", "author:r", "hello", InvitationStatus.ACCEPTED, NOW, LATER
)
CORRECTION = CorrectionRecord(
    "corr:c", "paper:p", "year", "2019", "typo", CorrectionStatus.APPLIED, "user:u", NOW,
    "user:m", LATER, "ok",
)  # fmt: skip
W1 = "https://openalex.org/W1"
SAMPLES: list[tuple[mapping.NodeMapping[Any], Any]] = [
    (mapping.AUTHOR, AUTHOR),
    (mapping.AUTHOR, AuthorRecord("author:y", "y", "Y")),
    (mapping.PAPER, PAPER),
    (mapping.PAPER, PaperRecord("paper:q", "Q", PaperKind.PREPRINT)),
    (mapping.TOPIC, TopicRecord("topic:t", "t", "Topic T")),
    (mapping.INSTITUTION, InstitutionRecord("inst:i", "Inst I")),
    (mapping.USER, USER),
    (mapping.CLAIM, CLAIM),
    (mapping.CLAIM, dataclasses.replace(CLAIM, decided_at=None, note=None)),
    (mapping.INVITATION, INVITATION),
    (mapping.INVITATION, dataclasses.replace(INVITATION, sender_author_id=None, responded_at=None)),
    (mapping.CORRECTION, CORRECTION),
    (mapping.SOURCE, SourceRecord("paper:q", SourceKind.OPENALEX, W1, "2024-05-01", NOW)),
    (mapping.SOURCE, SourceRecord("author:y", SourceKind.SEED_PAGE, "000_a.txt:3")),
    (
        mapping.REVISION,
        RevisionRecord(
            "rev:1", "paper:q", "year", "2021", NOW, SourceKind.CORRECTION, "corr:c", reason="typo"
        ),
    ),
    (
        mapping.REVISION,
        RevisionRecord(
            "rev:2", "paper:q", "venue", None, NOW, SourceKind.OPENALEX, W1, overridden=True
        ),
    ),
    (
        mapping.TRUST_CHANGE,
        TrustChangeRecord("trust:t", "author:x", NOW, 13, 14, TrustCause.FOLLOWED, "2026-12"),
    ),
]


@pytest.mark.parametrize(("m", "record"), SAMPLES, ids=lambda v: getattr(v, "id", "m"))
def test_records_round_trip_through_properties(m: mapping.NodeMapping[Any], record: Any) -> None:
    props = m.to_props(record)
    # Every declared property, in column order, and nothing else.
    assert tuple(props) == m.names
    assert m.names[0] == "id" and props["id"] == record.id
    # Engines add keys of their own; they never reach a record.
    assert m.from_props({**props, "_lock": True, "_ID": {"offset": 0}, "_LABEL": m.label}) == record


def test_each_label_is_mapped_once_with_known_types() -> None:
    labels = [m.label for m in mapping.NODES]
    assert labels == ["Author", "Paper", "Topic", "Institution", "User", "Claim", "Invitation",
                      "Correction", "Source", "Revision", "TrustChange"]  # fmt: skip
    for m in mapping.NODES:
        assert len(set(m.names)) == len(m.names)
        assert {t for _, t in m.props} <= {mapping.STRING, mapping.INT64, mapping.BOOL}
        # Every defaulted property is a column, and never derived.
        assert set(m.defaults) <= set(m.names)
        assert not [n for n in m.defaults if mapping.is_derived(n)]


def test_flags_missing_from_a_node_read_as_their_defaults() -> None:
    """A Neo4j node written before the flags existed has no such property."""
    props = mapping.AUTHOR.to_props(AuthorRecord("author:y", "y", "Y"))
    del props["open_to_collaborate"], props["suggestible"]
    author = mapping.AUTHOR.from_props(props)
    assert (author.open_to_collaborate, author.suggestible) == (False, True)


def test_derived_keys_follow_the_records() -> None:
    props = mapping.AUTHOR.to_props(AUTHOR)
    assert props["name_key"] == "xavier strasse"
    assert props["sort_key"] == author_sort_key(AUTHOR.name, AUTHOR.id)
    assert props["orcid"] == "0000-0002-1825-0097"
    paper = mapping.PAPER.to_props(PAPER)
    assert (paper["title_key"], paper["abstract_key"]) == ("deep things", "about deep things.")
    assert paper["sort_key"] == paper_sort_key(2021, "Deep Things", PAPER.id)
    assert mapping.USER.to_props(USER)["email_key"] == "u@example.org"
    assert mapping.CLAIM.to_props(CLAIM)["sort_key"] == f"{int(NOW.timestamp() * 1e6):020d}|claim:c"
    # No imported figures: every imp_* property is null (removed on Neo4j).
    bare = mapping.AUTHOR.to_props(AuthorRecord("author:y", "y", "Y"))
    assert all(bare[k] is None for k in bare if k.startswith("imp_"))
    # Only the *_lc names of earlier versions are gone; derived means *_key.
    for m in mapping.NODES:
        assert not [n for n in m.names if n.endswith("_lc")]
        assert [n for n in m.names if mapping.is_derived(n)] == [
            n for n in m.names if n == "sort_key" or n.endswith("_key")
        ]


# --- embedded DDL -------------------------------------------------------------------

# The Author columns of the version before the mapping (its whole DDL, verbatim:
# tests/test_embedded_migration.py).
OLD_AUTHOR_COLUMNS = [
    ("id", "STRING"), ("slug", "STRING"), ("name", "STRING"), ("name_lc", "STRING"),
    ("sort_key", "STRING"), ("claim_status", "STRING"), ("affiliation_id", "STRING"),
    ("imp_works", "INT64"), ("imp_followers", "INT64"), ("imp_topics", "INT64"),
    ("imp_collaborators", "INT64"), ("imp_trust_score", "INT64"), ("imp_trust_tier", "STRING"),
    ("imp_verification", "STRING"), ("imp_source", "STRING"),
]  # fmt: skip


def test_node_tables_are_generated_from_the_mappings() -> None:
    author = ddl.node_table(mapping.AUTHOR)
    assert author.startswith("CREATE NODE TABLE IF NOT EXISTS Author(id STRING PRIMARY KEY, ")
    assert "name_key STRING" in author and author.endswith(
        "orcid STRING, role STRING, affiliation_note STRING, "
        "open_to_collaborate BOOL DEFAULT false, suggestible BOOL DEFAULT true)"
    )
    assert ddl.node_table(mapping.PAPER).endswith("year INT64, venue STRING, abstract STRING, "
        "abstract_key STRING, code_url STRING, sort_key STRING, doi STRING)")  # fmt: skip
    assert len(ddl.NODE_TABLES) == len(mapping.NODES)


def test_a_legacy_table_is_renamed_and_extended() -> None:
    plan = ddl.plan_migration(mapping.AUTHOR, OLD_AUTHOR_COLUMNS)
    assert plan.statements == (
        "ALTER TABLE Author RENAME name_lc TO name_key",
        "ALTER TABLE Author ADD orcid STRING",
        "ALTER TABLE Author ADD role STRING",
        "ALTER TABLE Author ADD affiliation_note STRING",
        # With their defaults: every existing author takes them.
        "ALTER TABLE Author ADD open_to_collaborate BOOL DEFAULT false",
        "ALTER TABLE Author ADD suggestible BOOL DEFAULT true",
    )
    assert plan.fill == ()  # all stored as given: nothing to compute
    invitation = [(n, t) for n, t in mapping.INVITATION.props if n != "sort_key"]
    plan = ddl.plan_migration(mapping.INVITATION, invitation)
    assert plan.statements == ("ALTER TABLE Invitation ADD sort_key STRING",)
    assert plan.fill == (("sort_key", "STRING"),)
    assert ddl.fill_statement(plan) == (
        "UNWIND $rows AS r MATCH (n:Invitation {id: r.id}) SET n.sort_key = r.sort_key"
    )
    assert ddl.plan_migration(mapping.PAPER, mapping.PAPER.props).statements == ()


def test_a_column_of_another_type_is_not_migrated() -> None:
    columns = [(n, "INT64" if n == "name" else t) for n, t in mapping.TOPIC.props]
    with pytest.raises(StoreError, match=r"Topic\.name is INT64"):
        ddl.plan_migration(mapping.TOPIC, columns)


# --- decisions ----------------------------------------------------------------------


def _rule(call: Any, *args: Any, **kwargs: Any) -> Rule:
    with pytest.raises(RuleViolation) as err:
        call(*args, **kwargs)
    return err.value.rule


NEW_CLAIM = ClaimRecord("claim:n", "author:x", "user:u", ClaimDecision.PENDING, "orcid", NOW)
FREE = AuthorRecord("author:x", "x", "X")


def _claim_facts(**changes: Any) -> decisions.NewClaimFacts:
    facts = decisions.NewClaimFacts(None, FREE, True, False, False, 0)
    return dataclasses.replace(facts, **changes)


def test_create_claim_checks_in_the_documented_order() -> None:
    assert decisions.create_claim(NEW_CLAIM, _claim_facts()) == decisions.Outcome(NEW_CLAIM)
    broken = _claim_facts(author=None, user_exists=False, author_has_active_claim=True,
                          user_holds_verified=True, user_pending_claims=2)  # fmt: skip
    assert _rule(decisions.create_claim, NEW_CLAIM, broken) is Rule.NOT_FOUND
    broken = dataclasses.replace(broken, author=FREE)
    assert _rule(decisions.create_claim, NEW_CLAIM, broken) is Rule.NOT_FOUND
    broken = dataclasses.replace(broken, user_exists=True)
    assert _rule(decisions.create_claim, NEW_CLAIM, broken) is Rule.AUTHOR_ALREADY_CLAIMED
    pending = dataclasses.replace(FREE, claim_status=ClaimStatus.PENDING)
    facts = _claim_facts(author=pending)
    assert _rule(decisions.create_claim, NEW_CLAIM, facts) is Rule.AUTHOR_ALREADY_CLAIMED
    facts = _claim_facts(user_holds_verified=True, user_pending_claims=2)
    assert _rule(decisions.create_claim, NEW_CLAIM, facts) is Rule.USER_ALREADY_VERIFIED
    # The pending-claims cap: the default of 2, or the cap the server passes.
    facts = _claim_facts(user_pending_claims=2)
    assert _rule(decisions.create_claim, NEW_CLAIM, facts) is Rule.PENDING_CLAIMS_LIMIT
    assert _rule(decisions.create_claim, NEW_CLAIM, facts, 1) is Rule.PENDING_CLAIMS_LIMIT
    one_left = _claim_facts(user_pending_claims=1)
    assert decisions.create_claim(NEW_CLAIM, one_left) == decisions.Outcome(NEW_CLAIM)
    assert decisions.create_claim(NEW_CLAIM, facts, 3) == decisions.Outcome(NEW_CLAIM)
    # A retry of the same create answers the stored claim, whatever the rules say now.
    replay = decisions.create_claim(NEW_CLAIM, dataclasses.replace(broken, stored=NEW_CLAIM))
    assert replay == decisions.Outcome(NEW_CLAIM, done=True)
    assert decisions.author_status_after(ClaimDecision.PENDING) is ClaimStatus.PENDING
    assert decisions.author_status_after(ClaimDecision.VERIFIED) is ClaimStatus.CLAIMED
    assert decisions.author_status_after(ClaimDecision.WITHDRAWN) is ClaimStatus.UNCLAIMED


def test_claim_decisions() -> None:
    assert _rule(decisions.withdraw_claim, None, "user:u", LATER) is Rule.NOT_FOUND
    assert _rule(decisions.withdraw_claim, NEW_CLAIM, "user:v", LATER) is Rule.NOT_CLAIMANT
    withdrawn = decisions.withdraw_claim(NEW_CLAIM, "user:u", LATER).record
    assert (withdrawn.status, withdrawn.decided_at) == (ClaimDecision.WITHDRAWN, LATER)
    # The same withdrawal again at the same request time is that withdrawal.
    assert decisions.withdraw_claim(withdrawn, "user:u", LATER).done
    assert _rule(decisions.withdraw_claim, withdrawn, "user:u", NOW) is Rule.CLAIM_NOT_PENDING

    facts = decisions.ClaimFacts(NEW_CLAIM, user_holds_verified=True)
    assert _rule(decisions.decide_claim, facts, True, None, LATER) is Rule.USER_ALREADY_VERIFIED
    rejected = decisions.decide_claim(facts, False, "no", LATER).record
    assert (rejected.status, rejected.note) == (ClaimDecision.REJECTED, "no")
    facts = decisions.ClaimFacts(rejected, user_holds_verified=False)
    assert decisions.decide_claim(facts, False, None, LATER).done
    assert _rule(decisions.decide_claim, facts, True, None, LATER) is Rule.CLAIM_NOT_PENDING
    facts = decisions.ClaimFacts(None, False)
    assert _rule(decisions.decide_claim, facts, True, None, LATER) is Rule.NOT_FOUND


NEW_INVITATION = InvitationRecord(
    "inv:n", "user:u", None, "author:r", "hi", InvitationStatus.PENDING, NOW
)
CLAIMED = AuthorRecord(
    "author:r", "r", "R", claim_status=ClaimStatus.CLAIMED, open_to_collaborate=True
)
CLOSED = dataclasses.replace(CLAIMED, open_to_collaborate=False)


def test_create_invitation_checks_in_the_documented_order() -> None:
    ok = decisions.NewInvitationFacts(None, ("author:s",), CLAIMED, False, 0)
    made = decisions.create_invitation(NEW_INVITATION, ok, 1).record
    assert made.sender_author_id == "author:s" and made.status is InvitationStatus.PENDING
    # Everything broken at once; fixing one thing at a time shows each rule in turn.
    facts = decisions.NewInvitationFacts(None, (), None, True, 1)
    fixes: list[tuple[Rule, dict[str, Any]]] = [
        (Rule.SENDER_NOT_VERIFIED, {"sender_author_ids": ("author:r",)}),
        (
            Rule.NOT_FOUND,
            {"recipient": dataclasses.replace(CLAIMED, claim_status=ClaimStatus.PENDING)},
        ),
        (Rule.SELF_INVITATION, {"sender_author_ids": ("author:s",)}),
        (Rule.RECIPIENT_NOT_CLAIMED, {"recipient": CLOSED}),
        (Rule.RECIPIENT_NOT_OPEN, {"recipient": CLAIMED}),
        (Rule.INVITATION_PENDING_EXISTS, {"pending_pair": False}),
        (Rule.RATE_LIMITED, {"sent_in_window": 0}),
    ]
    for rule, fix in fixes:
        assert _rule(decisions.create_invitation, NEW_INVITATION, facts, 1) is rule
        facts = dataclasses.replace(facts, **fix)
    assert decisions.create_invitation(NEW_INVITATION, facts, 1) == decisions.Outcome(made)
    assert decisions.create_invitation(NEW_INVITATION, facts, 2).record == made


def test_respond_invitation() -> None:
    facts = decisions.InvitationFacts(NEW_INVITATION, ("user:r",))
    with pytest.raises(StoreError):
        decisions.respond_invitation(facts, "user:r", InvitationStatus.PENDING, LATER)
    none = decisions.InvitationFacts(None, ())
    assert _rule(decisions.respond_invitation, none, "user:r", InvitationStatus.ACCEPTED,
                 LATER) is Rule.NOT_FOUND  # fmt: skip
    for user, status in (("user:u", InvitationStatus.ACCEPTED), ("user:r", "WITHDRAWN")):
        assert _rule(decisions.respond_invitation, facts, user, InvitationStatus(status),
                     LATER) is Rule.NOT_A_PARTY  # fmt: skip
    accepted = decisions.respond_invitation(facts, "user:r", InvitationStatus.ACCEPTED, LATER)
    assert accepted.record.responded_at == LATER and not accepted.done
    facts = decisions.InvitationFacts(accepted.record, ("user:r",))
    assert decisions.respond_invitation(facts, "user:r", InvitationStatus.ACCEPTED, LATER).done
    assert _rule(decisions.respond_invitation, facts, "user:u", InvitationStatus.WITHDRAWN,
                 LATER) is Rule.INVITATION_NOT_PENDING  # fmt: skip


OPEN_FIX = CorrectionRecord(
    "corr:o", "paper:p", "title", "New", "typo", CorrectionStatus.OPEN, "user:u", NOW
)


def test_corrections() -> None:
    assert _rule(decisions.create_correction, OPEN_FIX, stored=None,
                 target_exists=False) is Rule.NOT_FOUND  # fmt: skip
    assert decisions.create_correction(OPEN_FIX, stored=OPEN_FIX, target_exists=False).done
    assert decisions.target_label("paper:p") == "Paper"
    assert decisions.target_label("author:a") == "Author"
    assert decisions.target_label("topic:t") is None

    facts = decisions.CorrectionFacts(OPEN_FIX, PAPER)
    applied = decisions.decide_correction(
        facts, CorrectionStatus.APPLIED, "user:m", "ok", LATER, ("title", "New")
    )
    assert applied.target == dataclasses.replace(PAPER, title="New")
    assert applied.record.status is CorrectionStatus.APPLIED
    assert applied.record.reviewed_at == LATER and not applied.done
    # The derived keys follow from the mapping.
    assert mapping.PAPER.to_props(applied.target)["title_key"] == "new"
    again = decisions.CorrectionFacts(applied.record, applied.target)
    assert decisions.decide_correction(
        again, CorrectionStatus.APPLIED, "user:m", "ok", LATER, ("title", "New")
    ).done
    assert _rule(decisions.decide_correction, again, CorrectionStatus.REJECTED, "user:m", None,
                 LATER, None) is Rule.CORRECTION_NOT_OPEN  # fmt: skip
    gone = decisions.CorrectionFacts(OPEN_FIX, None)
    assert _rule(decisions.decide_correction, gone, CorrectionStatus.APPLIED, "user:m", None,
                 LATER, ("title", "New")) is Rule.NOT_FOUND  # fmt: skip
    rejected = decisions.decide_correction(gone, CorrectionStatus.REJECTED, "m", None, LATER, None)
    assert rejected.target is None
    with pytest.raises(StoreError):
        decisions.decide_correction(facts, CorrectionStatus.OPEN, "m", None, LATER, None)


def test_correctable_properties() -> None:
    assert decisions.corrected(AUTHOR, "name", "Zed").name == "Zed"
    assert decisions.corrected(PAPER, "year", "2019").year == 2019
    assert decisions.corrected(PAPER, "year", None).year is None
    assert decisions.corrected(PAPER, "abstract", None).abstract is None
    assert decisions.corrected(PAPER, "code_url", "https://x.org").code_url == "https://x.org"
    for target, prop, value in [
        (AUTHOR, "name", "  "),
        (AUTHOR, "orcid", "0000"),
        (PAPER, "title", ""),
        (PAPER, "year", "soon"),
        (PAPER, "kind", "JOURNAL"),
        (PAPER, "doi", "10.1/x"),
    ]:
        with pytest.raises(StoreError):
            decisions.corrected(target, prop, value)
    # The API corrects exactly the properties the store accepts.
    for kind, fields in API_CORRECTABLE.items():
        props = {rule.store_property for rule in fields.values()}
        assert props == set(decisions.CORRECTABLE[kind])


def test_author_settings_need_a_verified_author() -> None:
    settings = decisions.AuthorSettings(open_to_collaborate=False)
    assert _rule(decisions.set_author_settings, None, "user:u", settings) is Rule.NO_VERIFIED_AUTHOR
    closed = decisions.set_author_settings(CLAIMED, "user:u", settings)
    assert closed == decisions.Outcome(CLOSED)
    # Setting what it already has writes nothing; the other flag is kept.
    assert decisions.set_author_settings(CLOSED, "user:u", settings).done
    hidden = decisions.set_author_settings(CLOSED, "user:u", decisions.AuthorSettings(None, False))
    assert (hidden.record.open_to_collaborate, hidden.record.suggestible) == (False, False)


class _Points:
    """A stand-in trust model: one point per follower, 20 for a claimed author."""

    version = "test-1"

    def score(self, author: AuthorRecord, stats: Any) -> int:
        return stats.followers + (20 if author.claim_status is ClaimStatus.CLAIMED else 0)


def test_a_trust_change_is_recorded_only_when_the_score_moves() -> None:
    from graph_store.records import AuthorStatsRecord

    none, one = AuthorStatsRecord(0, 0, 0, 0), AuthorStatsRecord(0, 1, 0, 0)
    change = decisions.trust_change(
        _Points(), (FREE, none), (FREE, one), TrustCause.FOLLOWED, NOW, "user:u"
    )
    assert change is not None
    assert (change.author_id, change.old_score, change.new_score) == ("author:x", 0, 1)
    assert (change.cause, change.model_version, change.at) == (TrustCause.FOLLOWED, "test-1", NOW)
    # The event names the change: two followers at one instant make two.
    other = decisions.trust_change(
        _Points(), (FREE, none), (FREE, one), TrustCause.FOLLOWED, NOW, "user:v"
    )
    assert other is not None and other.id != change.id
    assert (
        decisions.trust_change(
            _Points(), (FREE, one), (FREE, one), TrustCause.FOLLOWED, NOW, "user:u"
        )
        is None
    )
    assert (
        decisions.trust_change(_Points(), None, (FREE, one), TrustCause.FOLLOWED, NOW, "") is None
    )
    # Newest first.
    later = dataclasses.replace(change, at=LATER)
    assert later.sort_key < change.sort_key
