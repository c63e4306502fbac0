"""The embedded backend's writes: the import and every conditional write, each
one transaction on the writer thread.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from graph_store.embedded import queries as Q
from graph_store.embedded.connection import (
    EmbeddedBase,
    _Conn,
    _replay,
    _uniq,
)
from graph_store.embedded.records import (
    _author,
    _author_row,
    _casefold,
    _claim,
    _correction,
    _invitation,
    _opt_micros,
    _paper,
    _paper_doc,
    _paper_row,
    _user,
)
from graph_store.embedded.search_index import Doc
from graph_store.errors import Rule, RuleViolation, StoreError
from graph_store.records import (
    AuthorRecord,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    InvitationRecord,
    InvitationStatus,
    NodeKind,
    PaperRecord,
    UserRecord,
    author_sort_key,
    kind_of,
    paper_sort_key,
    to_micros,
    topic_sort_key,
)
from graph_store.shared_rules import (
    merge_author,
    merge_paper,
)

log = logging.getLogger(__name__)


class EmbeddedWrites(EmbeddedBase):
    @staticmethod
    def _claim_or_raise(conn: _Conn, claim_id: str) -> ClaimRecord:
        nodes = conn.column(Q.CLAIM_BY_ID, {"id": claim_id})
        if not nodes:
            raise RuleViolation(Rule.NOT_FOUND, f"claim {claim_id}")
        return _claim(nodes[0])

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


_PAPER_TEXT_FIELDS = ("venue", "abstract", "code_url")


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
