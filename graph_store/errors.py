"""The store's one error root. Driver and engine errors are re-raised from it."""

from __future__ import annotations

import enum


class StoreError(Exception):
    """An unexpected failure inside a backend (a bug or a broken database)."""


class StoreUnavailable(StoreError):
    """The database cannot be reached (down, timed out, out of connections)."""


class StoreLocked(StoreUnavailable):
    """The embedded database is held by another process (LadybugDB allows one
    per database): a running server, or another command."""


class StoreDegraded(StoreUnavailable):
    """The store refuses writes for a reason it can state, and says so at
    /readyz (its message names no path or driver detail): the disk is nearly
    full, a disk I/O error, a write past its deadline. Reads go on."""


class Rule(enum.StrEnum):
    """A product rule a conditional write found broken; nothing was written.

    The store checks these inside the write's own transaction, so two
    concurrent requests cannot both pass them.
    """

    NOT_FOUND = "NOT_FOUND"  # a node the write needs does not exist
    EMAIL_TAKEN = "EMAIL_TAKEN"
    AUTHOR_ALREADY_CLAIMED = "AUTHOR_ALREADY_CLAIMED"  # pending or verified claim exists
    USER_ALREADY_VERIFIED = "USER_ALREADY_VERIFIED"  # user holds a verified author
    PENDING_CLAIMS_LIMIT = "PENDING_CLAIMS_LIMIT"  # user holds the most pending claims allowed
    CLAIM_NOT_PENDING = "CLAIM_NOT_PENDING"
    NOT_CLAIMANT = "NOT_CLAIMANT"
    SENDER_NOT_VERIFIED = "SENDER_NOT_VERIFIED"
    RECIPIENT_NOT_CLAIMED = "RECIPIENT_NOT_CLAIMED"
    RECIPIENT_NOT_OPEN = "RECIPIENT_NOT_OPEN"  # the author is not open to collaborate
    NO_VERIFIED_AUTHOR = "NO_VERIFIED_AUTHOR"  # the user holds no verified author
    SELF_INVITATION = "SELF_INVITATION"
    INVITATION_PENDING_EXISTS = "INVITATION_PENDING_EXISTS"
    RATE_LIMITED = "RATE_LIMITED"
    INVITATION_NOT_PENDING = "INVITATION_NOT_PENDING"
    NOT_A_PARTY = "NOT_A_PARTY"  # the user may not act on this invitation
    CORRECTION_NOT_OPEN = "CORRECTION_NOT_OPEN"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"  # the hash is no longer the one checked
    SELF_SUSPENSION = "SELF_SUSPENSION"
    TARGET_IS_MODERATOR = "TARGET_IS_MODERATOR"  # moderators do not suspend moderators
    ALREADY_SUSPENDED = "ALREADY_SUSPENDED"


class RuleViolation(StoreError):
    def __init__(self, rule: Rule, detail: str = "") -> None:
        super().__init__(f"{rule.value}: {detail}" if detail else rule.value)
        self.rule = rule
        self.detail = detail
