"""Typed settings from the environment, read once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from limits import RateLimitItem, parse_many

from api.persisted import ManifestError, load_manifest
from domain import trust
from graph_store.decisions import MAX_PENDING_CLAIMS
from graph_store.factory import StoreConfig

DEFAULT_SECRET = "peergraph-development-secret-change-me"


class SettingsError(ValueError):
    """The environment asks for something the server refuses to run with."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from e


def _non_negative_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {env.get(name)!r}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {env.get(name)!r}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from e
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}")
    return value


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _bool(env: Mapping[str, str], name: str) -> bool | None:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return None
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise SettingsError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}, got {raw!r}")


# scheme://host[:port], nothing after: what a browser sends as Origin.
_ORIGIN = re.compile(r"^https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$")


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    raw = env.get(name) or ""
    if not raw.strip():
        return None
    origins = tuple(o.strip().lower().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise SettingsError(
                f"{name}: {origin!r} is not an exact origin such as https://app.example.org "
                "or http://localhost:5173 (scheme, host and port only; no wildcard)"
            )
    return origins


def _manifest(env: Mapping[str, str], name: str) -> dict[str, str] | None:
    """hash → document of the persisted-query manifest the variable names."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        return load_manifest(Path(raw))
    except ManifestError as e:
        raise SettingsError(f"{name}: {e}") from e


def rate_limits(name: str, value: str) -> tuple[RateLimitItem, ...]:
    """A limit in the `limits` library's notation: one or more windows, such
    as ``10/15 minutes`` or ``10/15 minutes;50/day``."""
    try:
        items = tuple(parse_many(value))
    except ValueError:
        items = ()
    if not items or any(item.amount <= 0 for item in items):
        raise SettingsError(
            f"{name} must be a rate limit such as '10/15 minutes' or '10/15 minutes;50/day' "
            f"(amount/period, windows separated by ';'), got {value!r}"
        )
    return items


# Each abuse throttle's variable, and where it lives in Settings (api/throttle.py).
RATE_LIMIT_VARIABLES = {
    "login_failures_per_account": "PEERGRAPH_LOGIN_FAILURES_PER_ACCOUNT",
    "login_failures_per_address": "PEERGRAPH_LOGIN_FAILURES_PER_ADDRESS",
    "sign_ups_per_address": "PEERGRAPH_SIGN_UPS_PER_ADDRESS",
    "claims_per_user": "PEERGRAPH_CLAIMS_PER_USER",
    "corrections_per_user": "PEERGRAPH_CORRECTIONS_PER_USER",
    "invitations_per_user": "PEERGRAPH_INVITATION_ATTEMPTS_PER_USER",
}


def _limit(env: Mapping[str, str], attr: str, default: str) -> str:
    """A rate limit's text from its variable, else its default (validated later)."""
    return (env.get(RATE_LIMIT_VARIABLES[attr]) or "").strip() or default


def _default_hash_threads() -> int:
    # Leave a core to the event loop: Argon2 releases the GIL but not the CPU.
    return max(1, (os.cpu_count() or 1) - 1)


# In development, browser apps served from this machine on any port.
DEV_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir("peergraph")))
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    # Server-side bound on each Neo4j unit of work, lock waits included.
    # Below the store's 4 s bound on one call, so a lock wait ends in a rollback, not a cut.
    neo4j_transaction_timeout: float = 3.0
    # Neo4j statements this process runs at once (the rest queue in order).
    neo4j_max_concurrent_reads: int = 4
    # Embedded store: a write past this many seconds gets SERVICE_UNAVAILABLE;
    # below this much free disk space writes are refused (README, "Full disk
    # and durability").
    write_timeout: float = 3.0
    disk_reserve_mb: int = 256
    token_ttl_hours: int = 24
    invitations_per_day: int = 20
    # The product's cap on one user's pending claims (always on: not an abuse throttle).
    max_pending_claims: int = MAX_PENDING_CLAIMS
    max_body_bytes: int = 1024 * 1024
    # The deadline of one GraphQL request over HTTP: past it the request is
    # cancelled (REQUEST_TIMEOUT), and an embedded read statement is stopped by
    # the engine itself, so no thread keeps working for a client that left.
    request_timeout: float = 10.0
    max_depth: int = 15
    max_aliases: int = 50
    max_tokens: int = 5000
    max_cost: int = 50_000
    # Browser origins allowed to call the API (CORS); None: the environment's
    # default (development: localhost on any port; otherwise none).
    cors_origins: tuple[str, ...] | None = None
    # None: on in development, off otherwise.
    introspection_enabled: bool | None = None
    playground_enabled: bool | None = None
    # Redis for live events across server processes; None: within this process.
    redis_url: str | None = None
    # Subscriptions: seconds to send connection_init, and the most per connection.
    ws_init_timeout: float = 10.0
    ws_max_subscriptions: int = 20
    # Persisted queries: the allow-list manifest (hash → document) and whether
    # only its operations may run.
    persisted_manifest: Mapping[str, str] | None = field(default=None, hash=False)
    persisted_only: bool = False
    # Automatic persisted queries (APQ): documents remembered in this process
    # (an LRU bounded in entries and bytes), or in Redis with a TTL renewed on
    # each use when redis_url is set; larger documents run but are not kept.
    apq_cache_entries: int = 2000
    apq_cache_bytes: int = 8 * 1024 * 1024
    apq_ttl_seconds: int = 24 * 3600
    apq_max_document_bytes: int = 64 * 1024
    # Abuse throttles (api/throttle.py), in the `limits` notation; off: none
    # of them (the product's own rules, such as the invitation limit, stay).
    rate_limits_enabled: bool = True
    login_failures_per_account: str = "10/15 minutes;50/day"
    login_failures_per_address: str = "100/15 minutes"
    sign_ups_per_address: str = "20/hour"
    claims_per_user: str = "10/hour"
    corrections_per_user: str = "30/hour"
    invitations_per_user: str = "30/hour"
    # Argon2 runs on this many threads; this many more hashes may wait, and
    # any beyond are refused at once (api/hashing.py).
    hash_threads: int = field(default_factory=_default_hash_threads)
    hash_queue: int = 8
    # Collaboration profiles kept between requests (domain/fit_cache.py), in
    # items: a profile costs its co-authors, topics and venues (about 100
    # bytes each). 0: none kept.
    fit_cache_items: int = 500_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        settings = cls(
            env=env.get("PEERGRAPH_ENV", defaults.env).strip().lower(),
            secret_key=env.get("PEERGRAPH_SECRET_KEY") or DEFAULT_SECRET,
            data_dir=Path(env["PEERGRAPH_DATA_DIR"])
            if env.get("PEERGRAPH_DATA_DIR")
            else defaults.data_dir,
            neo4j_uri=env.get("NEO4J_URI") or None,
            neo4j_user=env.get("NEO4J_USER", defaults.neo4j_user),
            neo4j_password=env.get("NEO4J_PASSWORD", defaults.neo4j_password),
            neo4j_database=env.get("NEO4J_DATABASE", defaults.neo4j_database),
            neo4j_transaction_timeout=_seconds(
                env, "NEO4J_TRANSACTION_TIMEOUT", defaults.neo4j_transaction_timeout
            ),
            neo4j_max_concurrent_reads=_positive_int(
                env, "NEO4J_MAX_CONCURRENT_READS", defaults.neo4j_max_concurrent_reads
            ),
            write_timeout=_seconds(env, "PEERGRAPH_WRITE_TIMEOUT", defaults.write_timeout),
            disk_reserve_mb=_int(env, "PEERGRAPH_DISK_RESERVE_MB", defaults.disk_reserve_mb),
            token_ttl_hours=_int(env, "PEERGRAPH_TOKEN_TTL_HOURS", defaults.token_ttl_hours),
            invitations_per_day=_int(
                env, "PEERGRAPH_INVITATIONS_PER_DAY", defaults.invitations_per_day
            ),
            max_pending_claims=_positive_int(
                env, "PEERGRAPH_MAX_PENDING_CLAIMS", defaults.max_pending_claims
            ),
            max_body_bytes=_int(env, "PEERGRAPH_MAX_BODY_BYTES", defaults.max_body_bytes),
            request_timeout=_seconds(env, "PEERGRAPH_REQUEST_TIMEOUT", defaults.request_timeout),
            cors_origins=_origins(env, "PEERGRAPH_CORS_ORIGINS"),
            introspection_enabled=_bool(env, "PEERGRAPH_INTROSPECTION"),
            playground_enabled=_bool(env, "PEERGRAPH_PLAYGROUND"),
            redis_url=env.get("PEERGRAPH_REDIS_URL") or None,
            persisted_manifest=_manifest(env, "PEERGRAPH_PERSISTED_QUERIES"),
            persisted_only=bool(_bool(env, "PEERGRAPH_PERSISTED_ONLY")),
            rate_limits_enabled=_bool(env, "PEERGRAPH_RATE_LIMITS") is not False,
            hash_threads=_positive_int(env, "PEERGRAPH_HASH_THREADS", defaults.hash_threads),
            hash_queue=_int(env, "PEERGRAPH_HASH_QUEUE", defaults.hash_queue),
            fit_cache_items=_non_negative_int(
                env, "PEERGRAPH_FIT_CACHE_ITEMS", defaults.fit_cache_items
            ),
            login_failures_per_account=_limit(
                env, "login_failures_per_account", defaults.login_failures_per_account
            ),
            login_failures_per_address=_limit(
                env, "login_failures_per_address", defaults.login_failures_per_address
            ),
            sign_ups_per_address=_limit(env, "sign_ups_per_address", defaults.sign_ups_per_address),
            claims_per_user=_limit(env, "claims_per_user", defaults.claims_per_user),
            corrections_per_user=_limit(env, "corrections_per_user", defaults.corrections_per_user),
            invitations_per_user=_limit(env, "invitations_per_user", defaults.invitations_per_user),
        )
        settings.validate()
        settings.check_deadlines()
        return settings

    def check_deadlines(self) -> None:
        """The request deadline outlasts every store call's own bound, so a slow
        or down database answers SERVICE_UNAVAILABLE, not a bare REQUEST_TIMEOUT.
        (Environment only: tests build shorter deadlines on purpose.)"""
        store_call = max(
            self.write_timeout,
            max(self.neo4j_transaction_timeout, self.store_config().max_retry_time) + 1.0,
        )
        if self.request_timeout <= store_call:
            raise SettingsError(
                f"PEERGRAPH_REQUEST_TIMEOUT ({self.request_timeout:g} s) must be longer than a "
                f"store call may take ({store_call:g} s: PEERGRAPH_WRITE_TIMEOUT, or "
                "NEO4J_TRANSACTION_TIMEOUT and the 3 s retry budget, plus 1 s)"
            )

    @property
    def is_development(self) -> bool:
        return self.env in ("development", "test")

    @property
    def introspection(self) -> bool:
        """Introspection and "did you mean" suggestions (both reveal the schema)."""
        return (
            self.is_development
            if self.introspection_enabled is None
            else self.introspection_enabled
        )

    @property
    def playground(self) -> bool:
        return self.is_development if self.playground_enabled is None else self.playground_enabled

    @property
    def cors_origin_regex(self) -> str | None:
        """Origins allowed by pattern: localhost in development, unless a list is set."""
        return DEV_ORIGIN_REGEX if self.cors_origins is None and self.is_development else None

    def validate(self) -> None:
        if not self.is_development and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise SettingsError(
                f"PEERGRAPH_ENV={self.env}: set PEERGRAPH_SECRET_KEY to a random secret of at "
                "least 32 characters, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        for attr, var in RATE_LIMIT_VARIABLES.items():
            rate_limits(var, getattr(self, attr))
        if self.hash_threads <= 0 or self.hash_queue < 0:
            raise SettingsError(
                "PEERGRAPH_HASH_THREADS must be positive and PEERGRAPH_HASH_QUEUE at least 0"
            )
        if self.disk_reserve_mb < 0:
            raise SettingsError(
                f"PEERGRAPH_DISK_RESERVE_MB must be 0 or more, got {self.disk_reserve_mb}"
            )
        if self.persisted_only and not self.persisted_manifest:
            raise SettingsError(
                "PEERGRAPH_PERSISTED_ONLY=true needs PEERGRAPH_PERSISTED_QUERIES, the manifest "
                "of the operations allowed to run"
            )

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            data_dir=self.data_dir,
            neo4j_uri=self.neo4j_uri,
            neo4j_user=self.neo4j_user,
            neo4j_password=self.neo4j_password,
            neo4j_database=self.neo4j_database,
            transaction_timeout=self.neo4j_transaction_timeout,
            max_concurrent_reads=self.neo4j_max_concurrent_reads,
            trust_model=trust.MODEL,
            statement_timeout=self.request_timeout,
            write_timeout=self.write_timeout,
            disk_reserve_bytes=self.disk_reserve_mb * 1024 * 1024,
        )
