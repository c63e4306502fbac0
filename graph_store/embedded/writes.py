"""The embedded backend's writes: the import and every conditional write, each
one transaction on the writer thread. Each conditional write reads its facts
in its transaction and lets ``graph_store.decisions`` decide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from graph_store import decisions
from graph_store.embedded import coauthor_weights
from graph_store.embedded import queries as Q
from graph_store.embedded.connection import (
    EmbeddedBase,
    _Conn,
    _uniq,
)
from graph_store.embedded.ddl import OVERRIDDEN_LIST, revision_list_key
from graph_store.embedded.search_index import Doc, doc
from graph_store.errors import Rule, RuleViolation
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
from graph_store.records import (
    AuthorRecord,
    AuthorStatsRecord,
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


def _one(conn: _Conn, mapping: NodeMapping[R], node_id: str) -> R | None:
    """The record stored under ``node_id``, or None."""
    nodes = conn.column(Q.ONE[mapping.label], {"id": node_id})
    return mapping.from_props(nodes[0]) if nodes else None


def _upsert(conn: _Conn, mapping: NodeMapping[R], records: Sequence[R]) -> None:
    """Write records whole (merged on their id)."""
    if records:
        conn.rows(Q.UPSERT[mapping.label], {"rows": [mapping.to_props(r) for r in records]})


def _stored(
    conn: _Conn, query: str, mapping: NodeMapping[R], rows: Sequence[AuthorRecord | PaperRecord]
) -> dict[str, R]:
    """The stored records of these rows' ids (those that exist)."""
    found = conn.column(query, {"ids": _uniq(r.id for r in rows)})
    return {n["id"]: mapping.from_props(n) for n in found}


def _insert(conn: _Conn, mapping: NodeMapping[R], record: R) -> None:
    conn.rows(Q.INSERT[mapping.label], mapping.to_props(record))


def _import_revisions(
    conn: _Conn,
    stored: dict[str, AuthorRecord] | dict[str, PaperRecord],
    rows: Sequence[Target],
    corrected: dict[str, set[str]],
    sources: dict[str, SourceRecord],
) -> list[RevisionRecord]:
    """The revisions an import of ``rows`` adds (shared_rules.import_revisions),
    reading only the stored revisions it may need."""
    pairs = revision_candidates(stored, rows) if sources else []
    if not pairs:
        return []
    ids = _uniq(i for i, _ in pairs)
    past = {pair: _revisions(conn, *pair) for pair in dict.fromkeys(pairs)}
    origins = {n["id"]: SOURCE.from_props(n) for n in conn.column(Q.SOURCES_BY_ID, {"ids": ids})}
    return import_revisions(stored, rows, corrected, past, origins, sources)


def _revisions(conn: _Conn, entity_id: str, field: str) -> list[RevisionRecord]:
    """One field's stored revisions, through its list (ddl.REVISION_LIST_TABLE)."""
    key = revision_list_key(entity_id, field)
    return [REVISION.from_props(n) for n in conn.column(Q.REVISIONS_LISTED, {"key": key})]


def _write_revisions(conn: _Conn, revisions: Sequence[RevisionRecord]) -> None:
    """Store revisions and list each under its field, an overridden one also
    in the moderators' list."""
    if not revisions:
        return
    _upsert(conn, REVISION, revisions)
    rows = [{"id": r.id, "key": revision_list_key(r.entity_id, r.field)} for r in revisions]
    rows += [{"id": r.id, "key": OVERRIDDEN_LIST} for r in revisions if r.overridden]
    conn.rows(Q.LIST_REVISIONS, {"rows": rows})


def _origin(conn: _Conn, entity_id: str) -> SourceRecord | None:
    nodes = conn.column(Q.SOURCES_BY_ID, {"ids": [entity_id]})
    return SOURCE.from_props(nodes[0]) if nodes else None


def _set_author_status(conn: _Conn, author_id: str, status: ClaimStatus) -> None:
    conn.rows(Q.SET_AUTHOR_STATUS, {"author_id": author_id, "claim_status": status.value})


def _counts(conn: _Conn, author_id: str) -> AuthorStatsRecord:
    """The author's counts as this transaction sees them."""
    counts = {
        name: int(conn.scalar(query, {"id": author_id}) or 0)
        for name, query in Q.AUTHOR_STATS.items()
    }
    return AuthorStatsRecord(**counts)


class _TrustLog:
    """Records the trust change one event makes to one author: its counts
    read before the event's writes (the author record is the one the write
    read), the score compared after them, in its transaction."""

    def __init__(
        self, model: decisions.TrustModel | None, conn: _Conn, author: AuthorRecord | None
    ) -> None:
        self._model, self._conn, self._author = model, conn, author
        self._counts = None if model is None or author is None else _counts(conn, author.id)

    def record(
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
                author = _one(self._conn, AUTHOR, self._author.id)
            after = None if author is None else (author, _counts(self._conn, author.id))
        else:
            after = (replace(self._author, claim_status=claim_status), self._counts)
        change = decisions.trust_change(self._model, before, after, cause, at, event_key)
        if change is not None:
            _insert(self._conn, TRUST_CHANGE, change)
            self._conn.rows(Q.LINK_TRUST_CHANGE, {"author_id": change.author_id, "id": change.id})


class _ImportTrust:
    """The trust changes one import makes (cause IMPORT): a ``_TrustLog`` per
    author ``decisions.import_watch`` picks, started before the import's
    writes, recorded after them, in its transaction."""

    def __init__(self, model: decisions.TrustModel | None, conn: _Conn, batch: ImportBatch) -> None:
        self._logs: list[_TrustLog] = []
        if model is None:
            return
        active = list(decisions.ACTIVE_CLAIMS)
        claimed: dict[str, list[str]] = {
            i: [] for i in conn.column(Q.CLAIMED_AUTHORS, {"active": active})
        }
        if claimed:
            for author_id, paper_id in conn.rows(Q.PAPER_IDS_OF_AUTHORS, {"ids": list(claimed)}):
                if paper_id is not None:
                    claimed[author_id].append(paper_id)
        watched = decisions.import_watch(batch, claimed)
        if watched:
            stored = {
                n["id"]: AUTHOR.from_props(n)
                for n in conn.column(Q.AUTHORS_BY_ID, {"ids": watched})
            }
            self._logs = [_TrustLog(model, conn, stored.get(i)) for i in watched]

    def record(self) -> None:
        at, key = utcnow(), decisions.import_event_key()
        for log in self._logs:
            log.record(TrustCause.IMPORT, at, key, refreshed=True)


class EmbeddedWrites(EmbeddedBase, SessionWrites):
    async def import_batch(self, batch: ImportBatch) -> None:
        def run(conn: _Conn) -> None:
            trust = _ImportTrust(self._trust_model, conn, batch)
            docs: list[Doc] = []
            if batch.institutions:
                firsts = {i.id: i for i in reversed(batch.institutions)}.values()
                rows = [INSTITUTION.to_props(i) for i in firsts]
                conn.rows(Q.MERGE_NEW[INSTITUTION.label], {"rows": rows})
            if batch.topics:
                firsts_t = {t.id: t for t in reversed(batch.topics)}.values()
                conn.rows(Q.MERGE_NEW[TOPIC.label], {"rows": [TOPIC.to_props(t) for t in firsts_t]})
            # Only what the import changes is written (a re-import writes nothing).
            ids = _uniq([a.id for a in batch.authors] + [p.id for p in batch.papers])
            corrected = (
                corrected_fields(
                    conn.rows(
                        Q.CORRECTED_FIELDS, {"ids": ids, "applied": CorrectionStatus.APPLIED.value}
                    )
                )
                if ids
                else {}
            )
            sources = first_sources(batch.sources)
            revisions: list[RevisionRecord] = []
            created: list[str] = []  # ids of the records this import creates
            if batch.authors:
                stored = _stored(conn, Q.EXISTING_AUTHORS, AUTHOR, batch.authors)
                authors = authors_to_write(stored, batch.authors, corrected)
                revisions += _import_revisions(conn, stored, batch.authors, corrected, sources)
                created += [a.id for a in authors if a.id not in stored]
                _upsert(conn, AUTHOR, authors)
                new_slugs = [{"slug": a.slug, "id": a.id} for a in authors if a.id not in stored]
                if new_slugs:
                    conn.rows(Q.CREATE_SLUGS, {"rows": new_slugs})
                # Every author's: its institution may have come only now.
                conn.rows(Q.MERGE_AFFILIATIONS, {"ids": _uniq(a.id for a in batch.authors)})
                docs += [doc(a) for a in authors]
            if batch.papers:
                stored_papers = _stored(conn, Q.EXISTING_PAPERS, PAPER, batch.papers)
                papers = papers_to_write(stored_papers, batch.papers, corrected)
                revisions += _import_revisions(
                    conn, stored_papers, batch.papers, corrected, sources
                )
                created += [p.id for p in papers if p.id not in stored_papers]
                _upsert(conn, PAPER, papers)
                docs += [doc(p) for p in papers]
            origins = [SOURCE.to_props(sources[i]) for i in created if i in sources]
            if origins:
                conn.rows(Q.MERGE_NEW[SOURCE.label], {"rows": origins})
            _write_revisions(conn, revisions)
            if batch.authorships:
                first_rows = {(r.author_id, r.paper_id): r for r in reversed(batch.authorships)}
                ships = [
                    {"author_id": r.author_id, "paper_id": r.paper_id, "position": r.position}
                    for r in first_rows.values()
                ]
                coauthor_weights.count_new_authorships(
                    conn, list(first_rows), lambda: conn.rows(Q.MERGE_AUTHORSHIPS, {"rows": ships})
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
            trust.record()
            # Topics keep their first name (shared_rules), in the index too.
            topic_docs = [doc(t) for t in batch.topics]
            self._search.upsert(docs, keep_existing=topic_docs)

        # An import runs as long as it needs: no write timeout.
        await self._write_indexed(run, timed=False, changes_profiles=True)

    async def create_user(self, user: UserRecord) -> UserRecord:
        def run(conn: _Conn) -> UserRecord:
            outcome = decisions.create_user(
                user,
                stored=_one(conn, USER, user.id),
                email_taken=bool(
                    conn.rows(Q.USER_BY_EMAIL_KEY, {"email_key": user.email.casefold()})
                ),
            )
            if not outcome.done:
                _insert(conn, USER, outcome.record)
            return outcome.record

        return await self._write(run)

    async def _change_user(
        self, user_id: str, decide: Callable[[UserRecord | None], decisions.Outcome[UserRecord]]
    ) -> UserRecord:
        def run(conn: _Conn) -> UserRecord:
            outcome = decide(_one(conn, USER, user_id))
            if not outcome.done:
                _upsert(conn, USER, [outcome.record])
            return outcome.record

        return await self._write(run)

    async def follow(self, user_id: str, author_id: str, at: datetime) -> None:
        params = {"user_id": user_id, "author_id": author_id}

        def run(conn: _Conn) -> None:
            found = conn.rows(Q.USER_AND_AUTHOR_EXIST, params)
            if not found or found[0][0] is None or found[0][1] is None:
                raise RuleViolation(Rule.NOT_FOUND, f"user {user_id} or author {author_id}")
            trust = _TrustLog(self._trust_model, conn, _one(conn, AUTHOR, author_id))
            conn.rows(Q.FOLLOW, {**params, "at": to_micros(at)})
            trust.record(TrustCause.FOLLOWED, at, user_id)

        await self._write(run)

    async def unfollow(self, user_id: str, author_id: str, at: datetime | None = None) -> None:
        params = {"user_id": user_id, "author_id": author_id}
        when = at or utcnow()

        def run(conn: _Conn) -> None:
            trust = _TrustLog(self._trust_model, conn, _one(conn, AUTHOR, author_id))
            conn.rows(Q.UNFOLLOW, params)
            trust.record(TrustCause.UNFOLLOWED, when, user_id)

        await self._write(run)

    async def create_claim(
        self, claim: ClaimRecord, max_pending: int = decisions.MAX_PENDING_CLAIMS
    ) -> ClaimRecord:
        # One writer at a time: no other claim commits between these reads and the insert.
        def run(conn: _Conn) -> ClaimRecord:
            verified = conn.rows(
                Q.VERIFIED_CLAIMS_OF_USER, {"user_id": claim.user_id, "except_id": ""}
            )
            facts = decisions.NewClaimFacts(
                stored=_one(conn, CLAIM, claim.id),
                author=_one(conn, AUTHOR, claim.author_id),
                user_exists=_one(conn, USER, claim.user_id) is not None,
                author_has_active_claim=bool(
                    conn.scalar(Q.OPEN_CLAIMS_ON_AUTHOR, {"author_id": claim.author_id})
                ),
                user_holds_verified=bool(verified),
                user_pending_claims=int(
                    conn.scalar(Q.PENDING_CLAIMS_OF_USER, {"user_id": claim.user_id})
                ),
            )
            outcome = decisions.create_claim(claim, facts, max_pending)
            if not outcome.done:
                trust = _TrustLog(self._trust_model, conn, facts.author)
                _insert(conn, CLAIM, outcome.record)
                status = decisions.author_status_after(outcome.record.status)
                _set_author_status(conn, claim.author_id, status)
                trust.record(
                    TrustCause.CLAIM_SUBMITTED, claim.created_at, claim.id, claim_status=status
                )
            return outcome.record

        return await self._write(run)

    async def withdraw_claim(self, claim_id: str, user_id: str, at: datetime) -> ClaimRecord:
        def run(conn: _Conn) -> ClaimRecord:
            outcome = decisions.withdraw_claim(_one(conn, CLAIM, claim_id), user_id, at)
            return _decided_claim(conn, outcome, self._trust_model, at)

        return await self._write(run)

    async def decide_claim(
        self, claim_id: str, approve: bool, note: str | None, at: datetime
    ) -> ClaimRecord:
        def run(conn: _Conn) -> ClaimRecord:
            claim = _one(conn, CLAIM, claim_id)
            verified = claim is not None and bool(
                conn.rows(
                    Q.VERIFIED_CLAIMS_OF_USER, {"user_id": claim.user_id, "except_id": claim_id}
                )
            )
            outcome = decisions.decide_claim(
                decisions.ClaimFacts(claim, verified), approve, note, at
            )
            return _decided_claim(conn, outcome, self._trust_model, at)

        return await self._write(run)

    async def create_invitation(
        self, invitation: InvitationRecord, daily_limit: int, window_start: datetime
    ) -> InvitationRecord:
        sender, recipient = invitation.sender_id, invitation.recipient_author_id

        def run(conn: _Conn) -> InvitationRecord:
            pair = {"sender_id": sender, "recipient_id": recipient}
            window = {"sender_id": sender, "since": to_micros(window_start)}
            facts = decisions.NewInvitationFacts(
                stored=_one(conn, INVITATION, invitation.id),
                sender_author_ids=tuple(
                    conn.column(Q.VERIFIED_CLAIMS_OF_USER, {"user_id": sender, "except_id": ""})
                ),
                recipient=_one(conn, AUTHOR, recipient),
                pending_pair=bool(conn.scalar(Q.PENDING_INVITATION_EXISTS, pair)),
                sent_in_window=int(conn.scalar(Q.INVITATIONS_SENT_SINCE, window) or 0),
            )
            outcome = decisions.create_invitation(invitation, facts, daily_limit)
            if not outcome.done:
                _insert(conn, INVITATION, outcome.record)
            return outcome.record

        return await self._write(run)

    async def respond_invitation(
        self, invitation_id: str, user_id: str, status: InvitationStatus, at: datetime
    ) -> InvitationRecord:
        def run(conn: _Conn) -> InvitationRecord:
            inv = _one(conn, INVITATION, invitation_id)
            claimants = (
                ()
                if inv is None
                else tuple(
                    conn.column(
                        Q.VERIFIED_CLAIMANT_OF_AUTHOR, {"author_id": inv.recipient_author_id}
                    )
                )
            )
            facts = decisions.InvitationFacts(inv, claimants)
            outcome = decisions.respond_invitation(facts, user_id, status, at)
            if not outcome.done:
                _upsert(conn, INVITATION, [outcome.record])
            return outcome.record

        return await self._write(run)

    async def set_author_settings(
        self, user_id: str, settings: decisions.AuthorSettings
    ) -> AuthorRecord:
        def run(conn: _Conn) -> AuthorRecord:
            own = conn.column(Q.VERIFIED_CLAIMS_OF_USER, {"user_id": user_id, "except_id": ""})
            author = _one(conn, AUTHOR, own[0]) if own else None
            outcome = decisions.set_author_settings(author, user_id, settings)
            if not outcome.done:
                a = outcome.record
                conn.rows(
                    Q.SET_AUTHOR_SETTINGS,
                    {
                        "id": a.id,
                        "open_to_collaborate": a.open_to_collaborate,
                        "suggestible": a.suggestible,
                    },
                )
            return outcome.record

        return await self._write(run)

    async def create_correction(self, correction: CorrectionRecord) -> CorrectionRecord:
        label = decisions.target_label(correction.target_id)

        def run(conn: _Conn) -> CorrectionRecord:
            outcome = decisions.create_correction(
                correction,
                stored=_one(conn, CORRECTION, correction.id),
                target_exists=label is not None
                and bool(conn.rows(Q.ONE[label], {"id": correction.target_id})),
            )
            if not outcome.done:
                _insert(conn, CORRECTION, outcome.record)
            return outcome.record

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
        def run(conn: _Conn) -> CorrectionRecord:
            current = _one(conn, CORRECTION, correction_id)
            target: decisions.Target | None = None
            origin, revised = None, False
            if current is not None:
                label = decisions.target_label(current.target_id)
                if label == AUTHOR.label:
                    target = _one(conn, AUTHOR, current.target_id)
                elif label == PAPER.label:
                    target = _one(conn, PAPER, current.target_id)
                if target is not None and update is not None:
                    origin = _origin(conn, target.id)
                    revised = bool(_revisions(conn, target.id, update[0]))
            facts = decisions.CorrectionFacts(current, target, origin, revised)
            outcome = decisions.decide_correction(facts, status, reviewer_id, note, at, update)
            if outcome.done:
                return outcome.record
            if isinstance(outcome.target, AuthorRecord):
                _upsert(conn, AUTHOR, [outcome.target])
            elif isinstance(outcome.target, PaperRecord):
                _upsert(conn, PAPER, [outcome.target])
            if outcome.target is not None:
                self._search.upsert([doc(outcome.target)])
            _write_revisions(conn, outcome.revisions)
            _upsert(conn, CORRECTION, [outcome.record])
            return outcome.record

        # An applied correction may change a paper's venue.
        return await self._write_indexed(run, changes_profiles=True)


def _decided_claim(
    conn: _Conn,
    outcome: decisions.Outcome[ClaimRecord],
    model: decisions.TrustModel | None,
    at: datetime,
) -> ClaimRecord:
    """Write a claim's decision and its author's status that follows from it,
    with the trust change that makes."""
    claim = outcome.record
    if not outcome.done:
        trust = _TrustLog(model, conn, _one(conn, AUTHOR, claim.author_id))
        status = decisions.author_status_after(claim.status)
        _upsert(conn, CLAIM, [claim])
        _set_author_status(conn, claim.author_id, status)
        trust.record(decisions.CLAIM_CAUSES[claim.status], at, claim.id, claim_status=status)
    return claim
