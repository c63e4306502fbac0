"""Records ↔ Neo4j property maps, and the pure parts of search.

Kept free of I/O so they can be unit-tested without a server. Readers pick
known keys only, so an internal property (the ``_lock`` of a lock taken in
the same transaction) never leaks into a record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

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
    Role,
    TopicRecord,
    UserRecord,
    from_micros,
    to_micros,
    topic_sort_key,
)

Props = dict[str, Any]
Row = Mapping[str, Any]


def _opt_time(value: Any) -> Any:
    return None if value is None else from_micros(int(value))


# --- records → properties -----------------------------------------------------------


def author_props(a: AuthorRecord) -> Props:
    """Every stored property of an author but its id (imported figures apart)."""
    return {
        "slug": a.slug,
        "name": a.name,
        "name_key": a.name.casefold(),
        "sort_key": a.sort_key,
        "claim_status": a.claim_status.value,
        "affiliation_id": a.affiliation_id,
    }


_IMPORTED_KEYS = (
    "imp_works",
    "imp_followers",
    "imp_topics",
    "imp_collaborators",
    "imp_trust_score",
    "imp_trust_tier",
    "imp_verification",
    "imp_source",
)


def imported_props(figures: ImportedFigures | None) -> Props:
    """The imported figures as properties; all None (= removed) when there are none,
    so every import row has the same shape."""
    if figures is None:
        return dict.fromkeys(_IMPORTED_KEYS)
    return {
        "imp_works": figures.works,
        "imp_followers": figures.followers,
        "imp_topics": figures.topics,
        "imp_collaborators": figures.collaborators,
        "imp_trust_score": figures.trust_score,
        "imp_trust_tier": figures.trust_tier,
        "imp_verification": figures.verification,
        "imp_source": figures.source,
    }


def paper_props(p: PaperRecord) -> Props:
    return {
        "title": p.title,
        "title_key": p.title.casefold(),
        "kind": p.kind.value,
        "year": p.year,
        "venue": p.venue,
        "abstract": p.abstract,
        "abstract_key": None if p.abstract is None else p.abstract.casefold(),
        "code_url": p.code_url,
        "sort_key": p.sort_key,
    }


def topic_props(t: TopicRecord) -> Props:
    return {
        "slug": t.slug,
        "name": t.name,
        "name_key": t.name.casefold(),
        "sort_key": topic_sort_key(t.slug),
    }


def institution_props(i: InstitutionRecord) -> Props:
    return {"name": i.name}


def user_props(u: UserRecord) -> Props:
    return {
        "id": u.id,
        "email": u.email,
        "email_key": u.email.casefold(),
        "display_name": u.display_name,
        "password_hash": u.password_hash,
        "role": u.role.value,
        "created_at": to_micros(u.created_at),
    }


def claim_props(c: ClaimRecord) -> Props:
    created = to_micros(c.created_at)
    return {
        "id": c.id,
        "author_id": c.author_id,
        "user_id": c.user_id,
        "status": c.status.value,
        "evidence": c.evidence,
        "created_at": created,
        "decided_at": None if c.decided_at is None else to_micros(c.decided_at),
        "note": c.note,
        "sort_key": c.sort_key,
    }


def invitation_props(i: InvitationRecord) -> Props:
    created = to_micros(i.created_at)
    return {
        "id": i.id,
        "sender_id": i.sender_id,
        "sender_author_id": i.sender_author_id,
        "recipient_author_id": i.recipient_author_id,
        "message": i.message,
        "status": i.status.value,
        "created_at": created,
        "responded_at": None if i.responded_at is None else to_micros(i.responded_at),
        "sort_key": i.sort_key,
    }


def correction_props(c: CorrectionRecord) -> Props:
    created = to_micros(c.created_at)
    return {
        "id": c.id,
        "target_id": c.target_id,
        "field": c.field,
        "proposed_value": c.proposed_value,
        "reason": c.reason,
        "status": c.status.value,
        "created_by": c.created_by,
        "created_at": created,
        "reviewed_by": c.reviewed_by,
        "reviewed_at": None if c.reviewed_at is None else to_micros(c.reviewed_at),
        "note": c.note,
        "sort_key": c.sort_key,
    }


# --- properties → records ----------------------------------------------------------


def to_author(n: Row) -> AuthorRecord:
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
    )


def to_paper(n: Row) -> PaperRecord:
    year = n.get("year")
    return PaperRecord(
        id=n["id"],
        title=n["title"],
        kind=PaperKind(n["kind"]),
        year=None if year is None else int(year),
        venue=n.get("venue"),
        abstract=n.get("abstract"),
        code_url=n.get("code_url"),
    )


def to_topic(n: Row) -> TopicRecord:
    return TopicRecord(id=n["id"], slug=n["slug"], name=n["name"])


def to_institution(n: Row) -> InstitutionRecord:
    return InstitutionRecord(id=n["id"], name=n["name"])


def to_user(n: Row) -> UserRecord:
    return UserRecord(
        id=n["id"],
        email=n["email"],
        display_name=n["display_name"],
        password_hash=n["password_hash"],
        role=Role(n["role"]),
        created_at=from_micros(int(n["created_at"])),
    )


def to_claim(n: Row) -> ClaimRecord:
    return ClaimRecord(
        id=n["id"],
        author_id=n["author_id"],
        user_id=n["user_id"],
        status=ClaimDecision(n["status"]),
        evidence=n["evidence"],
        created_at=from_micros(int(n["created_at"])),
        decided_at=_opt_time(n.get("decided_at")),
        note=n.get("note"),
    )


def to_invitation(n: Row) -> InvitationRecord:
    return InvitationRecord(
        id=n["id"],
        sender_id=n["sender_id"],
        sender_author_id=n.get("sender_author_id"),
        recipient_author_id=n["recipient_author_id"],
        message=n["message"],
        status=InvitationStatus(n["status"]),
        created_at=from_micros(int(n["created_at"])),
        responded_at=_opt_time(n.get("responded_at")),
    )


def to_correction(n: Row) -> CorrectionRecord:
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
        reviewed_at=_opt_time(n.get("reviewed_at")),
        note=n.get("note"),
    )


def newest_first_key(n: Row) -> str:
    """Sort key for 'newest first' lists (use with reverse=True)."""
    return str(n["sort_key"])


def authorship_order(position: int | None, author: AuthorRecord) -> tuple[bool, int, str]:
    """Author order on a paper: known positions ascending, unknown (0) last, then name."""
    pos = position or 0
    return (pos == 0, pos, author.sort_key)


# --- search -------------------------------------------------------------------------
# Words and scores are the embedded backend's, so both rank alike; the
# full-text index only supplies candidates.


# Characters the Lucene classic query parser treats as syntax.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def escape_lucene(word: str) -> str:
    """Escape a user word so Lucene reads it as text, never as query syntax.

    Words are casefolded first, so ``AND``/``OR``/``NOT`` (operators only in
    upper case) are plain terms as well.
    """
    return _LUCENE_SPECIAL.sub(r"\\\1", word)


def lucene_query(words: Sequence[str], fields: Sequence[str]) -> str:
    """Each word as a term, a prefix (``distil`` finds ``distillation``) and an
    infix (``still`` finds it too, as the embedded store's substring match does),
    OR-ed, in each of ``fields``. Exact terms score highest in Lucene; wildcard
    hits score alike."""
    terms = " OR ".join(f"{w} OR {w}* OR *{w}*" for w in (escape_lucene(word) for word in words))
    return " OR ".join(f"{field}:({terms})" for field in fields)
