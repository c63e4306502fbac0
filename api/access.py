"""What the signed-in viewer may see and do, for the records a request reads:
domain/visibility.py's and domain/invitations.py's rules applied to records
loaded through the request's loaders."""

from __future__ import annotations

import asyncio

from api.context import Info
from domain import invitations as invitation_rules
from domain.visibility import can_see_invitation
from graph_store.records import AuthorRecord, ClaimStatus, InvitationRecord, utcnow

# The context.cache entry holding this request's count of invitations sent in
# the rate-limit window; a write that may change it drops it.
SENT_IN_WINDOW_KEY = "invitations_sent_in_window"


async def visible_invitation(info: Info, invitation_id: str) -> InvitationRecord | None:
    """The invitation if the viewer is one of its parties; None otherwise,
    exactly as for an id that does not exist."""
    viewer = info.context.viewer
    if viewer is None:
        return None
    loaders = info.context.loaders
    inv = await loaders.invitation.load(invitation_id)
    if inv is None:
        return None
    # The sender sees it whoever the claimant is: no lookup for them.
    claimant = (
        None
        if inv.sender_id == viewer.id
        else await loaders.verified_claimant_of_author.load(inv.recipient_author_id)
    )
    return inv if can_see_invitation(viewer, inv, claimant) else None


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
    if (
        ctx.viewer is None
        or author.claim_status != ClaimStatus.CLAIMED
        or not author.open_to_collaborate
    ):
        return False
    own = await ctx.loaders.verified_author_of_user.load(ctx.viewer.id)
    if own is None or own.id == author.id:
        return False
    pending = await ctx.loaders.viewer_has_pending_invite.load(author.id)
    return invitation_rules.can_invite(
        viewer_author_id=own.id,
        author_id=author.id,
        author_claimed=True,
        author_open=True,
        pending_exists=pending,
        sent_in_window=await invitations_sent_in_window(info),
        daily_limit=ctx.settings.invitations_per_day,
    )
