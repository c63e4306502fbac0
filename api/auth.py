"""Passwords, bearer tokens and the viewer.

Passwords: Argon2id (argon2-cffi's ``PasswordHasher``, its RFC 9106 low-memory
defaults). Tokens: JWTs signed with HS256 and the server's secret key, decoded
with that one algorithm only (never the token's own ``alg``), and carrying
``sub`` (user id), ``iat`` and ``exp`` (issue time + ``token_ttl_hours``), all
three required, and ``ver``, the user's token version when it was issued.

Revocation needs no token table: logging out, changing the password and a
suspension bump the user's ``token_version`` (one write), and a token is
valid only while its ``ver`` equals it. The check costs nothing extra: every
request already loads its viewer by the token's ``sub``. A token without
``ver`` (issued before versions existed) counts as version 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt

from api.settings import Settings
from domain.accounts import (
    CreateUserError,
    create_user_command,
    hash_password,
    new_user_id,
    spend_verify,
    verify_password,
)
from graph_store.records import UserRecord, utcnow
from graph_store.store import GraphStore

__all__ = [
    "CreateUserError",
    "bearer_token",
    "create_user_command",
    "current_viewer",
    "hash_password",
    "issue_token",
    "new_user_id",
    "session_from_authorization",
    "spend_verify",
    "user_id_from_token",
    "verify_password",
    "viewer_from_authorization",
]

ALGORITHM = "HS256"
ISSUER = "peergraph"


def issue_token(user: UserRecord, settings: Settings, now: datetime | None = None) -> str:
    issued = now or utcnow()
    claims = {
        "sub": user.id,
        "iat": issued,
        "exp": issued + timedelta(hours=settings.token_ttl_hours),
        "iss": ISSUER,
        "ver": user.token_version,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def token_claims(token: str, settings: Settings) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token naming a user; None for anything else."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return claims if isinstance(sub, str) and sub.startswith("user:") else None


def user_id_from_token(token: str, settings: Settings) -> str | None:
    """The user id a valid, unexpired token names; None for anything else."""
    claims = token_claims(token, settings)
    return None if claims is None else str(claims["sub"])


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def viewer_from_authorization(
    header: str | None, settings: Settings, store: GraphStore
) -> UserRecord | None:
    """The signed-in user for an ``Authorization: Bearer …`` header.

    A missing, malformed, badly signed or expired token, one naming a user
    who no longer exists, a revoked token (log out, password change) and a
    suspended user's token give None: the request runs anonymously, public
    reads work, and every mutation answers UNAUTHENTICATED.
    """
    session = await session_from_authorization(header, settings, store)
    return session[0] if session else None


async def session_from_authorization(
    header: str | None, settings: Settings, store: GraphStore
) -> tuple[UserRecord, float] | None:
    """The signed-in user and the token's expiry (Unix time), or None as for
    ``viewer_from_authorization``; the token is decoded once."""
    claims = token_claims(bearer_token(header) or "", settings)
    if claims is None:
        return None
    user_id = str(claims["sub"])
    user = (await store.get_users([user_id])).get(user_id)
    if user is None or not is_current(claims, user):
        return None
    return user, float(claims["exp"])


async def current_viewer(viewer: UserRecord, store: GraphStore) -> UserRecord | None:
    """``viewer`` as stored now, if the session that signed it in still holds
    (same token version, not suspended); None once it was revoked. A
    WebSocket connection signs in once and lives for hours: it asks this at
    each operation and at each private event."""
    user = (await store.get_users([viewer.id])).get(viewer.id)
    if user is None or user.suspended or user.token_version != viewer.token_version:
        return None
    return user


def is_current(claims: dict[str, Any], user: UserRecord) -> bool:
    """Whether a token with these claims still speaks for ``user``: not
    revoked since it was issued, and the account not suspended."""
    version = claims.get("ver", 0)
    return type(version) is int and version == user.token_version and not user.suspended
