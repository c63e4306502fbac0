"""Persisted queries: Apollo's automatic persisted queries (APQ) and an
allow-list manifest of operations (persisted-only mode).

APQ, as Apollo Client's ``createPersistedQueryLink`` speaks it: a request's
``extensions.persistedQuery`` is ``{"version": 1, "sha256Hash": <hex>}``.
Sent without ``query``, the server runs the document it knows under that
hash, or answers ``PersistedQueryNotFound`` (HTTP 200, so the client sends
the query); sent with it, the hash must be the query's sha256, and the
document is remembered once it has parsed and validated (junk is never
stored). Documents live in a bounded LRU in this process, or in Redis with a
sliding TTL (``PEERGRAPH_REDIS_URL``) so every server process shares them.

A manifest (``PEERGRAPH_PERSISTED_QUERIES``: Apollo's persisted query
manifest, or the ``{hash: document}`` map relay-compiler writes) makes its
operations servable by hash alone; with ``PEERGRAPH_PERSISTED_ONLY`` nothing
else runs, query text included, and APQ registers nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from api.errors import RequestRefused

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger("peergraph.api")

# Apollo's message and code, which its client links retry on.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
PERSISTED_QUERY_VERSION_NOT_SUPPORTED = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
BAD_REQUEST = "BAD_REQUEST"

APQ_VERSION = 1
REDIS_PREFIX = "peergraph:apq:"
# Redis answers within this or the request goes on without it (a miss).
REDIS_TIMEOUT_SECONDS = 0.5
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
APOLLO_MANIFEST_FORMAT = "apollo-persisted-query-manifest"


def document_hash(document: str) -> str:
    """The APQ id of a document: the sha256 of its UTF-8 text, lowercase hex."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class PersistedQueryError(RequestRefused):
    """A persisted-query request refused before execution, with its HTTP status."""


def not_found() -> PersistedQueryError:
    # 200 and never cached, as Apollo Server answers: the client's retry with
    # the query fills the cache, and the same GET must then succeed.
    return PersistedQueryError(
        NOT_FOUND_MESSAGE,
        PERSISTED_QUERY_NOT_FOUND,
        200,
        {"Cache-Control": "private, no-cache, must-revalidate"},
    )


def not_allowed() -> PersistedQueryError:
    # 403, not 400: the request is well formed and refused by policy (as
    # Apollo Router answers freeform GraphQL outside its safelist), and Apollo
    # Client 3's persisted query link turns hashing off for good on a 400.
    return PersistedQueryError(
        "Only the server's persisted operations may run here; this one is not among them.",
        PERSISTED_QUERY_NOT_ALLOWED,
        403,
    )


# --- the manifest ---------------------------------------------------------------


class ManifestError(ValueError):
    """A persisted-query manifest that cannot be served as written."""


def load_manifest(path: Path) -> dict[str, str]:
    """hash → document from Apollo's persisted query manifest or relay's map;
    every id must be the sha256 of its document."""
    try:
        data: Any = orjson.loads(path.read_bytes())
    except OSError as e:
        raise ManifestError(f"cannot read {path}: {e.strerror or e}") from e
    except orjson.JSONDecodeError as e:
        raise ManifestError(f"{path} is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    pairs = _apollo_operations(path, data) if "format" in data else _relay_map(path, data)
    manifest: dict[str, str] = {}
    for label, op_id, body in pairs:
        if not isinstance(op_id, str) or not _SHA256_HEX.match(op_id):
            raise ManifestError(f"{path}: {label}: the id must be 64 hex digits (a sha256)")
        if not isinstance(body, str) or not body.strip():
            raise ManifestError(f"{path}: {label}: the document must be a non-empty string")
        if document_hash(body) != op_id.lower():
            raise ManifestError(
                f"{path}: {label}: the id is not the sha256 of its document (relay-compiler: "
                'set persistConfig.algorithm to "SHA256")'
            )
        manifest[op_id.lower()] = body
    if not manifest:
        raise ManifestError(f"{path}: no operations")
    return manifest


def _apollo_operations(path: Path, data: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    if data.get("format") != APOLLO_MANIFEST_FORMAT:
        raise ManifestError(
            f"{path}: unknown format {data.get('format')!r} (expected "
            f"{APOLLO_MANIFEST_FORMAT!r}, or relay-compiler's {{hash: document}} map)"
        )
    if data.get("version") != 1:
        raise ManifestError(f"{path}: {APOLLO_MANIFEST_FORMAT} version {data.get('version')!r}")
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise ManifestError(f"{path}: operations must be a list")
    pairs: list[tuple[str, Any, Any]] = []
    for i, op in enumerate(operations):
        if not isinstance(op, dict):
            raise ManifestError(f"{path}: operations[{i}] must be an object")
        name = op.get("name")
        label = f"operation {name!r}" if isinstance(name, str) else f"operations[{i}]"
        pairs.append((label, op.get("id"), op.get("body")))
    return pairs


def _relay_map(path: Path, data: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(f"entry {key[:12]!r}", key, body) for key, body in data.items()]


# --- where APQ documents live ---------------------------------------------------


class DocumentCache(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, document: str) -> None: ...

    async def close(self) -> None: ...


class MemoryDocuments:
    """A least-recently-used map in this process, bounded in entries and in
    bytes of document text."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._docs: OrderedDict[str, str] = OrderedDict()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._docs)

    async def get(self, key: str) -> str | None:
        document = self._docs.get(key)
        if document is not None:
            self._docs.move_to_end(key)
        return document

    async def put(self, key: str, document: str) -> None:
        size = len(document.encode("utf-8"))
        if size > self.max_bytes:
            return
        old = self._docs.pop(key, None)
        if old is not None:
            self.bytes -= len(old.encode("utf-8"))
        self._docs[key] = document
        self.bytes += size
        while len(self._docs) > self.max_entries or self.bytes > self.max_bytes:
            _, evicted = self._docs.popitem(last=False)
            self.bytes -= len(evicted.encode("utf-8"))

    async def close(self) -> None:
        self._docs.clear()
        self.bytes = 0


class RedisDocuments:
    """Documents in Redis under ``peergraph:apq:<hash>``, shared by every
    server process; each read renews the TTL, so documents in use stay.

    Redis being away costs a round trip, never a request: a failed read is a
    miss (the client sends its query), a failed write is logged."""

    def __init__(self, url: str, ttl_seconds: int) -> None:
        import redis.asyncio as aioredis

        self.ttl_seconds = ttl_seconds
        self._redis = aioredis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )

    async def get(self, key: str) -> str | None:
        try:
            raw = await self._redis.getex(REDIS_PREFIX + key, ex=self.ttl_seconds)
        except Exception as e:  # any Redis or connection failure: a miss
            log.warning("persisted queries: reading from Redis failed: %s", e)
            return None
        if raw is None:
            return None
        return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)

    async def put(self, key: str, document: str) -> None:
        try:
            await self._redis.set(REDIS_PREFIX + key, document, ex=self.ttl_seconds)
        except Exception as e:
            log.warning("persisted queries: writing to Redis failed: %s", e)

    async def close(self) -> None:
        await self._redis.aclose()


# --- the rules --------------------------------------------------------------------


class PersistedQueries:
    """Turns a request's ``query`` and ``extensions`` into the document to run."""

    def __init__(
        self,
        cache: DocumentCache,
        manifest: Mapping[str, str] | None = None,
        only: bool = False,
        max_document_bytes: int = 64 * 1024,
    ) -> None:
        if only and not manifest:
            raise ValueError("persisted-only mode needs a manifest")
        self.cache = cache
        self.manifest: Mapping[str, str] = manifest or {}
        self.only = only
        self.max_document_bytes = max_document_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> PersistedQueries:
        cache: DocumentCache = (
            RedisDocuments(settings.redis_url, settings.apq_ttl_seconds)
            if settings.redis_url
            else MemoryDocuments(settings.apq_cache_entries, settings.apq_cache_bytes)
        )
        return cls(
            cache,
            settings.persisted_manifest,
            settings.persisted_only,
            settings.apq_max_document_bytes,
        )

    async def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None
    ) -> tuple[str | None, str | None]:
        """The document to run, and the hash to remember it under once it has
        run valid (None: nothing to store). Raises PersistedQueryError."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.only and query is not None and document_hash(query) not in self.manifest:
                raise not_allowed()
            return query, None
        key = _persisted_hash(persisted)
        if query:
            if document_hash(query) != key:
                # Apollo Server's message, our own code.
                raise PersistedQueryError(
                    "provided sha does not match query", PERSISTED_QUERY_HASH_MISMATCH, 400
                )
            if key in self.manifest:
                return query, None
            if self.only:
                raise not_allowed()
            return query, key
        if key in self.manifest:
            return self.manifest[key], None
        if self.only:
            raise not_allowed()
        document = await self.cache.get(key)
        if document is None:
            raise not_found()
        return document, None

    async def remember(self, key: str, document: str) -> None:
        if len(document.encode("utf-8")) <= self.max_document_bytes:
            await self.cache.put(key, document)

    async def close(self) -> None:
        await self.cache.close()


# Relay's convention (its persisted-queries guide): the operation named by
# `doc_id` (or `documentId`) instead of a `query`. Ours are sha256 hashes, so
# such a request is the APQ request for that hash.
DOCUMENT_ID_KEYS = ("doc_id", "documentId")


def with_document_id(data: Any) -> Any:
    """A decoded request body (or GET parameters) with `doc_id`/`documentId`
    turned into ``extensions.persistedQuery``; anything else as it came."""
    if not isinstance(data, dict) or data.get("query"):
        return data
    doc_id = next((data[k] for k in DOCUMENT_ID_KEYS if isinstance(data.get(k), str)), None)
    extensions = data.get("extensions")
    if doc_id is None or (extensions is not None and not isinstance(extensions, dict)):
        return data
    if extensions and "persistedQuery" in extensions:
        return data
    persisted = {"version": APQ_VERSION, "sha256Hash": doc_id}
    return {**data, "extensions": {**(extensions or {}), "persistedQuery": persisted}}


def _persisted_hash(persisted: object) -> str:
    if not isinstance(persisted, dict):
        raise PersistedQueryError("extensions.persistedQuery must be an object", BAD_REQUEST, 400)
    version = persisted.get("version")
    if type(version) is not int or version != APQ_VERSION:
        raise PersistedQueryError(
            f"Unsupported persisted query version {version!r}; this server speaks "
            f"version {APQ_VERSION}",
            PERSISTED_QUERY_VERSION_NOT_SUPPORTED,
            400,
        )
    key = persisted.get("sha256Hash")
    if not isinstance(key, str) or not _SHA256_HEX.match(key):
        raise PersistedQueryError(
            "extensions.persistedQuery.sha256Hash must be 64 hex digits (a sha256)",
            BAD_REQUEST,
            400,
        )
    return key.lower()
