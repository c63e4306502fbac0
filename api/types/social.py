"""Hooks from the read-side types into the social layer (users, claims,
invitations, corrections). Owned by the write side; see api/mutations/."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from domain import claims as claim_rules
from domain import invitations as invitation_rules
from graph_store.records import (
    AuthorRecord,
    ClaimStatus,
    CorrectionRecord,
    InvitationRecord,
    NodeKind,
    UserRecord,
    utcnow,
)

if TYPE_CHECKING:
    from api.context import Info

SENT_IN_WINDOW_KEY = "invitations_sent_in_window"


async def visible_invitation(info: Info, invitation_id: str) -> InvitationRecord | None:
    """The invitation if the viewer is one of its parties; None otherwise,
    exactly as for an id that does not exist."""
    viewer = info.context.viewer
    if viewer is None:
        return None
    inv = await info.context.loaders.invitation.load(invitation_id)
    if inv is None:
        return None
    if inv.sender_id == viewer.id:
        return inv
    claimant = await info.context.loaders.verified_claimant_of_author.load(inv.recipient_author_id)
    return inv if claimant == viewer.id else None


def can_see_correction(viewer: UserRecord | None, correction: CorrectionRecord) -> bool:
    if viewer is None:
        return False
    return viewer.id == correction.created_by or claim_rules.is_moderator(viewer)


async def load_social_node(info: Info, kind: NodeKind, node_id: str) -> object | None:
    """The GraphQL object for a USER/CLAIM/INVITATION/CORRECTION id, or None
    when it does not exist or the viewer may not see it."""
    loaders = info.context.loaders
    viewer = info.context.viewer
    if kind is NodeKind.USER:
        from api.types.user import User

        user = await loaders.user.load(node_id)
        return User.from_record(user) if user else None
    if kind is NodeKind.CLAIM:
        from api.types.claim import Claim

        claim = await loaders.claim.load(node_id)
        if claim is None or not claim_rules.can_see_claim(viewer, claim):
            return None
        return Claim.from_record(claim)
    if kind is NodeKind.INVITATION:
        from api.types.invitation import Invitation

        inv = await visible_invitation(info, node_id)
        return Invitation.from_record(inv) if inv else None
    if kind is NodeKind.CORRECTION:
        from api.types.correction import Correction

        corr = await loaders.correction.load(node_id)
        if corr is None or not can_see_correction(viewer, corr):
            return None
        return Correction.from_record(corr)
    return None


async def invitations_sent_in_window(info: Info) -> int:
    """How many invitations the viewer sent in the rate-limit window: one
    store call per request, shared by every author resolved in it."""
    ctx = info.context
    if ctx.viewer is None:
        return 0
    pending = ctx.cache.get(SENT_IN_WINDOW_KEY)
    if not isinstance(pending, asyncio.Future):
        pending = asyncio.ensure_future(
            ctx.store.count_invitations_since(
                ctx.viewer.id, invitation_rules.window_start(utcnow())
            )
        )
        ctx.cache[SENT_IN_WINDOW_KEY] = pending
    count: int = await asyncio.shield(pending)
    return count


async def viewer_can_invite(info: Info, author: AuthorRecord) -> bool:
    """Whether the viewer could send an invitation to this author now."""
    ctx = info.context
    if ctx.viewer is None or author.claim_status != ClaimStatus.CLAIMED:
        return False
    own = await ctx.loaders.verified_author_of_user.load(ctx.viewer.id)
    if own is None or own.id == author.id:
        return False
    pending = await ctx.loaders.viewer_has_pending_invite.load(author.id)
    return invitation_rules.can_invite(
        viewer_author_id=own.id,
        author_id=author.id,
        author_claimed=True,
        pending_exists=pending,
        sent_in_window=await invitations_sent_in_window(info),
        daily_limit=ctx.settings.invitations_per_day,
    )
