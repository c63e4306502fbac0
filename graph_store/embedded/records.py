"""Records <-> LadybugDB nodes and rows of the embedded backend.

Names with a leading underscore are private to this package.
"""

from __future__ import annotations

from datetime import datetime

from graph_store.embedded.connection import (
    Node,
    Params,
)
from graph_store.embedded.search_index import Doc
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
)


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


def _paper_doc(p: PaperRecord) -> Doc:
    return (p.id, p.title.casefold(), (p.abstract or "").casefold())
