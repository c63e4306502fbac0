"""signUp and logIn: the only mutations open to anonymous visitors."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import strawberry

from api import auth
from api.context import Info
from api.errors import UserError
from api.mutations.flow import Answer, Refused, settle
from domain import accounts as rules
from domain import sessions
from graph_store.errors import Rule
from graph_store.records import Role, UserRecord, utcnow

if TYPE_CHECKING:
    from api.types.user import User

UserRef = Annotated["User", strawberry.lazy("api.types.user")]


@strawberry.input(description="A new member account.")
class SignUpInput:
    email: str = strawberry.field(
        description="An e-mail address (one @, a dot in the domain, at most 254 characters; "
        "trimmed). Unique ignoring case."
    )
    password: str = strawberry.field(
        description="10-1024 characters (Unicode code points after NFC); not a common "
        "password, not one character repeated, and not containing the e-mail's local part "
        "or the display name."
    )
    display_name: str = strawberry.field(
        description="The public name, 1-100 characters after trimming."
    )


@strawberry.input(description="The credentials of an existing account.")
class LogInInput:
    email: str = strawberry.field(
        description="The account's e-mail address; case and surrounding spaces are ignored."
    )
    password: str = strawberry.field(description="The account's password.")


@strawberry.type(description="A bearer token for `Authorization: Bearer …` and its user.")
class AuthPayload:
    token: str | None = strawberry.field(
        description="A signed JWT to send as Authorization: Bearer <token>; it expires "
        "after the server's PEERGRAPH_TOKEN_TTL_HOURS (24 by default). Null when userErrors "
        "is not empty."
    )
    user: UserRef | None = strawberry.field(
        description="The signed-in user, private fields included; null when userErrors is not "
        "empty."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


def _session(info: Info) -> Answer[UserRecord, AuthPayload]:
    """A signed-in answer: a token, and the user as the new session's viewer
    (so the payload shows its private fields)."""

    def signed_in(user: UserRecord) -> AuthPayload:
        from api.types.user import User

        token = auth.issue_token(user, info.context.settings)
        info.context.viewer = user
        return AuthPayload(token=token, user=User.from_record(user), user_errors=[])

    return Answer(
        done=signed_in, failed=lambda errors: AuthPayload(token=None, user=None, user_errors=errors)
    )


SIGN_UP_FIELDS = {Rule.EMAIL_TAKEN: ("input", "email")}


@strawberry.type
class AccountMutations:
    @strawberry.mutation(
        description="Create a member account and sign in. Open to anonymous visitors. "
        "Moderators are made only from the command line."
    )
    async def sign_up(
        self,
        info: Info,
        input: Annotated[SignUpInput, strawberry.argument(description="The new account.")],
    ) -> AuthPayload:
        async def create() -> UserRecord:
            signup, problems = rules.validate_sign_up(
                input.email, input.password, input.display_name
            )
            if signup is None:
                raise Refused(*problems)
            # Argon2 is deliberately slow: keep it off the event loop.
            password_hash = await asyncio.to_thread(auth.hash_password, signup.password)
            record = UserRecord(
                id=auth.new_user_id(),
                email=signup.email,
                display_name=signup.display_name,
                password_hash=password_hash,
                role=Role.MEMBER,
                created_at=utcnow(),
            )
            return await info.context.store.create_user(record)

        return await settle(info, _session(info), create, SIGN_UP_FIELDS)

    @strawberry.mutation(
        description="Exchange e-mail and password for a bearer token. An unknown e-mail and a "
        "wrong password get the same error; a suspended account gets FORBIDDEN whatever the "
        "password."
    )
    async def log_in(
        self,
        info: Info,
        input: Annotated[LogInInput, strawberry.argument(description="E-mail and password.")],
    ) -> AuthPayload:
        async def check() -> UserRecord:
            email = input.email.strip()
            user = await info.context.store.get_user_by_email(email) if email else None
            if user is None:
                await asyncio.to_thread(auth.spend_verify)  # as slow as a wrong password
                raise Refused(rules.login_failed())
            if user.suspended:  # as slow as any answer, and silent on the password
                await asyncio.to_thread(auth.spend_verify)
                raise Refused(sessions.account_suspended())
            ok = await asyncio.to_thread(auth.verify_password, user.password_hash, input.password)
            if not ok:
                raise Refused(rules.login_failed())
            return user

        return await settle(info, _session(info), check)
