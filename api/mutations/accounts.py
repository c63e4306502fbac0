"""signUp and logIn: the only mutations open to anonymous visitors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from api import auth, throttle
from api.context import Info
from api.errors import UserError
from api.hashing import HashingBusy
from api.mutations.flow import Answer, Refused, settle
from api.throttle import Limit
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


async def throttled_check(
    info: Info, account: str, check: Callable[[], Awaitable[bool]], *, per_address: bool
) -> bool:
    """Run ``check`` (one password check of the account ``account``) behind
    the login throttles, for logIn and changePassword alike: an account (and,
    ``per_address``, an address) over its failure limit is refused before any
    password is checked (the right one too); one check per account runs at a
    time in this process, the limit read again once it is ours and a failure
    counted before it is let go (so no concurrent guess passes a limit its
    predecessors filled); only failures count. ``check`` may raise Refused
    for an attempt that is no guess (nothing counted)."""
    ctx = info.context
    limits = [(Limit.LOGIN_ADDRESS, ctx.client_address)] if per_address else []
    limits.append((Limit.LOGIN_ACCOUNT, account))

    async def refuse_when_full() -> None:
        for limit, key in limits:
            refused = await ctx.throttle.exhausted(limit, key)
            if refused is not None:
                raise Refused(throttle.problem(refused))

    await refuse_when_full()
    if ctx.hashing.full:  # before the account is even looked up: a flood costs little
        raise Refused(throttle.hashing_busy())
    if not ctx.throttle.begin_check(account):
        raise Refused(throttle.concurrent_check())
    try:
        await refuse_when_full()  # a check that ended meanwhile may have filled it
        try:
            ok = await check()
        except HashingBusy:
            raise Refused(throttle.hashing_busy()) from None
        if not ok:
            for limit, key in limits:
                await ctx.throttle.count(limit, key)
        return ok
    finally:
        ctx.throttle.end_check(account)


async def throttled_login(info: Info, email: str, password: str) -> UserRecord | None:
    """The user whose password this is, or None (wrong e-mail or password),
    behind the login throttles (``throttled_check``). A success resets
    nothing: the failures age out of their windows, so a guesser cannot
    clear them by signing in to an account of their own."""
    ctx = info.context
    found: UserRecord | None = None

    async def check() -> bool:
        nonlocal found
        user = found = await ctx.store.get_user_by_email(email) if email else None
        if user is None or user.suspended:
            # As slow as a wrong password, and silent on whether it was right.
            await ctx.hashing.spend_verify()
            if user is not None:
                # Not a guess: the account's window stays as it is. But the
                # address's counts it, or a suspended e-mail would let one
                # client spend Argon2 checks for ever without meeting a limit.
                await ctx.throttle.count(Limit.LOGIN_ADDRESS, ctx.client_address)
                raise Refused(sessions.account_suspended())
            return False
        return await ctx.hashing.verify_password(user.password_hash, password)

    ok = await throttled_check(info, throttle.account_key(email), check, per_address=True)
    return found if ok else None


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
            ctx = info.context
            refused = await ctx.throttle.hit(Limit.SIGN_UP_ADDRESS, ctx.client_address)
            if refused is not None:
                raise Refused(throttle.problem(refused))
            # Argon2 is deliberately slow: off the event loop, on the bounded pool.
            try:
                password_hash = await ctx.hashing.hash_password(signup.password)
            except HashingBusy:
                raise Refused(throttle.hashing_busy()) from None
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
            user = await throttled_login(info, input.email.strip(), input.password)
            if user is None:
                raise Refused(rules.login_failed())
            return user

        return await settle(info, _session(info), check)
