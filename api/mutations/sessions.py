"""Sessions that can end: logOut and changePassword revoke every token of
the viewer; the moderators' suspendUser (and unsuspendUser) stops a member's
tokens at once and keeps them from logging in.

A token is valid while the ``ver`` it carries equals the user's stored token
version (api/auth.py); each of these writes bumps that version in one store
transaction, and publishes SessionsRevoked so the user's open private
subscriptions end now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api import auth, throttle
from api.context import Info
from api.errors import UserError
from api.hashing import HashingBusy
from api.mutations.accounts import throttled_check
from api.mutations.flow import Answer, Changed, Refused, by_id, mutate, the_viewer
from api.subscriptions import SessionsRevoked
from domain import sessions as rules
from graph_store.errors import Rule
from graph_store.records import NodeKind, UserRecord, utcnow

if TYPE_CHECKING:
    from api.types.user import User

UserRef = Annotated["User", strawberry.lazy("api.types.user")]


@strawberry.type(description="The result of logOut.")
class LogOutPayload:
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (UNAUTHENTICATED without a valid token); empty on success."
    )


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The account's password now.")
    new_password: str = strawberry.field(
        description="10-1024 characters (Unicode code points after NFC); not a common "
        "password, not one character repeated, and not containing the e-mail's local part "
        "or the display name."
    )


@strawberry.type(description="The result of changePassword.")
class ChangePasswordPayload:
    token: str | None = strawberry.field(
        description="A new bearer token for this client: every earlier token, this "
        "request's included, stopped working. Null when userErrors is not empty."
    )
    user: UserRef | None = strawberry.field(
        description="The signed-in user; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="A moderator's suspension of a member account.")
class SuspendUserInput:
    user_id: strawberry.ID = strawberry.field(
        description="The member to suspend (user:…); not yourself, not a moderator."
    )
    reason: str = strawberry.field(
        description="Why, for the other moderators (1-1000 characters after trimming)."
    )


@strawberry.type(description="The result of suspendUser and unsuspendUser.")
class SuspensionPayload:
    user: UserRef | None = strawberry.field(
        description="The account as it is now (suspendedAt, suspensionReason); null when "
        "userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (nothing was written); empty on success."
    )


def _user(record: UserRecord) -> User:
    from api.types.user import User

    return User.from_record(record)


LOG_OUT: Answer[UserRecord, LogOutPayload] = Answer(
    done=lambda _: LogOutPayload(user_errors=[]),
    failed=lambda errors: LogOutPayload(user_errors=errors),
)

SUSPENSION: Answer[UserRecord, SuspensionPayload] = Answer(
    done=lambda user: SuspensionPayload(user=_user(user), user_errors=[]),
    failed=lambda errors: SuspensionPayload(user=None, user_errors=errors),
)


def _revoked(_: UserRecord, user: UserRecord) -> Changed:
    return Changed(user_ids=[user.id], events=[SessionsRevoked(user.id)])


def _reinstated(_: UserRecord, user: UserRecord) -> Changed:
    return Changed(user_ids=[user.id])


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description="Sign out everywhere: every token of the viewer, this one included, stops "
        "working at once (HTTP requests with it are anonymous, WebSocket connections opened "
        "with it are closed or their private subscriptions end). UNAUTHENTICATED without a "
        "valid token."
    )
    async def log_out(self, info: Info) -> LogOutPayload:
        async def revoke(viewer: UserRecord, _: UserRecord) -> UserRecord:
            return await info.context.store.revoke_sessions(viewer.id)

        payload = await mutate(
            info,
            LOG_OUT,
            target=the_viewer(info),
            write=revoke,
            fields=rules.OWN_ACCOUNT_FIELDS,
            changed=_revoked,
        )
        if not payload.user_errors:
            info.context.viewer = None  # the rest of this request runs signed out
        return payload

    @strawberry.mutation(
        description="Change the viewer's password. Every earlier token stops working; the "
        "payload's token signs this client in again. A wrong current password is an "
        "INVALID_INPUT userError at input.currentPassword."
    )
    async def change_password(
        self,
        info: Info,
        input: Annotated[
            ChangePasswordInput, strawberry.argument(description="Current and new password.")
        ],
    ) -> ChangePasswordPayload:
        async def change(viewer: UserRecord, _: UserRecord) -> UserRecord:
            ctx = info.context
            current = input.current_password

            async def check() -> bool:
                return rules.could_be_password(current) and await ctx.hashing.verify_password(
                    viewer.password_hash, current
                )

            # A stolen token must not become a password oracle: the current
            # password is checked behind logIn's throttles for the account
            # (one check at a time, wrong ones counted as failed logIns).
            account = throttle.account_key(viewer.email)
            if not await throttled_check(info, account, check, per_address=False):
                raise Refused(rules.wrong_current_password())
            try:  # Argon2 is deliberately slow: on the bounded pool, off the event loop
                new_hash = await ctx.hashing.hash_password(input.new_password)
            except HashingBusy:
                raise Refused(throttle.hashing_busy()) from None
            return await ctx.store.change_password(viewer.id, viewer.password_hash, new_hash)

        def signed_in(user: UserRecord) -> ChangePasswordPayload:
            info.context.viewer = user  # the new session's viewer, as after logIn
            token = auth.issue_token(user, info.context.settings)
            return ChangePasswordPayload(token=token, user=_user(user), user_errors=[])

        return await mutate(
            info,
            Answer(
                done=signed_in,
                failed=lambda errors: ChangePasswordPayload(
                    token=None, user=None, user_errors=errors
                ),
            ),
            target=the_viewer(info),
            checks=lambda _: [rules.new_password_problem(info.context.viewer, input.new_password)],
            write=change,
            fields={**rules.OWN_ACCOUNT_FIELDS, Rule.PASSWORD_CHANGED: None},
            changed=_revoked,
        )

    @strawberry.mutation(
        description="Moderators: suspend a member account. Its tokens stop working at once, "
        "its private subscriptions end, and logIn answers FORBIDDEN until a moderator "
        "reinstates it. Not yourself (INVALID_INPUT) and not another moderator (FORBIDDEN)."
    )
    async def suspend_user(
        self,
        info: Info,
        input: Annotated[SuspendUserInput, strawberry.argument(description="Who and why.")],
    ) -> SuspensionPayload:
        reason = input.reason

        async def suspend(viewer: UserRecord, user_id: str) -> UserRecord:
            return await info.context.store.suspend_user(
                user_id, viewer.id, rules.clean_reason(reason), utcnow()
            )

        return await mutate(
            info,
            SUSPENSION,
            moderators_only=rules.MODERATORS_ONLY,
            target=by_id(input.user_id, NodeKind.USER),
            checks=[rules.reason_problem(reason)],
            write=suspend,
            fields=rules.SUSPEND_FIELDS,
            changed=_revoked,
        )

    @strawberry.mutation(
        description="Moderators: lift a suspension; the account may log in again (the tokens "
        "revoked by the suspension stay revoked). An account that is not suspended is "
        "answered unchanged."
    )
    async def unsuspend_user(
        self,
        info: Info,
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="The suspended account (user:…).")
        ],
    ) -> SuspensionPayload:
        async def reinstate(viewer: UserRecord, user_id: str) -> UserRecord:
            return await info.context.store.unsuspend_user(user_id)

        return await mutate(
            info,
            SUSPENSION,
            moderators_only=rules.MODERATORS_ONLY,
            target=by_id(user_id, NodeKind.USER),
            write=reinstate,
            fields=rules.UNSUSPEND_FIELDS,
            changed=_reinstated,
        )
