"""User: a signed-up account. Public: id, displayName, claimedAuthor.
Private to the user themself: email, role, following, claims, invitations.
The user themself and moderators: the account's age and its pending claims."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from api.context import Info
from api.types.author import Author
from api.types.connection import (
    AfterArg,
    BeforeArg,
    Connection,
    FirstArg,
    KeysetLastArg,
    LastArg,
    after_arg,
    connection_from_page,
    empty_connection,
    encode_cursor,
    first_arg,
    keyset_cut,
    page_size,
    position_of,
    select_window,
    window_connection,
)
from api.types.node import Node
from domain import visibility
from graph_store.records import ClaimDecision, ClaimRecord, InvitationRecord, UserRecord, utcnow

if TYPE_CHECKING:
    from api.types.claim import Claim
    from api.types.collaboration import CollaboratorSuggestion
    from api.types.invitation import Invitation

ClaimRef = Annotated["Claim", strawberry.lazy("api.types.claim")]
InvitationRef = Annotated["Invitation", strawberry.lazy("api.types.invitation")]
SuggestionRef = Annotated["CollaboratorSuggestion", strawberry.lazy("api.types.collaboration")]


R = TypeVar("R", ClaimRecord, InvitationRecord)
T = TypeVar("T")


def _list_connection(
    rows: Sequence[R],
    convert: Callable[[R], T],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[T]:
    """A connection over a short list read whole (a user's claims or
    invitations); cursors are the items' keys, so they stay put when newer
    items arrive in front."""
    keys = [r.sort_key for r in rows]
    window = select_window(
        len(rows), first, position_of(after, keys), last, position_of(before, keys), default=20
    )
    return window_connection(
        [convert(r) for r in rows[window.start : window.end]],
        window,
        lambda i, _: encode_cursor(keys[i]),
    )


@strawberry.type(
    description="A signed-up account. Everyone sees its display name and claimed author; "
    "only the user themself sees the e-mail, the moderator flag, the follows, the claims and "
    "the invitations (others get null or empty lists); the user and moderators see when the "
    "account was created and its pending claims."
)
class User(Node):
    id: strawberry.ID = strawberry.field(description="The user's global id (user:…).")
    display_name: str = strawberry.field(
        description="The name the user chose (1-100 characters). Public."
    )
    record: strawberry.Private[UserRecord]

    @classmethod
    def from_record(cls, record: UserRecord) -> User:
        return cls(id=strawberry.ID(record.id), display_name=record.display_name, record=record)

    def _viewer_sees_private(self, info: Info) -> bool:
        return visibility.sees_private_fields(info.context.viewer, self.record)

    @strawberry.field(
        description="The e-mail address as typed at sign-up (trimmed); null unless this is "
        "the viewer."
    )
    def email(self, info: Info) -> str | None:
        return self.record.email if self._viewer_sees_private(info) else None

    @strawberry.field(
        description="Whether this user is a moderator; null unless this is the viewer."
    )
    def is_moderator(self, info: Info) -> bool | None:
        return visibility.is_moderator(self.record) if self._viewer_sees_private(info) else None

    @strawberry.field(
        description="When a moderator suspended this account; null when it is not suspended, "
        "and for anyone but moderators."
    )
    def suspended_at(self, info: Info) -> datetime | None:
        if not visibility.sees_suspension(info.context.viewer):
            return None
        return self.record.suspended_at

    @strawberry.field(
        description="The suspending moderator's reason; null when the account is not "
        "suspended, and for anyone but moderators."
    )
    def suspension_reason(self, info: Info) -> str | None:
        if not visibility.sees_suspension(info.context.viewer):
            return None
        return self.record.suspension_reason

    @strawberry.field(
        description="The author record this user holds a verified claim on (at most one); "
        "null when none. Public."
    )
    async def claimed_author(self, info: Info) -> Author | None:
        found = await info.context.loaders.verified_author_of_user.load(self.record.id)
        return Author.from_record(found) if found else None

    def _viewer_sees_standing(self, info: Info) -> bool:
        return visibility.sees_claim_standing(info.context.viewer, self.record)

    @strawberry.field(
        description="When the account was created (UTC); null unless the viewer is this user "
        "or a moderator."
    )
    def created_at(self, info: Info) -> datetime | None:
        return self.record.created_at if self._viewer_sees_standing(info) else None

    @strawberry.field(
        description="Whole seconds since the account was created, at the time of the request "
        "(a claim from an account minutes old deserves a closer look); null unless the viewer "
        "is this user or a moderator."
    )
    def account_age_seconds(self, info: Info) -> int | None:
        if not self._viewer_sees_standing(info):
            return None
        return max(0, int((utcnow() - self.record.created_at).total_seconds()))

    @strawberry.field(
        description="This user's PENDING claims, oldest first (at most the server's pending-"
        "claims cap, unless filed before it was lowered); null unless the viewer is this user "
        "or a moderator."
    )
    async def pending_claims(self, info: Info) -> list[ClaimRef] | None:
        from api.types.claim import Claim

        rows = await self._pending_claims(info)
        return None if rows is None else [Claim.from_record(c) for c in rows]

    @strawberry.field(
        description="How many PENDING claims this user holds; null unless the viewer is this "
        "user or a moderator."
    )
    async def pending_claim_count(self, info: Info) -> int | None:
        rows = await self._pending_claims(info)
        return None if rows is None else len(rows)

    async def _pending_claims(self, info: Info) -> list[ClaimRecord] | None:
        if not self._viewer_sees_standing(info):
            return None
        # The claims loader (newest first) batches the users of a page in one store call.
        rows = await info.context.loaders.claims_of_user.load(self.record.id)
        return [c for c in reversed(rows) if c.status is ClaimDecision.PENDING]

    @strawberry.field(
        description="Authors this user's claimed author has not written with, best fit "
        "first, each with the fit's reasons; never the claimed author, an existing co-author "
        "or an author who opted out of suggestions. Only public co-authorship, topics and "
        "venues feed it (never follows, invitations or claims). Null unless this is the viewer "
        "and the viewer holds a verified claim."
    )
    async def suggested_collaborators(
        self, info: Info, first: Annotated[int | None, first_arg(10, "suggestions")] = 10
    ) -> list[SuggestionRef] | None:
        from api.types.collaboration import CollaboratorSuggestion, present
        from domain.collaboration_fit import suggest

        if not self._viewer_sees_private(info):
            return None
        own = await info.context.loaders.verified_author_of_user.load(self.record.id)
        if own is None:
            return None
        reads = await info.context.fit_cache.reads(info.context.store)
        rows = await suggest(reads, own.id, page_size(first, 10))
        fits = await present(info, [f for _, f in rows])
        return [CollaboratorSuggestion(author=Author.from_record(x), fit=f)
                for (x, _), f in zip(rows, fits, strict=True)]  # fmt: skip

    @strawberry.field(
        description="Authors this user follows, by name; an empty connection unless this is "
        "the viewer."
    )
    async def following(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "authors")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[Author]:
        if not self._viewer_sees_private(info):
            return empty_connection()
        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.store.following_page(
            self.record.id, cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Author.from_record, cut.after)

    @strawberry.field(
        description="This user's claims of every status, newest first (not paged); empty "
        "unless this is the viewer."
    )
    async def claims(self, info: Info) -> list[ClaimRef]:
        from api.types.claim import Claim

        if not self._viewer_sees_private(info):
            return []
        rows = await info.context.loaders.claims_of_user.load(self.record.id)
        return [Claim.from_record(c) for c in rows]

    @strawberry.field(
        description="Invitations this user sent, of every status, newest first (not paged); "
        "empty unless this is the viewer."
    )
    async def invitations_sent(self, info: Info) -> list[InvitationRef]:
        from api.types.invitation import Invitation

        if not self._viewer_sees_private(info):
            return []
        rows = await info.context.loaders.invitations_sent.load(self.record.id)
        return [Invitation.from_record(i) for i in rows]

    @strawberry.field(
        description="Invitations to this user's claimed author, of every status, newest first "
        "(not paged); empty unless this is the viewer."
    )
    async def invitations_received(self, info: Info) -> list[InvitationRef]:
        from api.types.invitation import Invitation

        if not self._viewer_sees_private(info):
            return []
        rows = await info.context.loaders.invitations_received.load(self.record.id)
        return [Invitation.from_record(i) for i in rows]

    @strawberry.field(
        description="This user's claims as a cursor connection, newest first (an empty "
        "connection unless the viewer): first/after forward, last/before backward (1-100 "
        "each; 20 by default)."
    )
    async def claims_connection(
        self,
        info: Info,
        first: FirstArg = strawberry.UNSET,
        after: AfterArg = strawberry.UNSET,
        last: LastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[ClaimRef]:
        from api.types.claim import Claim

        if not self._viewer_sees_private(info):
            return empty_connection()
        rows = await info.context.loaders.claims_of_user.load(self.record.id)
        return _list_connection(rows, Claim.from_record, first, after, last, before)

    @strawberry.field(
        description="Invitations this user sent as a cursor connection, newest first (an "
        "empty connection unless the viewer); paging as claimsConnection."
    )
    async def invitations_sent_connection(
        self,
        info: Info,
        first: FirstArg = strawberry.UNSET,
        after: AfterArg = strawberry.UNSET,
        last: LastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[InvitationRef]:
        from api.types.invitation import Invitation

        if not self._viewer_sees_private(info):
            return empty_connection()
        rows = await info.context.loaders.invitations_sent.load(self.record.id)
        return _list_connection(rows, Invitation.from_record, first, after, last, before)

    @strawberry.field(
        description="Invitations to this user's claimed author as a cursor connection, "
        "newest first (an empty connection unless the viewer); paging as claimsConnection."
    )
    async def invitations_received_connection(
        self,
        info: Info,
        first: FirstArg = strawberry.UNSET,
        after: AfterArg = strawberry.UNSET,
        last: LastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[InvitationRef]:
        from api.types.invitation import Invitation

        if not self._viewer_sees_private(info):
            return empty_connection()
        rows = await info.context.loaders.invitations_received.load(self.record.id)
        return _list_connection(rows, Invitation.from_record, first, after, last, before)
