"""The Neo4j backend's writes: the import and every conditional write, each
one transaction taking its locks in ``queries.LOCK_ORDER``. Each conditional
write reads its facts under those locks and lets ``graph_store.decisions``
decide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from graph_store import decisions
from graph_store.errors import Rule
from graph_store.mapping import (
    AUTHOR,
    CLAIM,
    CORRECTION,
    INSTITUTION,
    INVITATION,
    PAPER,
    REVISION,
    SOURCE,
    TOPIC,
    TRUST_CHANGE,
    USER,
    NodeMapping,
)
from graph_store.neo4j import coauthor_weights
from graph_store.neo4j import queries as q
from graph_store.neo4j.session import (
    Neo4jSession,
    Tx,
    _count,
    _Locks,
    _node,
    _not_found,
    _rows,
)
from graph_store.records import (
    AuthorRecord,
    AuthorStatsRecord,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    InvitationRecord,
    InvitationStatus,
    PaperRecord,
    RevisionRecord,
    SourceRecord,
    TrustCause,
    UserRecord,
    to_micros,
    utcnow,
)
from graph_store.session_writes import SessionWrites
from graph_store.shared_rules import (
    Target,
    authors_to_write,
    corrected_fields,
    first_sources,
    import_revisions,
    papers_to_write,
    revision_candidates,
)

log = logging.getLogger(__name__)

R = TypeVar("R")

_VERIFIED = ClaimDecision.VERIFIED.value
_PENDING = ClaimDecision.PENDING.value


class Neo4jWrites(Neo4jSession, SessionWrites):
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
                rows = [_row(INSTITUTION, i) for i in institutions.values()]
                await _rows(tx, q.IMPORT_INSTITUTIONS, rows=rows)
            if topics:
                await _rows(tx, q.IMPORT_TOPICS, rows=[_row(TOPIC, t) for t in topics.values()])
            # Read under lock: a claim or correction cannot commit between
            # these reads and the writes below. Only what changes is written.
            stored_authors, trust = await _ImportTrust.lock(
                self._trust_model, tx, locks, batch, author_ids
            )
            # The papers the authorships name are locked too: their teams are
            # read before and after the merge (COAUTHOR weights).
            lock_papers = dict.fromkeys([*paper_ids, *(p for _, p in authorships)])
            wanted = set(paper_ids)
            stored_papers = {
                n["id"]: PAPER.from_props(n)
                for n in await locks.take_many("Paper", list(lock_papers))
                if n["id"] in wanted
            }
            corrected = corrected_fields(
                (r["id"], r["field"])
                for r in await _rows(
                    tx,
                    q.CORRECTED_FIELDS,
                    ids=[*stored_authors, *stored_papers],
                    applied=CorrectionStatus.APPLIED.value,
                )
            )
            sources = first_sources(batch.sources)
            revisions = await _import_revisions(
                tx, stored_authors, batch.authors, corrected, sources
            )
            revisions += await _import_revisions(
                tx, stored_papers, batch.papers, corrected, sources
            )
            authors = authors_to_write(stored_authors, batch.authors, corrected)
            if authors:
                await _rows(tx, q.UPSERT_AUTHORS, rows=[_row(AUTHOR, a) for a in authors])
            # Every author's affiliation edge: its institution may have come only now.
            final = {**stored_authors, **{a.id: a for a in authors}}
            affiliations = [
                {"author_id": a.id, "institution_id": a.affiliation_id}
                for a in final.values()
                if a.affiliation_id is not None
            ]
            if affiliations:
                await _rows(tx, q.IMPORT_AFFILIATIONS, rows=affiliations)
            papers = papers_to_write(stored_papers, batch.papers, corrected)
            if papers:
                await _rows(tx, q.UPSERT_PAPERS, rows=[_row(PAPER, p) for p in papers])
            created = [a.id for a in authors if a.id not in stored_authors]
            created += [p.id for p in papers if p.id not in stored_papers]
            origins = [SOURCE.to_props(sources[i]) for i in created if i in sources]
            if origins:
                await _rows(tx, q.MERGE_SOURCES, rows=origins)
            if revisions:
                await _rows(tx, q.MERGE_REVISIONS, rows=[REVISION.to_props(r) for r in revisions])
            if authorships:
                named = list(dict.fromkeys(p for _, p in authorships))
                before, _ = await coauthor_weights.teams(tx, named)
                await _rows(
                    tx,
                    q.IMPORT_AUTHORSHIPS,
                    rows=[
                        {"author_id": w.author_id, "paper_id": w.paper_id, "position": w.position}
                        for w in authorships.values()
                    ],
                )
                await coauthor_weights.count_grown(tx, list(authorships), before)
            if paper_topics:
                await _rows(
                    tx,
                    q.IMPORT_PAPER_TOPICS,
                    rows=[{"paper_id": p, "topic_id": t} for p, t in paper_topics],
                )
            await trust.record()
            await locks.release()

        await self._write(work, timeout=self._import_timeout, changes_profiles=True)

    async def create_user(self, user: UserRecord) -> UserRecord:
        async def work(tx: Tx) -> UserRecord:
            stored = await _one(tx, USER, user.id)
            taken = await _node(tx, q.USER_BY_EMAIL_KEY, email_key=user.email.casefold())
            outcome = decisions.create_user(user, stored=stored, email_taken=taken is not None)
            if not outcome.done:
                await _create(tx, USER, outcome.record)
            return outcome.record

        # The uniqueness constraint on email_key catches the race the check can't.
        return await self._write(
            work, constraint_rule=Rule.EMAIL_TAKEN, constraint_property="email_key"
        )

    async def _change_user(
        self, user_id: str, decide: Callable[[UserRecord | None], decisions.Outcome[UserRecord]]
    ) -> UserRecord:
        async def work(tx: Tx) -> UserRecord:
            locks = _Locks(tx)
            node = await locks.take("User", user_id)
            outcome = decide(None if node is None else USER.from_props(node))
            if not outcome.done:
                await _update(tx, USER, outcome.record)
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def follow(self, user_id: str, author_id: str, at: datetime) -> None:
        async def work(tx: Tx) -> None:
            # Locking the user serialises follows of one user, so MERGE cannot
            # create the relationship twice; locking the author serialises
            # its follows, so each trust change starts from the score before it.
            locks = _Locks(tx)
            if await locks.take("User", user_id) is None:
                raise _not_found("user")
            author = await locks.take("Author", author_id)
            if author is None:
                raise _not_found("author")
            trust = await _TrustLog.start(self._trust_model, tx, AUTHOR.from_props(author))
            await _rows(tx, q.FOLLOW, user_id=user_id, author_id=author_id, at=to_micros(at))
            await trust.record(TrustCause.FOLLOWED, at, user_id)
            await locks.release()

        await self._write(work)

    async def unfollow(self, user_id: str, author_id: str, at: datetime | None = None) -> None:
        when = at or utcnow()

        async def work(tx: Tx) -> None:
            # Deleting the relationship locks both ends, in whatever order the
            # engine picks: take the user's lock first, as every writer does.
            locks = _Locks(tx)
            if await locks.take("User", user_id) is not None:
                author = await locks.take("Author", author_id)
                trust = await _TrustLog.start(
                    self._trust_model, tx, None if author is None else AUTHOR.from_props(author)
                )
                await _rows(tx, q.UNFOLLOW, user_id=user_id, author_id=author_id)
                await trust.record(TrustCause.UNFOLLOWED, when, user_id)
                await locks.release()

        await self._write(work)

    async def create_claim(
        self, claim: ClaimRecord, max_pending: int = decisions.MAX_PENDING_CLAIMS
    ) -> ClaimRecord:
        async def work(tx: Tx) -> ClaimRecord:
            # The author lock serialises claims on one author; the user lock
            # serialises this user's claims (the pending-claims cap) and
            # decide_claim making this user verified.
            locks = _Locks(tx)
            user = await locks.take("User", claim.user_id)
            author = await locks.take("Author", claim.author_id)
            # Under the locks, so an attempt still committing is seen done.
            stored = await _one(tx, CLAIM, claim.id)
            active = [_PENDING, _VERIFIED]
            author_record = None if author is None else AUTHOR.from_props(author)
            facts = decisions.NewClaimFacts(
                stored=stored,
                author=author_record,
                user_exists=user is not None,
                author_has_active_claim=await _count(
                    tx, q.COUNT_ACTIVE_CLAIMS_OF_AUTHOR, author_id=claim.author_id, statuses=active
                )
                > 0,
                user_holds_verified=bool(await _verified_author_ids(tx, claim.user_id)),
                user_pending_claims=await _count(
                    tx, q.COUNT_CLAIMS_OF_USER, user_id=claim.user_id, status=_PENDING
                ),
            )
            outcome = decisions.create_claim(claim, facts, max_pending)
            if not outcome.done:
                trust = await _TrustLog.start(self._trust_model, tx, author_record)
                await _create(tx, CLAIM, outcome.record)
                status = await _set_author_status(tx, outcome.record)
                await trust.record(
                    TrustCause.CLAIM_SUBMITTED, claim.created_at, claim.id, claim_status=status
                )
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def withdraw_claim(self, claim_id: str, user_id: str, at: datetime) -> ClaimRecord:
        async def work(tx: Tx) -> ClaimRecord:
            locks = _Locks(tx)
            claim, author = await _lock_claim(tx, locks, claim_id, lock_user=False)
            outcome = decisions.withdraw_claim(claim, user_id, at)
            await _write_claim_decision(tx, outcome, _TrustLog(self._trust_model, tx, author), at)
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def decide_claim(
        self, claim_id: str, approve: bool, note: str | None, at: datetime
    ) -> ClaimRecord:
        async def work(tx: Tx) -> ClaimRecord:
            # The claimant's lock makes two approvals for one user serialise.
            locks = _Locks(tx)
            claim, author = await _lock_claim(tx, locks, claim_id, lock_user=True)
            verified = claim is not None and bool(await _verified_author_ids(tx, claim.user_id))
            outcome = decisions.decide_claim(
                decisions.ClaimFacts(claim, verified), approve, note, at
            )
            await _write_claim_decision(tx, outcome, _TrustLog(self._trust_model, tx, author), at)
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def create_invitation(
        self, invitation: InvitationRecord, daily_limit: int, window_start: datetime
    ) -> InvitationRecord:
        sender_id = invitation.sender_id
        recipient_id = invitation.recipient_author_id

        async def work(tx: Tx) -> InvitationRecord:
            # Locking the sender serialises all of this sender's invitations,
            # which makes both the one-pending-per-pair rule and the rate
            # limit exact under concurrency.
            locks = _Locks(tx)
            await locks.take("User", sender_id)
            stored = await _one(tx, INVITATION, invitation.id)
            # The recipient's lock: its claimant cannot close it to
            # invitations between this check and the commit (User before Author).
            node = await locks.take("Author", recipient_id)
            recipient = None if node is None else AUTHOR.from_props(node)
            facts = decisions.NewInvitationFacts(
                stored=stored,
                sender_author_ids=tuple(await _verified_author_ids(tx, sender_id)),
                recipient=recipient,
                pending_pair=await _count(
                    tx,
                    q.COUNT_PENDING_PAIR,
                    sender_id=sender_id,
                    recipient_id=recipient_id,
                    pending=InvitationStatus.PENDING.value,
                )
                > 0,
                sent_in_window=await _count(
                    tx, q.COUNT_SENT_SINCE, sender_id=sender_id, since=to_micros(window_start)
                ),
            )
            outcome = decisions.create_invitation(invitation, facts, daily_limit)
            if not outcome.done:
                await _create(tx, INVITATION, outcome.record)
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def respond_invitation(
        self, invitation_id: str, user_id: str, status: InvitationStatus, at: datetime
    ) -> InvitationRecord:
        async def work(tx: Tx) -> InvitationRecord:
            locks = _Locks(tx)
            current = await locks.take("Invitation", invitation_id)
            inv = None if current is None else INVITATION.from_props(current)
            claimants: tuple[str, ...] = ()
            if inv is not None:
                rows = await _rows(
                    tx,
                    q.VERIFIED_CLAIMANT_IDS_OF_AUTHOR,
                    author_id=inv.recipient_author_id,
                    verified=_VERIFIED,
                )
                claimants = tuple(str(r["user_id"]) for r in rows)
            facts = decisions.InvitationFacts(inv, claimants)
            outcome = decisions.respond_invitation(facts, user_id, status, at)
            if not outcome.done:
                await _update(tx, INVITATION, outcome.record)
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def set_author_settings(
        self, user_id: str, settings: decisions.AuthorSettings
    ) -> AuthorRecord:
        async def work(tx: Tx) -> AuthorRecord:
            # The user's lock serialises with decide_claim making them
            # verified; the author's with invitations checking it is open.
            locks = _Locks(tx)
            await locks.take("User", user_id)
            own = await _verified_author_ids(tx, user_id)
            node = await locks.take("Author", own[0]) if own else None
            author = None if node is None else AUTHOR.from_props(node)
            outcome = decisions.set_author_settings(author, user_id, settings)
            if not outcome.done:
                a = outcome.record
                await _rows(
                    tx,
                    q.SET_AUTHOR_SETTINGS,
                    id=a.id,
                    open_to_collaborate=a.open_to_collaborate,
                    suggestible=a.suggestible,
                )
            await locks.release()
            return outcome.record

        return await self._write(work)

    async def create_correction(self, correction: CorrectionRecord) -> CorrectionRecord:
        label = decisions.target_label(correction.target_id)

        async def work(tx: Tx) -> CorrectionRecord:
            target = None
            if label is not None:
                target = await _node(tx, q.GET_ONE[label], id=correction.target_id)
            stored = await _one(tx, CORRECTION, correction.id)
            outcome = decisions.create_correction(
                correction, stored=stored, target_exists=target is not None
            )
            if not outcome.done:
                await _create(tx, CORRECTION, outcome.record)
            return outcome.record

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
        async def work(tx: Tx) -> CorrectionRecord:
            # The target (Author or Paper) is locked before the correction, in
            # lock order; its id never changes, so it can be read first unlocked.
            locks = _Locks(tx)
            seen = await _one(tx, CORRECTION, correction_id)
            current: CorrectionRecord | None = None
            target: decisions.Target | None = None
            origin, revised = None, False
            if seen is not None:
                label = decisions.target_label(seen.target_id)
                node = None if label is None else await locks.take(label, seen.target_id)
                if node is not None:
                    target = (AUTHOR if label == AUTHOR.label else PAPER).from_props(node)
                locked = await locks.take("Correction", correction_id)
                current = None if locked is None else CORRECTION.from_props(locked)
                if target is not None and update is not None:
                    origin = await _origin(tx, target.id)
                    pairs = [{"id": target.id, "field": update[0]}]
                    revised = bool(await _rows(tx, q.REVISIONS_OF_PAIRS, pairs=pairs))
            facts = decisions.CorrectionFacts(current, target, origin, revised)
            outcome = decisions.decide_correction(facts, status, reviewer_id, note, at, update)
            if not outcome.done:
                if isinstance(outcome.target, AuthorRecord):
                    await _update(tx, AUTHOR, outcome.target)
                elif isinstance(outcome.target, PaperRecord):
                    await _update(tx, PAPER, outcome.target)
                if outcome.revisions:
                    rows = [REVISION.to_props(r) for r in outcome.revisions]
                    await _rows(tx, q.MERGE_REVISIONS, rows=rows)
                await _update(tx, CORRECTION, outcome.record)
            await locks.release()
            return outcome.record

        # An applied correction may change a paper's venue.
        return await self._write(work, changes_profiles=True)


async def _import_revisions(
    tx: Tx,
    stored: dict[str, AuthorRecord] | dict[str, PaperRecord],
    rows: Sequence[Target],
    corrected: dict[str, set[str]],
    sources: dict[str, SourceRecord],
) -> list[RevisionRecord]:
    """The revisions an import of ``rows`` adds (shared_rules.import_revisions),
    reading only the stored revisions it may need (its records are locked)."""
    pairs = revision_candidates(stored, rows) if sources else []
    if not pairs:
        return []
    past: dict[tuple[str, str], list[RevisionRecord]] = {}
    found = await _rows(tx, q.REVISIONS_OF_PAIRS, pairs=[{"id": i, "field": f} for i, f in pairs])
    for row in found:
        r = REVISION.from_props(row["n"])
        past.setdefault((r.entity_id, r.field), []).append(r)
    ids = list(dict.fromkeys(i for i, _ in pairs))
    origins = {
        n["n"]["id"]: SOURCE.from_props(n["n"]) for n in await _rows(tx, q.SOURCES_BY_ID, ids=ids)
    }
    return import_revisions(stored, rows, corrected, past, origins, sources)


async def _origin(tx: Tx, entity_id: str) -> SourceRecord | None:
    node = await _node(tx, q.SOURCES_BY_ID, ids=[entity_id])
    return None if node is None else SOURCE.from_props(node)


def _row(mapping: NodeMapping[R], record: R) -> dict[str, object]:
    """An import row: the id to merge on and every property."""
    props = mapping.to_props(record)
    return {"id": props["id"], "props": props}


async def _one(tx: Tx, mapping: NodeMapping[R], node_id: str) -> R | None:
    """The record stored under ``node_id`` (not locked), or None."""
    node = await _node(tx, q.GET_ONE[mapping.label], id=node_id)
    return None if node is None else mapping.from_props(node)


async def _create(tx: Tx, mapping: NodeMapping[R], record: R) -> None:
    await _rows(tx, q.CREATE[mapping.label], props=mapping.to_props(record))


async def _update(tx: Tx, mapping: NodeMapping[R], record: R) -> None:
    """Write a record whole over its node, which the caller has locked."""
    props = mapping.to_props(record)
    await _rows(tx, q.UPDATE[mapping.label], id=props["id"], props=props)


async def _verified_author_ids(tx: Tx, user_id: str) -> list[str]:
    """Authors the user holds a VERIFIED claim on, oldest claim first."""
    rows = await _rows(tx, q.VERIFIED_AUTHOR_IDS_OF_USER, user_id=user_id, verified=_VERIFIED)
    return [str(r["author_id"]) for r in rows]


async def _set_author_status(tx: Tx, claim: ClaimRecord) -> ClaimStatus:
    """The claim's author takes the status that follows from the claim's (answered)."""
    status: ClaimStatus = decisions.author_status_after(claim.status)
    await _rows(tx, q.SET_AUTHOR_CLAIM_STATUS, id=claim.author_id, status=status.value)
    return status


async def _write_claim_decision(
    tx: Tx, outcome: decisions.Outcome[ClaimRecord], trust: _TrustLog, at: datetime
) -> None:
    if not outcome.done:
        claim = outcome.record
        await trust.begin()
        await _update(tx, CLAIM, claim)
        status = await _set_author_status(tx, claim)
        await trust.record(decisions.CLAIM_CAUSES[claim.status], at, claim.id, claim_status=status)


async def _counts(tx: Tx, author_id: str) -> AuthorStatsRecord:
    """The author's counts as this transaction sees them."""
    (r,) = await _rows(tx, q.AUTHOR_STATS, ids=[author_id])
    return AuthorStatsRecord(
        works=int(r["works"]),
        followers=int(r["followers"]),
        topics=int(r["topics"]),
        collaborators=int(r["collaborators"]),
    )


class _TrustLog:
    """Records the trust change one event makes to one author (read under
    its lock, so no other event of the author comes between): its counts
    read before the event's writes, the score compared after them. Only the
    counts are read here; the author record is the one the write locked."""

    def __init__(
        self, model: decisions.TrustModel | None, tx: Tx, author: AuthorRecord | None
    ) -> None:
        self._model, self._tx, self._author = model, tx, author
        self._counts: AuthorStatsRecord | None = None

    @classmethod
    async def start(
        cls, model: decisions.TrustModel | None, tx: Tx, author: AuthorRecord | None
    ) -> _TrustLog:
        log = cls(model, tx, author)
        await log.begin()
        return log

    async def begin(self) -> None:
        """Read the counts before the event's writes."""
        if self._model is not None and self._author is not None:
            self._counts = await _counts(self._tx, self._author.id)

    async def record(
        self,
        cause: TrustCause,
        at: datetime,
        event_key: str,
        *,
        claim_status: ClaimStatus | None = None,
        refreshed: bool = False,
    ) -> None:
        """``claim_status``: the status a claim event gave the author (its
        counts did not change); without it, the counts are read again, and
        with ``refreshed`` the author record too (an import may rewrite it)."""
        if self._model is None or self._author is None or self._counts is None:
            return
        before = (self._author, self._counts)
        if claim_status is None:
            author: AuthorRecord | None = self._author
            if refreshed:
                author = await _one(self._tx, AUTHOR, self._author.id)
            after = None if author is None else (author, await _counts(self._tx, author.id))
        else:
            after = (replace(self._author, claim_status=claim_status), self._counts)
        change = decisions.trust_change(self._model, before, after, cause, at, event_key)
        if change is not None:
            await _create(self._tx, TRUST_CHANGE, change)


class _ImportTrust:
    """The trust changes one import makes (cause IMPORT): a ``_TrustLog`` per
    author ``decisions.import_watch`` picks, started under its lock before the
    import's writes, recorded after them, in its transaction."""

    def __init__(self, logs: list[_TrustLog]) -> None:
        self._logs = logs

    @classmethod
    async def lock(
        cls,
        model: decisions.TrustModel | None,
        tx: Tx,
        locks: _Locks,
        batch: ImportBatch,
        author_ids: Sequence[str],
    ) -> tuple[dict[str, AuthorRecord], _ImportTrust]:
        """Lock and read the batch's authors (``author_ids``) and the watched
        ones, in one sorted pass (LOCK_ORDER); the batch's authors as stored."""
        watched: list[str] = []
        if model is not None:
            active = list(decisions.ACTIVE_CLAIMS)
            claimed: dict[str, list[str]] = {
                r["id"]: [] for r in await _rows(tx, q.CLAIMED_AUTHORS, active=active)
            }
            if claimed:
                for r in await _rows(tx, q.PAPER_IDS_OF_AUTHORS, ids=list(claimed)):
                    claimed[r["key"]] = r["ids"]
            watched = decisions.import_watch(batch, claimed)
        locked = {
            n["id"]: AUTHOR.from_props(n)
            for n in await locks.take_many("Author", [*author_ids, *watched])
        }
        logs = [_TrustLog(model, tx, locked.get(i)) for i in watched]
        for log in logs:
            await log.begin()
        return {i: locked[i] for i in author_ids if i in locked}, cls(logs)

    async def record(self) -> None:
        at, key = utcnow(), decisions.import_event_key()
        for log in self._logs:
            await log.record(TrustCause.IMPORT, at, key, refreshed=True)


async def _lock_claim(
    tx: Tx, locks: _Locks, claim_id: str, *, lock_user: bool
) -> tuple[ClaimRecord | None, AuthorRecord | None]:
    """Lock a claim with the nodes its decision writes, in lock order: its user
    (when asked), its author, then the claim; the claim and its author as
    locked (None when there is no such claim). A claim's user and author never
    change, so they are read first without a lock."""
    seen = await _one(tx, CLAIM, claim_id)
    if seen is None:
        return None, None
    if lock_user:
        await locks.take("User", seen.user_id)
    author = await locks.take("Author", seen.author_id)
    current = await locks.take("Claim", claim_id)
    return (
        None if current is None else CLAIM.from_props(current),
        None if author is None else AUTHOR.from_props(author),
    )
