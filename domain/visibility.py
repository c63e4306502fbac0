"""Who may see what, as plain rules over records (no I/O).

Every read path applies the same rules (Query.node, the User fields,
mutations, subscriptions): what the viewer may not see answers as if it did
not exist, so a stranger cannot tell a hidden record from a missing one.
"""

from __future__ import annotations

from domain.invitations import party_of
from graph_store.records import (
    ClaimDecision,
    ClaimRecord,
    CorrectionRecord,
    InvitationRecord,
    Role,
    UserRecord,
)


def is_moderator(user: UserRecord | None) -> bool:
    return user is not None and user.role == Role.MODERATOR


def sees_private_fields(viewer: UserRecord | None, user: UserRecord) -> bool:
    """A user's e-mail, role, follows, claims and invitations are theirs alone."""
    return viewer is not None and viewer.id == user.id


def sees_claim_standing(viewer: UserRecord | None, user: UserRecord) -> bool:
    """When an account was made and its pending claims: the user themself, and
    moderators, who weigh them when they review its claims."""
    return sees_private_fields(viewer, user) or is_moderator(viewer)


def sees_suspension(viewer: UserRecord | None) -> bool:
    """Whether and why an account is suspended is the moderators' business
    (a suspended user is never a viewer)."""
    return is_moderator(viewer)


def can_see_claim(viewer: UserRecord | None, claim: ClaimRecord) -> bool:
    """A claim (with its evidence) is seen by its claimant and by moderators."""
    return viewer is not None and (viewer.id == claim.user_id or is_moderator(viewer))


def can_see_invitation(
    viewer: UserRecord | None, invitation: InvitationRecord, recipient_claimant_id: str | None
) -> bool:
    """An invitation is seen by its two parties only: the sender, and the
    recipient author's verified claimant (``recipient_claimant_id``)."""
    return viewer is not None and party_of(viewer.id, invitation, recipient_claimant_id) is not None


def can_see_correction(viewer: UserRecord | None, correction: CorrectionRecord) -> bool:
    """A correction is seen by the user who suggested it and by moderators."""
    return viewer is not None and (viewer.id == correction.created_by or is_moderator(viewer))


def is_claimant_of(author_id: str, viewer_claims: list[ClaimRecord]) -> bool:
    """Whether one of the viewer's claims on the author is pending or verified:
    the author's trust next steps are for that claimant alone."""
    live = (ClaimDecision.PENDING, ClaimDecision.VERIFIED)
    return any(c.author_id == author_id and c.status in live for c in viewer_claims)
