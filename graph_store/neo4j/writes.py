"""The Neo4j backend's writes: the import and every conditional write, each
one transaction taking its locks in ``queries.LOCK_ORDER``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from graph_store.errors import Rule, RuleViolation, StoreError
from graph_store.neo4j import queries as q
from graph_store.neo4j.mapping import (
    Props,
    Row,
    author_props,
    claim_props,
    correction_props,
    imported_props,
    institution_props,
    invitation_props,
    paper_props,
    to_author,
    to_claim,
    to_correction,
    to_invitation,
    to_paper,
    to_user,
    topic_props,
    user_props,
)
from graph_store.neo4j.session import (
    Neo4jSession,
    T,
    Tx,
    _count,
    _created,
    _Locks,
    _node,
    _not_found,
    _rows,
)
from graph_store.records import (
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    InvitationRecord,
    InvitationStatus,
    NodeKind,
    UserRecord,
    author_sort_key,
    kind_of,
    paper_sort_key,
    to_micros,
)
from graph_store.shared_rules import (
    merge_author,
    merge_paper,
    replayed_create,
)

log = logging.getLogger(__name__)


class Neo4jWrites(Neo4jSession):
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
