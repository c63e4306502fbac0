"""Records <-> stored node properties: one mapping per node label, used by
both backends, with one naming scheme.

Each ``NodeMapping`` names every property a node of its label stores, with
its LadybugDB column type, in the order of the embedded store's table
columns: the embedded DDL is generated from ``props``, both backends write
``to_props`` and read with ``from_props``. A new field is declared here once.

Naming: a property is named as the record field it stores. Derived
properties are computed in Python on every write, so both engines compare
exactly what ``records.py`` defines (an engine's ``lower()`` is not
``str.casefold()``):

- ``sort_key``: the record's keyset sort key (``records.*_sort_key``);
- ``<field>_key``: the casefolded copy of a text field, for case-insensitive
  look-ups, filters and full-text search (``name_key``, ``title_key``,
  ``abstract_key``, ``email_key``).

Imported figures are flattened to ``imp_*`` properties (all null when there
are none). Times are INT64 epoch microseconds. ``from_props`` reads known
keys only, so an engine's own keys (LadybugDB's ``_ID``/``_LABEL``) and an
internal property (Neo4j's ``_lock``) never reach a record.

Append a new property at the end of ``props``: the embedded store migrates
an existing table by adding the column at its end (``embedded/ddl.py``), and
bulk loads rely on ``props`` giving the table's column order. A property in
``defaults`` is never null: the embedded column is declared with that
default (so an older database's rows get it when the column is added), and
``from_props`` reads a missing value as it (a Neo4j node written before the
property existed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

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
    from_micros,
    to_micros,
)

R = TypeVar("R")

STRING: Final = "STRING"
INT64: Final = "INT64"
BOOL: Final = "BOOL"  # LadybugDB's own name for BOOLEAN (what table_info answers)

Props = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NodeMapping(Generic[R]):
    """How records of one node label are stored."""

    label: str  # "Author", "Paper", ...
    # (property name, LadybugDB type "STRING" | "INT64"), "id" first, in
    # embedded table column order.
    props: tuple[tuple[str, str], ...]
    # Every stored property, id and derived keys (sort_key, *_key) included.
    to_props: Callable[[R], dict[str, Any]]
    # Reads known keys only (Neo4j nodes may carry an internal _lock).
    from_props: Callable[[Mapping[str, Any]], R]
    # Property → its value where none is stored (never null; see the module docstring).
    defaults: Mapping[str, bool | int | str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """The property names, in column order."""
        return tuple(name for name, _ in self.props)


def is_derived(prop: str) -> bool:
    """Whether a property is computed from the record's fields (``sort_key``,
    ``*_key``) rather than stored as given."""
    return prop == "sort_key" or prop.endswith("_key")


def _fold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


def _micros(value: datetime | None) -> int | None:
    return None if value is None else to_micros(value)


def _time(value: Any) -> datetime | None:
    return None if value is None else from_micros(int(value))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _flag(n: Mapping[str, Any], name: str, defaults: Mapping[str, bool]) -> bool:
    """A boolean property; its default where none is stored."""
    value = n.get(name)
    return defaults[name] if value is None else bool(value)


# --- Author -----------------------------------------------------------------------

_IMPORTED: Final = (
    ("imp_works", INT64),
    ("imp_followers", INT64),
    ("imp_topics", INT64),
    ("imp_collaborators", INT64),
    ("imp_trust_score", INT64),
    ("imp_trust_tier", STRING),
    ("imp_verification", STRING),
    ("imp_source", STRING),
)


def _imported_props(f: ImportedFigures | None) -> Props:
    if f is None:
        return {name: None for name, _ in _IMPORTED}
    return {
        "imp_works": f.works,
        "imp_followers": f.followers,
        "imp_topics": f.topics,
        "imp_collaborators": f.collaborators,
        "imp_trust_score": f.trust_score,
        "imp_trust_tier": f.trust_tier,
        "imp_verification": f.verification,
        "imp_source": f.source,
    }


def _author_props(a: AuthorRecord) -> Props:
    return {
        "id": a.id,
        "slug": a.slug,
        "name": a.name,
        "name_key": a.name.casefold(),
        "sort_key": a.sort_key,
        "claim_status": a.claim_status.value,
        "affiliation_id": a.affiliation_id,
        **_imported_props(a.imported),
        "orcid": a.orcid,
        "role": a.role,
        "affiliation_note": a.affiliation_note,
        "open_to_collaborate": a.open_to_collaborate,
        "suggestible": a.suggestible,
    }


_AUTHOR_DEFAULTS: Final[Mapping[str, bool]] = {"open_to_collaborate": False, "suggestible": True}


def _author(n: Mapping[str, Any]) -> AuthorRecord:
    imported = None
    if n.get("imp_source") is not None:
        imported = ImportedFigures(
            works=int(n["imp_works"]),
            followers=int(n["imp_followers"]),
            topics=int(n["imp_topics"]),
            collaborators=int(n["imp_collaborators"]),
            trust_score=int(n["imp_trust_score"]),
            trust_tier=str(n["imp_trust_tier"]),
            verification=str(n["imp_verification"]),
            source=str(n["imp_source"]),
        )
    return AuthorRecord(
        id=n["id"],
        slug=n["slug"],
        name=n["name"],
        claim_status=ClaimStatus(n.get("claim_status") or ClaimStatus.UNCLAIMED),
        affiliation_id=n.get("affiliation_id"),
        imported=imported,
        orcid=n.get("orcid"),
        role=n.get("role"),
        affiliation_note=n.get("affiliation_note"),
        open_to_collaborate=_flag(n, "open_to_collaborate", _AUTHOR_DEFAULTS),
        suggestible=_flag(n, "suggestible", _AUTHOR_DEFAULTS),
    )


AUTHOR: Final[NodeMapping[AuthorRecord]] = NodeMapping(
    label="Author",
    props=(
        ("id", STRING),
        ("slug", STRING),
        ("name", STRING),
        ("name_key", STRING),
        ("sort_key", STRING),
        ("claim_status", STRING),
        ("affiliation_id", STRING),
        *_IMPORTED,
        ("orcid", STRING),
        ("role", STRING),
        ("affiliation_note", STRING),
        ("open_to_collaborate", BOOL),
        ("suggestible", BOOL),
    ),
    to_props=_author_props,
    from_props=_author,
    defaults=_AUTHOR_DEFAULTS,
)

# --- Paper ------------------------------------------------------------------------


def _paper_props(p: PaperRecord) -> Props:
    return {
        "id": p.id,
        "title": p.title,
        "title_key": p.title.casefold(),
        "kind": p.kind.value,
        "year": p.year,
        "venue": p.venue,
        "abstract": p.abstract,
        "abstract_key": _fold(p.abstract),
        "code_url": p.code_url,
        "sort_key": p.sort_key,
        "doi": p.doi,
    }


def _paper(n: Mapping[str, Any]) -> PaperRecord:
    return PaperRecord(
        id=n["id"],
        title=n["title"],
        kind=PaperKind(n["kind"]),
        year=_int(n.get("year")),
        venue=n.get("venue"),
        abstract=n.get("abstract"),
        code_url=n.get("code_url"),
        doi=n.get("doi"),
    )


PAPER: Final[NodeMapping[PaperRecord]] = NodeMapping(
    label="Paper",
    props=(
        ("id", STRING),
        ("title", STRING),
        ("title_key", STRING),
        ("kind", STRING),
        ("year", INT64),
        ("venue", STRING),
        ("abstract", STRING),
        ("abstract_key", STRING),
        ("code_url", STRING),
        ("sort_key", STRING),
        ("doi", STRING),
    ),
    to_props=_paper_props,
    from_props=_paper,
)

# --- Topic, Institution -----------------------------------------------------------


def _topic_props(t: TopicRecord) -> Props:
    return {
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "name_key": t.name.casefold(),
        "sort_key": t.sort_key,
    }


TOPIC: Final[NodeMapping[TopicRecord]] = NodeMapping(
    label="Topic",
    props=(
        ("id", STRING),
        ("slug", STRING),
        ("name", STRING),
        ("name_key", STRING),
        ("sort_key", STRING),
    ),
    to_props=_topic_props,
    from_props=lambda n: TopicRecord(id=n["id"], slug=n["slug"], name=n["name"]),
)


def _institution_props(i: InstitutionRecord) -> Props:
    return {"id": i.id, "name": i.name, "name_key": i.name.casefold()}


INSTITUTION: Final[NodeMapping[InstitutionRecord]] = NodeMapping(
    label="Institution",
    props=(("id", STRING), ("name", STRING), ("name_key", STRING)),
    to_props=_institution_props,
    from_props=lambda n: InstitutionRecord(id=n["id"], name=n["name"]),
)

# --- User -------------------------------------------------------------------------


def _user_props(u: UserRecord) -> Props:
    return {
        "id": u.id,
        "email": u.email,
        "email_key": u.email.casefold(),
        "display_name": u.display_name,
        "password_hash": u.password_hash,
        "role": u.role.value,
        "created_at": to_micros(u.created_at),
        "token_version": u.token_version,
        "suspended_at": _micros(u.suspended_at),
        "suspended_by": u.suspended_by,
        "suspension_reason": u.suspension_reason,
    }


def _user(n: Mapping[str, Any]) -> UserRecord:
    return UserRecord(
        id=n["id"],
        email=n["email"],
        display_name=n["display_name"],
        password_hash=n["password_hash"],
        role=Role(n["role"]),
        created_at=from_micros(int(n["created_at"])),
        # Absent on a user stored before sessions could be revoked: version 0.
        token_version=int(n.get("token_version") or 0),
        suspended_at=_time(n.get("suspended_at")),
        suspended_by=n.get("suspended_by"),
        suspension_reason=n.get("suspension_reason"),
    )


USER: Final[NodeMapping[UserRecord]] = NodeMapping(
    label="User",
    props=(
        ("id", STRING),
        ("email", STRING),
        ("email_key", STRING),
        ("display_name", STRING),
        ("password_hash", STRING),
        ("role", STRING),
        ("created_at", INT64),
        ("token_version", INT64),
        ("suspended_at", INT64),
        ("suspended_by", STRING),
        ("suspension_reason", STRING),
    ),
    to_props=_user_props,
    from_props=_user,
)

# --- Claim, Invitation, Correction --------------------------------------------------
# Each keeps its foreign ids as properties: it is read and written by id, and
# no traversal needs them as edges.


def _claim_props(c: ClaimRecord) -> Props:
    return {
        "id": c.id,
        "author_id": c.author_id,
        "user_id": c.user_id,
        "status": c.status.value,
        "evidence": c.evidence,
        "created_at": to_micros(c.created_at),
        "decided_at": _micros(c.decided_at),
        "note": c.note,
        "sort_key": c.sort_key,
    }


def _claim(n: Mapping[str, Any]) -> ClaimRecord:
    return ClaimRecord(
        id=n["id"],
        author_id=n["author_id"],
        user_id=n["user_id"],
        status=ClaimDecision(n["status"]),
        evidence=n["evidence"],
        created_at=from_micros(int(n["created_at"])),
        decided_at=_time(n.get("decided_at")),
        note=n.get("note"),
    )


CLAIM: Final[NodeMapping[ClaimRecord]] = NodeMapping(
    label="Claim",
    props=(
        ("id", STRING),
        ("author_id", STRING),
        ("user_id", STRING),
        ("status", STRING),
        ("evidence", STRING),
        ("created_at", INT64),
        ("decided_at", INT64),
        ("note", STRING),
        ("sort_key", STRING),
    ),
    to_props=_claim_props,
    from_props=_claim,
)


def _invitation_props(i: InvitationRecord) -> Props:
    return {
        "id": i.id,
        "sender_id": i.sender_id,
        "sender_author_id": i.sender_author_id,
        "recipient_author_id": i.recipient_author_id,
        "message": i.message,
        "status": i.status.value,
        "created_at": to_micros(i.created_at),
        "responded_at": _micros(i.responded_at),
        "sort_key": i.sort_key,
    }


def _invitation(n: Mapping[str, Any]) -> InvitationRecord:
    return InvitationRecord(
        id=n["id"],
        sender_id=n["sender_id"],
        sender_author_id=n.get("sender_author_id"),
        recipient_author_id=n["recipient_author_id"],
        message=n["message"],
        status=InvitationStatus(n["status"]),
        created_at=from_micros(int(n["created_at"])),
        responded_at=_time(n.get("responded_at")),
    )


INVITATION: Final[NodeMapping[InvitationRecord]] = NodeMapping(
    label="Invitation",
    props=(
        ("id", STRING),
        ("sender_id", STRING),
        ("sender_author_id", STRING),
        ("recipient_author_id", STRING),
        ("message", STRING),
        ("status", STRING),
        ("created_at", INT64),
        ("responded_at", INT64),
        ("sort_key", STRING),
    ),
    to_props=_invitation_props,
    from_props=_invitation,
)


def _correction_props(c: CorrectionRecord) -> Props:
    return {
        "id": c.id,
        "target_id": c.target_id,
        "field": c.field,
        "proposed_value": c.proposed_value,
        "reason": c.reason,
        "status": c.status.value,
        "created_by": c.created_by,
        "created_at": to_micros(c.created_at),
        "reviewed_by": c.reviewed_by,
        "reviewed_at": _micros(c.reviewed_at),
        "note": c.note,
        "sort_key": c.sort_key,
    }


def _correction(n: Mapping[str, Any]) -> CorrectionRecord:
    return CorrectionRecord(
        id=n["id"],
        target_id=n["target_id"],
        field=n["field"],
        proposed_value=n["proposed_value"],
        reason=n["reason"],
        status=CorrectionStatus(n["status"]),
        created_by=n["created_by"],
        created_at=from_micros(int(n["created_at"])),
        reviewed_by=n.get("reviewed_by"),
        reviewed_at=_time(n.get("reviewed_at")),
        note=n.get("note"),
    )


CORRECTION: Final[NodeMapping[CorrectionRecord]] = NodeMapping(
    label="Correction",
    props=(
        ("id", STRING),
        ("target_id", STRING),
        ("field", STRING),
        ("proposed_value", STRING),
        ("reason", STRING),
        ("status", STRING),
        ("created_by", STRING),
        ("created_at", INT64),
        ("reviewed_by", STRING),
        ("reviewed_at", INT64),
        ("note", STRING),
        ("sort_key", STRING),
    ),
    to_props=_correction_props,
    from_props=_correction,
)

# --- Source, Revision (provenance) ---------------------------------------------------
# A Source is keyed by the id of the record it describes (one per record); a
# Revision keeps its record's id and field as properties (looked up by both).


def _source_props(s: SourceRecord) -> Props:
    return {
        "id": s.entity_id,
        "kind": s.kind.value,
        "locator": s.locator,
        "snapshot_date": s.snapshot_date,
        "retrieved_at": _micros(s.retrieved_at),
    }


def _source(n: Mapping[str, Any]) -> SourceRecord:
    return SourceRecord(
        entity_id=n["id"],
        kind=SourceKind(n["kind"]),
        locator=n["locator"],
        snapshot_date=n.get("snapshot_date"),
        retrieved_at=_time(n.get("retrieved_at")),
    )


SOURCE: Final[NodeMapping[SourceRecord]] = NodeMapping(
    label="Source",
    props=(
        ("id", STRING),
        ("kind", STRING),
        ("locator", STRING),
        ("snapshot_date", STRING),
        ("retrieved_at", INT64),
    ),
    to_props=_source_props,
    from_props=_source,
)


def _revision_props(r: RevisionRecord) -> Props:
    return {
        "id": r.id,
        "entity_id": r.entity_id,
        "field": r.field,
        "value": r.value,
        "at": to_micros(r.at),
        "kind": r.kind.value,
        "locator": r.locator,
        "snapshot_date": r.snapshot_date,
        "reason": r.reason,
        "overridden": int(r.overridden),
        "sort_key": r.sort_key,
    }


def _revision(n: Mapping[str, Any]) -> RevisionRecord:
    return RevisionRecord(
        id=n["id"],
        entity_id=n["entity_id"],
        field=n["field"],
        value=n.get("value"),
        at=from_micros(int(n["at"])),
        kind=SourceKind(n["kind"]),
        locator=n["locator"],
        snapshot_date=n.get("snapshot_date"),
        reason=n.get("reason"),
        overridden=bool(n.get("overridden")),
    )


REVISION: Final[NodeMapping[RevisionRecord]] = NodeMapping(
    label="Revision",
    props=(
        ("id", STRING),
        ("entity_id", STRING),
        ("field", STRING),
        ("value", STRING),
        ("at", INT64),
        ("kind", STRING),
        ("locator", STRING),
        ("snapshot_date", STRING),
        ("reason", STRING),
        ("overridden", INT64),
        ("sort_key", STRING),
    ),
    to_props=_revision_props,
    from_props=_revision,
)

# --- TrustChange ------------------------------------------------------------------


def _trust_change_props(t: TrustChangeRecord) -> Props:
    return {
        "id": t.id,
        "author_id": t.author_id,
        "at": to_micros(t.at),
        "old_score": t.old_score,
        "new_score": t.new_score,
        "cause": t.cause.value,
        "model_version": t.model_version,
        "sort_key": t.sort_key,
    }


def _trust_change(n: Mapping[str, Any]) -> TrustChangeRecord:
    return TrustChangeRecord(
        id=n["id"],
        author_id=n["author_id"],
        at=from_micros(int(n["at"])),
        old_score=int(n["old_score"]),
        new_score=int(n["new_score"]),
        cause=TrustCause(n["cause"]),
        model_version=n["model_version"],
    )


TRUST_CHANGE: Final[NodeMapping[TrustChangeRecord]] = NodeMapping(
    label="TrustChange",
    props=(
        ("id", STRING),
        ("author_id", STRING),
        ("at", INT64),
        ("old_score", INT64),
        ("new_score", INT64),
        ("cause", STRING),
        ("model_version", STRING),
        ("sort_key", STRING),
    ),
    to_props=_trust_change_props,
    from_props=_trust_change,
)

# Every node label, in the order the embedded store creates its tables.
NODES: Final[tuple[NodeMapping[Any], ...]] = (
    AUTHOR,
    PAPER,
    TOPIC,
    INSTITUTION,
    USER,
    CLAIM,
    INVITATION,
    CORRECTION,
    SOURCE,
    REVISION,
    TRUST_CHANGE,
)
