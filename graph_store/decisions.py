"""The rule decisions of the conditional writes, written once for both backends.

A backend reads the facts a decision needs inside its write transaction (the
Neo4j backend after taking its locks, in ``LOCK_ORDER``), calls the function
here, and writes what it returns. The function checks the rules in the order
``store.py`` documents and raises ``RuleViolation`` when one is broken; the
backend then writes nothing (its transaction rolls back).

Every decision answers an ``Outcome``: the record to store and answer, or,
when an earlier attempt of the very same request already stored it (a
create with the same id and origin, a decision with the same outcome at the
same request time: a retry after a lost commit acknowledgement), that
stored record with ``done`` set, and nothing is to be written.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Generic, Protocol, TypeVar

from graph_store.errors import Rule, RuleViolation, StoreError
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
    NodeKind,
    RevisionRecord,
    Role,
    SourceRecord,
    TrustCause,
    TrustChangeRecord,
    UserRecord,
    kind_of,
    to_micros,
)
from graph_store.shared_rules import TRACKED, correction_revisions, replayed_create
from graph_store.shared_rules import Target as Target

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    record: T  # what the store answers, and writes unless ``done``
    # Write nothing: an earlier attempt of this request wrote it, or it changes nothing.
    done: bool = False


def _same_decision(status: str, decided_at: datetime | None, wanted: str, at: datetime) -> bool:
    """This very decision, committed by an earlier attempt of the request
    (same outcome at the same request time): answer it, not a rule."""
    return status == wanted and decided_at is not None and to_micros(decided_at) == to_micros(at)


# --- accounts -------------------------------------------------------------------------


def create_user(
    user: UserRecord, *, stored: UserRecord | None, email_taken: bool
) -> Outcome[UserRecord]:
    """``stored``: the user stored under ``user.id``; ``email_taken``: a user
    with ``user.email.casefold()`` exists."""
    if (done := replayed_create(stored, user)) is not None:
        return Outcome(done, done=True)
    if email_taken:
        raise RuleViolation(Rule.EMAIL_TAKEN, user.email)
    return Outcome(user)


def revoke_sessions(user: UserRecord | None, user_id: str) -> Outcome[UserRecord]:
    """The user with every token issued so far revoked (log out everywhere).
    Rule NOT_FOUND. A retried attempt bumps the version once more, which
    revokes nothing the first did not."""
    if user is None:
        raise RuleViolation(Rule.NOT_FOUND, f"user {user_id}")
    return Outcome(replace(user, token_version=user.token_version + 1))


def change_password(
    user: UserRecord | None, user_id: str, checked_hash: str, new_hash: str
) -> Outcome[UserRecord]:
    """The user with ``new_hash`` and every earlier token revoked.
    ``checked_hash`` is the hash the current password was verified against:
    if the stored one differs, the password changed meanwhile (rule
    PASSWORD_CHANGED), unless it is ``new_hash`` itself (salted, so only an
    earlier attempt of this very request stored it). Rule NOT_FOUND."""
    if user is None:
        raise RuleViolation(Rule.NOT_FOUND, f"user {user_id}")
    if user.password_hash == new_hash:
        return Outcome(user, done=True)
    if user.password_hash != checked_hash:
        raise RuleViolation(Rule.PASSWORD_CHANGED, user_id)
    return Outcome(replace(user, password_hash=new_hash, token_version=user.token_version + 1))


def suspend_user(
    user: UserRecord | None, user_id: str, moderator_id: str, reason: str, at: datetime
) -> Outcome[UserRecord]:
    """The user suspended, every token revoked. Rules, in order: NOT_FOUND,
    SELF_SUSPENSION, TARGET_IS_MODERATOR (a moderator account is the
    operator's to manage), ALREADY_SUSPENDED."""
    if user is None:
        raise RuleViolation(Rule.NOT_FOUND, f"user {user_id}")
    if user.id == moderator_id:
        raise RuleViolation(Rule.SELF_SUSPENSION, user_id)
    if user.role is Role.MODERATOR:
        raise RuleViolation(Rule.TARGET_IS_MODERATOR, user_id)
    if user.suspended_at is not None:
        if user.suspended_by == moderator_id and to_micros(user.suspended_at) == to_micros(at):
            return Outcome(user, done=True)  # this very request, retried
        raise RuleViolation(Rule.ALREADY_SUSPENDED, user_id)
    return Outcome(
        replace(
            user,
            token_version=user.token_version + 1,
            suspended_at=at,
            suspended_by=moderator_id,
            suspension_reason=reason,
        )
    )


def unsuspend_user(user: UserRecord | None, user_id: str) -> Outcome[UserRecord]:
    """The user reinstated: they may log in again (their old tokens stay
    revoked). Reinstating an account that is not suspended changes nothing.
    Rule NOT_FOUND."""
    if user is None:
        raise RuleViolation(Rule.NOT_FOUND, f"user {user_id}")
    if user.suspended_at is None:
        return Outcome(user, done=True)
    return Outcome(replace(user, suspended_at=None, suspended_by=None, suspension_reason=None))


# --- claims ---------------------------------------------------------------------------


def author_status_after(decision: ClaimDecision) -> ClaimStatus:
    """The status a claim's author takes when the claim becomes ``decision``."""
    return {
        ClaimDecision.PENDING: ClaimStatus.PENDING,
        ClaimDecision.VERIFIED: ClaimStatus.CLAIMED,
    }.get(decision, ClaimStatus.UNCLAIMED)


# The product's pending-claims cap unless the server sets another
# (PEERGRAPH_MAX_PENDING_CLAIMS): one account cannot hold many authors
# hostage while their real researchers wait for a moderator.
MAX_PENDING_CLAIMS: Final = 2


@dataclass(frozen=True, slots=True)
class NewClaimFacts:
    stored: ClaimRecord | None  # the claim stored under the new claim's id, if any
    author: AuthorRecord | None  # the claimed author; None: no such author
    user_exists: bool
    author_has_active_claim: bool  # a PENDING or VERIFIED claim on the author exists
    user_holds_verified: bool  # the user holds a VERIFIED claim
    user_pending_claims: int  # PENDING claims the user holds (on any author)


def create_claim(
    claim: ClaimRecord, facts: NewClaimFacts, max_pending: int = MAX_PENDING_CLAIMS
) -> Outcome[ClaimRecord]:
    """A new PENDING claim (its author becomes ``author_status_after(PENDING)``).
    Rules: NOT_FOUND (author, then user), AUTHOR_ALREADY_CLAIMED,
    USER_ALREADY_VERIFIED, PENDING_CLAIMS_LIMIT (the user already holds
    ``max_pending`` PENDING claims; verified, rejected and withdrawn ones do
    not count)."""
    if (done := replayed_create(facts.stored, claim)) is not None:
        return Outcome(done, done=True)
    if facts.author is None:
        raise RuleViolation(Rule.NOT_FOUND, f"author {claim.author_id}")
    if not facts.user_exists:
        raise RuleViolation(Rule.NOT_FOUND, f"user {claim.user_id}")
    if facts.author_has_active_claim or facts.author.claim_status is not ClaimStatus.UNCLAIMED:
        raise RuleViolation(Rule.AUTHOR_ALREADY_CLAIMED, claim.author_id)
    if facts.user_holds_verified:
        raise RuleViolation(Rule.USER_ALREADY_VERIFIED, claim.user_id)
    if facts.user_pending_claims >= max_pending:
        raise RuleViolation(Rule.PENDING_CLAIMS_LIMIT, f"{max_pending} pending claims")
    return Outcome(
        ClaimRecord(
            id=claim.id,
            author_id=claim.author_id,
            user_id=claim.user_id,
            status=ClaimDecision.PENDING,
            evidence=claim.evidence,
            created_at=claim.created_at,
        )
    )


def withdraw_claim(claim: ClaimRecord | None, user_id: str, at: datetime) -> Outcome[ClaimRecord]:
    """PENDING → WITHDRAWN by the claimant. Rules: NOT_FOUND, NOT_CLAIMANT,
    CLAIM_NOT_PENDING."""
    if claim is None:
        raise RuleViolation(Rule.NOT_FOUND, "claim")
    if claim.user_id != user_id:
        raise RuleViolation(Rule.NOT_CLAIMANT, claim.id)
    wanted = ClaimDecision.WITHDRAWN
    if _same_decision(claim.status, claim.decided_at, wanted, at):
        return Outcome(claim, done=True)
    if claim.status is not ClaimDecision.PENDING:
        raise RuleViolation(Rule.CLAIM_NOT_PENDING, claim.status.value)
    return Outcome(replace(claim, status=wanted, decided_at=at))


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    claim: ClaimRecord | None  # None: no such claim
    # The claimant holds a VERIFIED claim (this one is still PENDING when it counts).
    user_holds_verified: bool


def decide_claim(
    facts: ClaimFacts, approve: bool, note: str | None, at: datetime
) -> Outcome[ClaimRecord]:
    """PENDING → VERIFIED or REJECTED by a moderator; a note given replaces the
    claim's. Rules: NOT_FOUND, CLAIM_NOT_PENDING, USER_ALREADY_VERIFIED
    (approving only)."""
    claim = facts.claim
    if claim is None:
        raise RuleViolation(Rule.NOT_FOUND, "claim")
    wanted = ClaimDecision.VERIFIED if approve else ClaimDecision.REJECTED
    if _same_decision(claim.status, claim.decided_at, wanted, at):
        return Outcome(claim, done=True)
    if claim.status is not ClaimDecision.PENDING:
        raise RuleViolation(Rule.CLAIM_NOT_PENDING, claim.status.value)
    if approve and facts.user_holds_verified:
        raise RuleViolation(Rule.USER_ALREADY_VERIFIED, claim.user_id)
    return Outcome(
        replace(claim, status=wanted, decided_at=at, note=note if note is not None else claim.note)
    )


# --- invitations ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewInvitationFacts:
    stored: InvitationRecord | None  # the invitation stored under the new one's id, if any
    # Authors the sender holds a VERIFIED claim on, oldest claim first.
    sender_author_ids: tuple[str, ...]
    recipient: AuthorRecord | None  # None: no such author
    pending_pair: bool  # a PENDING invitation from this sender to this recipient exists
    sent_in_window: int  # invitations by this sender created at or after the window start


def create_invitation(
    invitation: InvitationRecord, facts: NewInvitationFacts, daily_limit: int
) -> Outcome[InvitationRecord]:
    """A new PENDING invitation from the sender's verified author. Rules, in
    this order: SENDER_NOT_VERIFIED, NOT_FOUND (recipient), SELF_INVITATION,
    RECIPIENT_NOT_CLAIMED, RECIPIENT_NOT_OPEN, INVITATION_PENDING_EXISTS,
    RATE_LIMITED."""
    if (done := replayed_create(facts.stored, invitation)) is not None:
        return Outcome(done, done=True)
    recipient_id = invitation.recipient_author_id
    if not facts.sender_author_ids:
        raise RuleViolation(Rule.SENDER_NOT_VERIFIED, invitation.sender_id)
    if facts.recipient is None:
        raise RuleViolation(Rule.NOT_FOUND, f"author {recipient_id}")
    if recipient_id in facts.sender_author_ids:
        raise RuleViolation(Rule.SELF_INVITATION, recipient_id)
    if facts.recipient.claim_status is not ClaimStatus.CLAIMED:
        raise RuleViolation(Rule.RECIPIENT_NOT_CLAIMED, recipient_id)
    if not facts.recipient.open_to_collaborate:
        raise RuleViolation(Rule.RECIPIENT_NOT_OPEN, recipient_id)
    if facts.pending_pair:
        raise RuleViolation(Rule.INVITATION_PENDING_EXISTS, recipient_id)
    if facts.sent_in_window >= daily_limit:
        raise RuleViolation(Rule.RATE_LIMITED, f"{daily_limit} invitations per window")
    return Outcome(
        replace(
            invitation,
            sender_author_id=facts.sender_author_ids[0],
            status=InvitationStatus.PENDING,
            responded_at=None,
        )
    )


@dataclass(frozen=True, slots=True)
class InvitationFacts:
    invitation: InvitationRecord | None  # None: no such invitation
    # Users holding a VERIFIED claim on the invitation's recipient author.
    recipient_claimant_ids: tuple[str, ...]


def respond_invitation(
    facts: InvitationFacts, user_id: str, status: InvitationStatus, at: datetime
) -> Outcome[InvitationRecord]:
    """ACCEPTED/DECLINED by the recipient author's verified claimant, WITHDRAWN
    by the sender; only from PENDING. Rules: NOT_FOUND, NOT_A_PARTY,
    INVITATION_NOT_PENDING."""
    if status is InvitationStatus.PENDING:
        raise StoreError("an invitation cannot be responded to with PENDING")
    inv = facts.invitation
    if inv is None:
        raise RuleViolation(Rule.NOT_FOUND, "invitation")
    if status is InvitationStatus.WITHDRAWN:
        is_party = user_id == inv.sender_id
    else:
        is_party = user_id in facts.recipient_claimant_ids
    if not is_party:
        raise RuleViolation(Rule.NOT_A_PARTY, inv.id)
    if _same_decision(inv.status, inv.responded_at, status, at):
        return Outcome(inv, done=True)
    if inv.status is not InvitationStatus.PENDING:
        raise RuleViolation(Rule.INVITATION_NOT_PENDING, inv.status.value)
    return Outcome(replace(inv, status=status, responded_at=at))


# --- the claimant's own settings of their author ----------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorSettings:
    """What the verified claimant changes on their author; None leaves a field as it is."""

    open_to_collaborate: bool | None = None
    suggestible: bool | None = None


def set_author_settings(
    own_author: AuthorRecord | None, user_id: str, settings: AuthorSettings
) -> Outcome[AuthorRecord]:
    """``own_author``: the author ``user_id`` holds a VERIFIED claim on, read
    in the write's transaction. Rule NO_VERIFIED_AUTHOR when there is none.
    Setting a value the author already has writes nothing (``done``)."""
    if own_author is None:
        raise RuleViolation(Rule.NO_VERIFIED_AUTHOR, user_id)
    changed = replace(
        own_author,
        open_to_collaborate=own_author.open_to_collaborate
        if settings.open_to_collaborate is None
        else settings.open_to_collaborate,
        suggestible=own_author.suggestible
        if settings.suggestible is None
        else settings.suggestible,
    )
    return Outcome(changed, done=changed == own_author)


# --- trust-score history -------------------------------------------------------------


class TrustModel(Protocol):
    """The trust model's scoring function (domain/trust.py implements it). A
    store given one records every score change an event makes, inside the
    event's transaction."""

    @property
    def version(self) -> str: ...

    def score(self, author: AuthorRecord, stats: AuthorStatsRecord) -> int: ...


Scored = tuple[AuthorRecord, AuthorStatsRecord]  # an author and its counts, read in the write


def trust_change(
    model: TrustModel,
    before: Scored | None,
    after: Scored | None,
    cause: TrustCause,
    at: datetime,
    event_key: str,
) -> TrustChangeRecord | None:
    """The change to record when an event took the author from ``before`` to
    ``after`` (both read in the event's transaction); None when the score did
    not move (or the author does not exist). ``event_key`` names the event
    (the follower, the claim), so two events at one instant get two ids."""
    if before is None or after is None:
        return None
    old, new = model.score(*before), model.score(*after)
    if old == new:
        return None
    author_id = after[0].id
    return TrustChangeRecord(
        id=f"trust:{author_id}|{to_micros(at)}|{cause.value}|{event_key}",
        author_id=author_id,
        at=at,
        old_score=old,
        new_score=new,
        cause=cause,
        model_version=model.version,
    )


# Imports record score changes only for authors holding a claim (pending or
# verified; README, "Trust-score history"): an import may touch millions of
# authors, and only a claimant ever reads an author's history. The same fact
# on both sides of a claim: its decision, and the status it gives the author.
ACTIVE_CLAIMS: Final = (ClaimDecision.PENDING.value, ClaimDecision.VERIFIED.value)


def holds_claim(author: AuthorRecord) -> bool:
    """Whether the author has a pending or verified claim (``ACTIVE_CLAIMS``)."""
    return author.claim_status != ClaimStatus.UNCLAIMED


def import_watch(batch: ImportBatch, claimed: Mapping[str, Collection[str]]) -> list[str]:
    """The authors whose score change an import records, sorted: of the
    authors holding a claim (``claimed`` maps each to the ids of its papers,
    read in the import's transaction), those the batch names (their own row,
    an authorship of theirs: works, printed figures) and those one of whose
    papers the batch gives an authorship (a co-author, maybe a new one)."""
    if not claimed:
        return []
    named = {a.id for a in batch.authors} | {w.author_id for w in batch.authorships}
    papers = {w.paper_id for w in batch.authorships}
    return sorted(
        author_id
        for author_id, own in claimed.items()
        if author_id in named or not papers.isdisjoint(own)
    )


def import_event_key() -> str:
    """Names one import in the ids of its trust changes: an import has no id
    of its own, and two at one instant must not share one."""
    return uuid.uuid4().hex


CLAIM_CAUSES: Final[Mapping[ClaimDecision, TrustCause]] = {
    ClaimDecision.PENDING: TrustCause.CLAIM_SUBMITTED,
    ClaimDecision.WITHDRAWN: TrustCause.CLAIM_WITHDRAWN,
    ClaimDecision.VERIFIED: TrustCause.CLAIM_VERIFIED,
    ClaimDecision.REJECTED: TrustCause.CLAIM_REJECTED,
}


# --- corrections ----------------------------------------------------------------------


# The properties a correction may set, per target kind (the API maps its
# field names onto these: domain/corrections.py); each keeps its history.
CORRECTABLE: Final[Mapping[NodeKind, tuple[str, ...]]] = TRACKED

# The node label of each kind of correction target.
TARGET_LABELS: Final[Mapping[NodeKind, str]] = {NodeKind.AUTHOR: "Author", NodeKind.PAPER: "Paper"}


def target_label(target_id: str) -> str | None:
    """The label of a correction target's node; None for an id of another kind."""
    kind = kind_of(target_id)
    return None if kind is None else TARGET_LABELS.get(kind)


def create_correction(
    correction: CorrectionRecord, *, stored: CorrectionRecord | None, target_exists: bool
) -> Outcome[CorrectionRecord]:
    """Rule NOT_FOUND when the target is not an existing author or paper."""
    if (done := replayed_create(stored, correction)) is not None:
        return Outcome(done, done=True)
    if not target_exists:
        raise RuleViolation(Rule.NOT_FOUND, f"author or paper {correction.target_id}")
    return Outcome(correction)


def corrected(target: Target, prop: str, value: str | int | None) -> Target:
    """The target with one correctable property set; derived keys follow
    from the mapping. StoreError for a property or value the store refuses."""
    if isinstance(target, AuthorRecord):
        if prop == "name" and isinstance(value, str) and value.strip():
            return replace(target, name=value)
        raise StoreError(f"cannot set author {prop!r} to {value!r}")
    if prop == "title" and isinstance(value, str) and value.strip():
        return replace(target, title=value)
    if prop == "year":
        if value is None or isinstance(value, int):
            return replace(target, year=value)
        if value.strip().isdigit():
            return replace(target, year=int(value))
    elif value is None or isinstance(value, str):
        if prop == "venue":
            return replace(target, venue=value)
        if prop == "abstract":
            return replace(target, abstract=value)
        if prop == "code_url":
            return replace(target, code_url=value)
    raise StoreError(f"cannot set paper {prop!r} to {value!r}")


@dataclass(frozen=True, slots=True)
class CorrectionFacts:
    correction: CorrectionRecord | None  # None: no such correction
    target: Target | None  # the correction's target; None: it does not exist
    origin: SourceRecord | None = None  # the target's origin, if recorded
    revised: bool = False  # the updated field of the target has revisions already


@dataclass(frozen=True, slots=True)
class CorrectionOutcome:
    record: CorrectionRecord  # what the store answers, and writes unless ``done``
    target: Target | None = None  # the corrected target to write, if any
    # Write nothing: an earlier attempt of this request wrote it, or it changes nothing.
    done: bool = False
    revisions: tuple[RevisionRecord, ...] = ()  # to append (shared_rules.correction_revisions)


def decide_correction(
    facts: CorrectionFacts,
    status: CorrectionStatus,
    reviewer_id: str,
    note: str | None,
    at: datetime,
    update: tuple[str, str | int | None] | None,
) -> CorrectionOutcome:
    """OPEN → APPLIED (the target gets ``update``) or REJECTED. Rules:
    NOT_FOUND (the correction, then the target of an update),
    CORRECTION_NOT_OPEN."""
    if status is CorrectionStatus.OPEN:
        raise StoreError("a correction is decided as APPLIED or REJECTED, not OPEN")
    current = facts.correction
    if current is None:
        raise RuleViolation(Rule.NOT_FOUND, "correction")
    if _same_decision(current.status, current.reviewed_at, status, at):
        return CorrectionOutcome(current, done=True)
    if current.status is not CorrectionStatus.OPEN:
        raise RuleViolation(Rule.CORRECTION_NOT_OPEN, current.status.value)
    target = None
    revisions: tuple[RevisionRecord, ...] = ()
    if status is CorrectionStatus.APPLIED and update is not None:
        if facts.target is None:
            raise RuleViolation(Rule.NOT_FOUND, f"author or paper {current.target_id}")
        target = corrected(facts.target, *update)
        revisions = tuple(
            correction_revisions(current, facts.target, update, at, facts.origin, facts.revised)
        )
    decided = replace(current, status=status, reviewed_by=reviewer_id, reviewed_at=at, note=note)
    return CorrectionOutcome(decided, target, revisions=revisions)
