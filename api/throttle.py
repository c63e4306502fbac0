"""Abuse throttles on the `limits` library: who may try what how often.

Every limit is a *moving window* (limits' ``MovingWindowRateLimiter``): "10
per 15 minutes" means at most 10 in any 15 minutes, never 20 across a window
boundary as a fixed window allows. A limit may have several windows
(``10/15 minutes;50/day``): all must have room. Counts live in this process,
or in Redis (``PEERGRAPH_REDIS_URL``, through redis-py's asyncio client) so
that every server process shares them. Redis being away lets the request
through with a logged warning: a throttle outage must not become an API
outage.

Two ways to use a limit:

- ``hit``: count one attempt, refused when the limit is full (sign-ups,
  claims, corrections, invitations: every attempt that passed input checks);
- ``exhausted`` then ``count``: check first, count only what failed (logIn
  failures, so that signing in is never limited by one's own successes).

A refusal carries the seconds until the window has room again.
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
)
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from strawberry.extensions import SchemaExtension

from api.errors import RequestRefused
from api.settings import RATE_LIMIT_VARIABLES, Settings, rate_limits
from domain.accounts import normalize_email
from domain.problems import Problem, rate_limited

log = logging.getLogger("peergraph.api")

REDIS_PREFIX = "peergraph:limits"
REDIS_TIMEOUT_SECONDS = 0.5


class Limit(enum.Enum):
    """The abuse throttles; the value is the Settings attribute holding each."""

    LOGIN_ACCOUNT = "login_failures_per_account"
    LOGIN_ADDRESS = "login_failures_per_address"
    SIGN_UP_ADDRESS = "sign_ups_per_address"
    CLAIM_USER = "claims_per_user"
    CORRECTION_USER = "corrections_per_user"
    INVITATION_USER = "invitations_per_user"

    @property
    def variable(self) -> str:
        return RATE_LIMIT_VARIABLES[self.value]


@dataclass(frozen=True, slots=True)
class Refusal:
    limit: Limit
    retry_after: int  # whole seconds, at least 1


def account_key(email: str) -> str:
    """The per-account key of an e-mail, whether or not an account has it
    (so the throttle does not tell), hashed so Redis holds no addresses."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]


def address_key(host: str) -> str:
    """The per-address key of a client host: an IPv4 address itself, an IPv6
    address its /64 (one subscriber's network: a client picks any of its 2^64
    addresses, so counting each alone would let it rotate past every
    per-address limit), an IPv4-mapped IPv6 address its IPv4 one; anything
    else (no address known) as it is."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Throttle:
    def __init__(
        self,
        windows: Mapping[Limit, Sequence[RateLimitItem]],
        storage: Storage | None = None,
        enabled: bool = True,
    ) -> None:
        self.windows = windows
        self.enabled = enabled
        self.storage = storage or MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)
        # Accounts whose password is being checked in this process right now.
        self._checking: set[str] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        windows = {
            limit: rate_limits(limit.variable, getattr(settings, limit.value)) for limit in Limit
        }
        storage: Storage | None = None
        if settings.redis_url and settings.rate_limits_enabled:
            storage = RedisStorage(
                f"async+{settings.redis_url}",
                implementation="redispy",
                key_prefix=REDIS_PREFIX,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
        return cls(windows, storage, settings.rate_limits_enabled)

    async def exhausted(self, limit: Limit, key: str) -> Refusal | None:
        """Whether ``limit`` is already full for ``key`` (nothing counted)."""
        if not self.enabled:
            return None
        try:
            for window in self.windows[limit]:
                if not await self._limiter.test(window, limit.name, key):
                    return await self._refusal(limit, key)
        except Exception as e:  # Redis away: let it through
            log.warning("rate limits: %s unavailable: %s", limit.variable, e)
        return None

    async def count(self, limit: Limit, key: str) -> None:
        """Count one against ``limit`` for ``key`` (a failure that happened)."""
        if not self.enabled:
            return
        try:
            for window in self.windows[limit]:
                await self._limiter.hit(window, limit.name, key)
        except Exception as e:
            log.warning("rate limits: %s unavailable: %s", limit.variable, e)

    async def hit(self, limit: Limit, key: str) -> Refusal | None:
        """Count one attempt, or refuse it when ``limit`` is full for ``key``."""
        refused = await self.exhausted(limit, key)
        if refused is not None or not self.enabled:
            return refused
        try:
            for window in self.windows[limit]:
                if not await self._limiter.hit(window, limit.name, key):
                    return await self._refusal(limit, key)  # a concurrent attempt won
        except Exception as e:
            log.warning("rate limits: %s unavailable: %s", limit.variable, e)
        return None

    def begin_check(self, key: str) -> bool:
        """Claim the account ``key`` for one password check in this process;
        False while another one runs (concurrent guesses would all pass the
        failure limit before any of them counted)."""
        if not self.enabled:
            return True
        if key in self._checking:
            return False
        self._checking.add(key)
        return True

    def end_check(self, key: str) -> None:
        self._checking.discard(key)

    async def _refusal(self, limit: Limit, key: str) -> Refusal:
        """The wait until every full window of ``limit`` has room again."""
        now = time.time()
        wait = 1.0
        for window in self.windows[limit]:
            stats = await self._limiter.get_window_stats(window, limit.name, key)
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - now)
        # Strictly after the reset: at the very instant, limits still refuses.
        return Refusal(limit, math.floor(wait) + 1)

    async def close(self) -> None:
        if isinstance(self.storage, RedisStorage):
            try:
                client: Any = getattr(self.storage.bridge, "storage", None)  # redis-py's
                if client is not None:
                    await client.aclose()
            except Exception as e:
                log.warning("rate limits: closing Redis failed: %s", e)


# What the client is told, before "; try again in …".
MESSAGES = {
    Limit.LOGIN_ACCOUNT: "Too many failed sign-ins to this account",
    Limit.LOGIN_ADDRESS: "Too many failed sign-ins from your network address",
    Limit.SIGN_UP_ADDRESS: "Too many sign-ups from your network address",
    Limit.CLAIM_USER: "You have filed too many claims recently",
    Limit.CORRECTION_USER: "You have suggested too many corrections recently",
    Limit.INVITATION_USER: "You have tried to send too many invitations recently",
}


def problem(refusal: Refusal) -> Problem:
    """The RATE_LIMITED userError of a refusal."""
    return rate_limited(MESSAGES[refusal.limit], refusal.retry_after)


class Throttled(RequestRefused):
    """A whole request refused because its address is over a limit: HTTP 429
    with Retry-After, nothing executed."""

    def __init__(self, refusal: Refusal) -> None:
        p = problem(refusal)
        super().__init__(p.message, p.code.value, 429, {"Retry-After": str(refusal.retry_after)})
        self.extensions = {**(self.extensions or {}), "retryAfterSeconds": refusal.retry_after}


# Mutation fields limited per client address: a request holding one while the
# address is already over its limit is refused whole (Throttled).
ADDRESS_LIMITS = {"logIn": Limit.LOGIN_ADDRESS, "signUp": Limit.SIGN_UP_ADDRESS}


class AddressThrottle(SchemaExtension):
    """Refuses, before anything runs, a mutation naming logIn or signUp from
    an address already over that field's limit. A field that crosses the
    limit within a request gets a RATE_LIMITED userError instead (the
    resolver counts; this only looks)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        throttle: Throttle | None = getattr(ctx.context, "throttle", None)
        address: str = getattr(ctx.context, "client_address", "")
        if throttle is not None and throttle.enabled and ctx.graphql_document is not None:
            for limit in _address_limits(ctx.graphql_document, ctx.operation_name):
                refusal = await throttle.exhausted(limit, address)
                if refusal is not None:
                    raise Throttled(refusal)
        yield


def _address_limits(document: DocumentNode, operation_name: str | None) -> list[Limit]:
    """The address limits of the mutation fields the operation to run selects
    at its root (through fragments too)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    ops = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and d.operation is OperationType.MUTATION
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    found: list[Limit] = []
    seen: set[str] = set()  # fragments already walked (cycles are invalid, but cheap to stop)
    pending = [op.selection_set for op in ops]
    while pending:
        for sel in pending.pop().selections:
            if isinstance(sel, FieldNode):
                limit = ADDRESS_LIMITS.get(sel.name.value)
                if limit is not None and limit not in found:
                    found.append(limit)
            elif isinstance(sel, InlineFragmentNode):
                pending.append(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                if sel.name.value in fragments:
                    pending.append(fragments[sel.name.value].selection_set)
    return found


def concurrent_check() -> Problem:
    return rate_limited("Another sign-in to this account is being checked right now", 1)


def hashing_busy() -> Problem:
    """HashingBusy as a userError: the waiting line for password checks is full."""
    return rate_limited("The server is busy checking passwords", 1)
