"""Subscriptions (graphql-transport-ws on /graphql), and what mutations
publish for them once their transaction has committed (api/events.py).

An event only names what changed; each subscriber loads it with its own
viewer and fresh loaders, so it sees exactly what a query would show it now
(a stranger's subscription never sees someone else's invitation), and never
a cached copy from earlier in its connection.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Annotated

import strawberry

from api.access import visible_invitation
from api.auth import current_viewer
from api.context import Info
from api.errors import BadRequest
from api.events import (
    BrokerUnavailable,
    Event,
    SubscriberTooSlow,
    author_channel,
    user_channel,
)
from api.loaders import Loaders
from api.types.author import Author
from api.types.claim import Claim
from api.types.invitation import Invitation
from domain.problems import Code
from graph_store.records import ClaimRecord, InvitationRecord, NodeKind, UserRecord, kind_of


@strawberry.enum(description="What happened to an invitation.")
class InvitationEventKind(enum.Enum):
    RECEIVED = strawberry.enum_value(
        "RECEIVED", description="It was sent (the recipient has it; the sender sees it too)."
    )
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="The recipient accepted it.")
    DECLINED = strawberry.enum_value("DECLINED", description="The recipient declined it.")
    WITHDRAWN = strawberry.enum_value("WITHDRAWN", description="The sender withdrew it.")


@strawberry.type(description="One event of an invitation the viewer sent or received.")
class InvitationEvent:
    kind: InvitationEventKind = strawberry.field(description="What happened.")
    invitation: Invitation = strawberry.field(description="The invitation as it is now.")


@strawberry.type(description="A moderator's decision on one of the viewer's claims.")
class ClaimEvent:
    claim: Claim = strawberry.field(
        description="The claim as decided: status VERIFIED or REJECTED, with the note."
    )


log = logging.getLogger(__name__)

# --- publishing (the mutation flow, once a write has committed) -----------------------


@dataclass(frozen=True, slots=True)
class AuthorUpdated:
    """An author's public record moved: followers, trust, claim status."""

    author_id: str


@dataclass(frozen=True, slots=True)
class ClaimDecided:
    """A moderator decided a claim: its claimant hears of it."""

    claim: ClaimRecord


@dataclass(frozen=True, slots=True)
class InvitationChanged:
    """Something happened to an invitation: both parties hear of it."""

    invitation: InvitationRecord
    kind: InvitationEventKind


@dataclass(frozen=True, slots=True)
class SessionsRevoked:
    """A user's tokens were revoked (log out, password change, suspension):
    their private streams end now rather than at their next event."""

    user_id: str


LiveEvent = AuthorUpdated | ClaimDecided | InvitationChanged | SessionsRevoked


async def _publish(info: Info, channel: str, event: Event) -> None:
    # The write has committed: a broker that fails now (Redis down) costs the
    # live update, never the mutation's answer.
    try:
        await info.context.events.publish(channel, event)
    except Exception as e:
        log.warning(
            "request %s: event on %s not published: %s", info.context.request_id, channel, e
        )


async def publish(info: Info, event: LiveEvent) -> None:
    """Send ``event`` to the channels of those it concerns. It names what
    changed; each subscriber reads it with its own rights."""
    match event:
        case AuthorUpdated(author_id):
            await _publish(info, author_channel(author_id), {"type": "author"})
        case ClaimDecided(claim):
            await _publish(
                info, user_channel(claim.user_id), {"type": "claim", "claim_id": claim.id}
            )
        case InvitationChanged(inv, kind):
            # To the sender and to the recipient author's verified claimant.
            loaders = info.context.loaders
            claimant = await loaders.verified_claimant_of_author.load(inv.recipient_author_id)
            payload = {"type": "invitation", "kind": kind.value, "invitation_id": inv.id}
            for user_id in dict.fromkeys(u for u in (inv.sender_id, claimant) if u):
                await _publish(info, user_channel(user_id), payload)
        case SessionsRevoked(user_id):
            await _publish(info, user_channel(user_id), {"type": "session"})


# --- subscribing -----------------------------------------------------------------------


def _signed_in(info: Info) -> UserRecord:
    viewer = info.context.viewer
    if viewer is None:
        raise BadRequest(
            'Sign in: send {"Authorization": "Bearer <token>"} in connection_init\'s payload.',
            code=Code.UNAUTHENTICATED,
        )
    return viewer


async def _listen(info: Info, channel: str) -> AsyncGenerator[Event, None]:
    """The channel's events; a subscriber that fell behind gets a clear error,
    and a viewer's private stream ends when the token that opened it expires
    or is revoked (checked at each of its events; a revocation sends one)."""
    try:
        async for event in info.context.events.listen(channel):
            if channel.startswith("user:"):
                await _still_signed_in(info)
            yield event
    except SubscriberTooSlow as e:
        raise BadRequest(f"This subscription ended: {e}.", code="SUBSCRIBER_TOO_SLOW") from e
    except BrokerUnavailable as e:
        log.warning("request %s: %s", info.context.request_id, e)
        raise BadRequest(
            "Live events are unavailable right now; subscribe again shortly.",
            code="SERVICE_UNAVAILABLE",
        ) from e


async def _still_signed_in(info: Info) -> None:
    expires = info.context.viewer_expires_at
    if expires is not None and time.time() >= expires:
        raise BadRequest(
            "Your sign-in has expired: reconnect with a new token.", code="UNAUTHENTICATED"
        )
    viewer = info.context.viewer
    if viewer is not None and await current_viewer(viewer, info.context.store) is None:
        raise BadRequest(
            "Your sign-in was revoked (logged out, password changed or account suspended): "
            "sign in again and reconnect with the new token.",
            code="UNAUTHENTICATED",
        )


def _fresh(info: Info) -> None:
    """New loaders for this event: a connection's context lives for hours."""
    viewer = info.context.viewer
    info.context.loaders = Loaders(info.context.store, viewer.id if viewer else None)


async def _invitation_events(
    info: Info, viewer: UserRecord
) -> AsyncGenerator[InvitationEvent, None]:
    async for event in _listen(info, user_channel(viewer.id)):
        if event.get("type") != "invitation":
            continue
        _fresh(info)
        inv = await visible_invitation(info, str(event["invitation_id"]))
        if inv is not None:  # still the viewer's to see, read now
            yield InvitationEvent(
                kind=InvitationEventKind(event["kind"]), invitation=Invitation.from_record(inv)
            )


async def _claim_events(info: Info, viewer: UserRecord) -> AsyncGenerator[ClaimEvent, None]:
    async for event in _listen(info, user_channel(viewer.id)):
        if event.get("type") != "claim":
            continue
        _fresh(info)
        claim = await info.context.loaders.claim.load(str(event["claim_id"]))
        if claim is not None and claim.user_id == viewer.id:
            yield ClaimEvent(claim=Claim.from_record(claim))


async def _author_updates(info: Info, author_id: str) -> AsyncGenerator[Author, None]:
    async for _ in _listen(info, author_channel(author_id)):
        _fresh(info)
        record = await info.context.loaders.author.load(author_id)
        if record is not None:
            yield Author.from_record(record)


# The resolvers check before they return their stream: an error raised then
# is the protocol's `error` message (the subscription never starts), not a
# `next` carrying errors.
@strawberry.type(
    description="Live events over graphql-transport-ws on /graphql. Each event is sent after "
    "its write committed, and what it carries is read with the subscriber's own rights."
)
class Subscription:
    @strawberry.subscription(
        description="Every event of an invitation the signed-in viewer sent or received "
        "(as the recipient author's verified claimant), from now on. Needs a token in "
        "connection_init; without one the subscription fails with UNAUTHENTICATED."
    )
    async def invitation_events(self, info: Info) -> AsyncGenerator[InvitationEvent, None]:
        return _invitation_events(info, _signed_in(info))

    @strawberry.subscription(
        description="Moderators' decisions on the signed-in viewer's claims, from now on. "
        "Needs a token in connection_init."
    )
    async def claim_events(self, info: Info) -> AsyncGenerator[ClaimEvent, None]:
        return _claim_events(info, _signed_in(info))

    @strawberry.subscription(
        description="The author each time its public record changes: followers, trust, "
        "claim status. Public: no token needed. An id that names no author fails with "
        "NOT_FOUND."
    )
    async def author_updated(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The author's id.")],
    ) -> AsyncGenerator[Author, None]:
        author_id = str(id).strip()
        if kind_of(author_id) is not NodeKind.AUTHOR or (
            await info.context.loaders.author.load(author_id) is None
        ):
            raise BadRequest("No author has this id.", code=Code.NOT_FOUND)
        return _author_updates(info, author_id)
