"""Invitation rules that need no store: message checks, which party a user is, and
the rule → field maps. The racy rules (one pending per pair, the daily limit,
only from PENDING) are enforced inside the store's transaction."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

from domain.problems import FieldPath, Problem, text_problem
from graph_store.errors import Rule
from graph_store.records import InvitationRecord, InvitationStatus

MESSAGE_MAX = 2000
RATE_WINDOW = timedelta(hours=24)

SEND_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.SENDER_NOT_VERIFIED: None,
    Rule.NOT_FOUND: ("input", "recipientId"),
    Rule.SELF_INVITATION: ("input", "recipientId"),
    Rule.RECIPIENT_NOT_CLAIMED: ("input", "recipientId"),
    Rule.RECIPIENT_NOT_OPEN: ("input", "recipientId"),
    Rule.INVITATION_PENDING_EXISTS: ("input", "recipientId"),
    Rule.RATE_LIMITED: None,
}
RESPOND_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.NOT_FOUND: ("invitationId",),
    Rule.NOT_A_PARTY: ("invitationId",),
    Rule.INVITATION_NOT_PENDING: ("invitationId",),
}


class Party(enum.Enum):
    SENDER = "sender"
    RECIPIENT = "recipient"


# Who may move a pending invitation to which status.
ACTOR_FOR: Mapping[InvitationStatus, Party] = {
    InvitationStatus.ACCEPTED: Party.RECIPIENT,
    InvitationStatus.DECLINED: Party.RECIPIENT,
    InvitationStatus.WITHDRAWN: Party.SENDER,
}


def message_problem(message: str) -> Problem | None:
    return text_problem(message, ("input", "message"), "The message", MESSAGE_MAX)


def window_start(now: datetime) -> datetime:
    """Start of the rolling window the daily limit counts over."""
    return now - RATE_WINDOW


def party_of(
    viewer_id: str, invitation: InvitationRecord, recipient_claimant_id: str | None
) -> Party | None:
    """Which side of the invitation the viewer is on; None for anyone else
    (who must not learn it exists)."""
    if invitation.sender_id == viewer_id:
        return Party.SENDER
    if recipient_claimant_id is not None and recipient_claimant_id == viewer_id:
        return Party.RECIPIENT
    return None


def can_invite(
    *,
    viewer_author_id: str | None,
    author_id: str,
    author_claimed: bool,
    author_open: bool,
    pending_exists: bool,
    sent_in_window: int,
    daily_limit: int,
) -> bool:
    """Whether sendInvitation would succeed now (Author.viewerCanInvite)."""
    return (
        viewer_author_id is not None
        and author_claimed
        and author_open
        and author_id != viewer_author_id
        and not pending_exists
        and sent_in_window < daily_limit
    )
