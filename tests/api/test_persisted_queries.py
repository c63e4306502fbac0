"""Persisted queries through the real app: Apollo's automatic persisted
queries (APQ) over POST and GET, the bounded in-process cache, documents
shared between two apps through a real redis-server, and persisted-only mode
with an allow-list manifest (HTTP and the WebSocket)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from api.app import create_app
from api.persisted import REDIS_PREFIX, MemoryDocuments
from api.settings import Settings
from graph_store.store import GraphStore
from tests.api.conftest import client_for, seeded_store
from tests.api.live import free_port, serving, ws_client

AUTHOR = "query Author($slug: String!) { author(slug: $slug) { slug name } }"
VARIABLES = {"slug": "hangbo-bao"}
TYPENAME = "query Typename { __typename }"
SIGN_UP = """mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { user { displayName } userErrors { code } }
}"""
GQL_JSON = "application/graphql-response+json"
NOT_FOUND_BODY = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def apq(document: str, *, with_query: bool, **extra: Any) -> dict[str, Any]:
    """A request as Apollo Client's createPersistedQueryLink builds it."""
    body: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}},
        **extra,
    }
    if with_query:
        body["query"] = document
    return body


def get_params(document: str, variables: dict[str, Any] | None = None) -> dict[str, str]:
    """The same, as the link sends it with useGETForHashedQueries."""
    params = {
        "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha(document)}})
    }
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return params


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[GraphStore]:
    s = await seeded_store(tmp_path_factory.mktemp("apq"))
    yield s
    await s.close()


def _client(store: GraphStore, tmp: Path, **settings: Any) -> httpx.AsyncClient:
    return client_for(create_app(Settings(data_dir=tmp, **{"env": "test", **settings}), store))


async def _author(http: httpx.AsyncClient) -> dict[str, Any]:
    """The author, asked the ordinary way (what every persisted form must equal)."""
    response = await http.post("/graphql", json={"query": AUTHOR, "variables": VARIABLES})
    data: dict[str, Any] = response.json()["data"]
    assert data["author"]["slug"] == "hangbo-bao"
    return data


# --- automatic persisted queries ----------------------------------------------------


async def test_apq_round_trip_over_post_and_get(store: GraphStore, tmp_path: Path) -> None:
    async with _client(store, tmp_path) as http:
        expected = await _author(http)
        # 1. The hash alone, unknown: Apollo's answer, 200 whatever the media
        # type (the client retries with the query on it), never cached.
        for accept in ("application/json", f"{GQL_JSON}, application/json;q=0.9"):
            miss = await http.post(
                "/graphql",
                json=apq(AUTHOR, with_query=False, variables=VARIABLES),
                headers={"Accept": accept},
            )
            assert miss.status_code == 200 and miss.json() == NOT_FOUND_BODY, miss.text
            assert "no-cache" in miss.headers["cache-control"]
        get_miss = await http.get("/graphql", params=get_params(AUTHOR, VARIABLES))
        assert get_miss.status_code == 200 and get_miss.json() == NOT_FOUND_BODY
        # 2. The retry, hash and query: it runs and the document is kept.
        first = await http.post("/graphql", json=apq(AUTHOR, with_query=True, variables=VARIABLES))
        assert first.status_code == 200 and first.json() == {"data": expected}
        # 3. The hash alone now runs it, over POST and over GET, with other variables too.
        again = await http.post("/graphql", json=apq(AUTHOR, with_query=False, variables=VARIABLES))
        assert again.json() == {"data": expected}
        by_get = await http.get(
            "/graphql",
            params=get_params(AUTHOR, VARIABLES),
            headers={"Accept": "application/graphql-response+json"},
        )
        assert by_get.status_code == 200 and by_get.json() == {"data": expected}
        other = await http.get("/graphql", params=get_params(AUTHOR, {"slug": "nobody-here"}))
        assert other.json() == {"data": {"author": None}}
        # A browser's fetch() sends Accept: */*: still the query, not the playground.
        browser = await http.get(
            "/graphql", params=get_params(AUTHOR, VARIABLES), headers={"Accept": "*/*"}
        )
        assert browser.json() == {"data": expected}
        # An ordinary GET without a query still gets the playground's page in development.
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html")


async def test_a_hash_that_does_not_match_its_query_is_refused(
    store: GraphStore, tmp_path: Path
) -> None:
    async with _client(store, tmp_path) as http:
        body = apq(AUTHOR, with_query=True, variables=VARIABLES)
        body["query"] = TYPENAME  # the hash of one document, the text of another
        for accept in ("application/json", GQL_JSON):
            bad = await http.post("/graphql", json=body, headers={"Accept": accept})
            assert bad.status_code == 400, bad.text
            assert bad.json() == {
                "errors": [
                    {
                        "message": "provided sha does not match query",
                        "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
                    }
                ]
            }
        # Nothing was stored under either hash.
        for document in (AUTHOR, TYPENAME):
            miss = await http.post("/graphql", json=apq(document, with_query=False))
            assert miss.json() == NOT_FOUND_BODY


async def test_bad_persisted_query_extensions_are_refused_with_codes(
    store: GraphStore, tmp_path: Path
) -> None:
    cases: list[tuple[Any, str]] = [
        ({"version": 2, "sha256Hash": sha(TYPENAME)}, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"),
        ({"version": "1", "sha256Hash": sha(TYPENAME)}, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"),
        ({"sha256Hash": sha(TYPENAME)}, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"),
        ({"version": 1, "sha256Hash": "abc"}, "BAD_REQUEST"),
        ({"version": 1}, "BAD_REQUEST"),
        ("yes", "BAD_REQUEST"),
    ]
    async with _client(store, tmp_path) as http:
        for persisted, code in cases:
            for with_query in (False, True):
                body: dict[str, Any] = {"extensions": {"persistedQuery": persisted}}
                if with_query:
                    body["query"] = TYPENAME
                response = await http.post("/graphql", json=body)
                assert response.status_code == 400, (persisted, response.text)
                [error] = response.json()["errors"]
                assert error["extensions"] == {"code": code}, (persisted, error)
                assert "data" not in response.json()


async def test_only_documents_that_validate_are_kept(store: GraphStore, tmp_path: Path) -> None:
    broken = "query Broken { author(slug: 1) { nope } }"
    async with _client(store, tmp_path) as http:
        refused = (await http.post("/graphql", json=apq(broken, with_query=True))).json()
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert (await http.post("/graphql", json=apq(broken, with_query=False))).json() == (
            NOT_FOUND_BODY
        )


async def test_a_persisted_get_never_runs_a_mutation(store: GraphStore, tmp_path: Path) -> None:
    variables = {
        "input": {
            "email": "apq-get@example.org",
            "password": "correct horse battery staple",
            "displayName": "APQ Get",
        }
    }
    async with _client(store, tmp_path) as http:
        # Registered by a POST that runs it (a mutation may be persisted over POST)...
        created = await http.post(
            "/graphql", json=apq(SIGN_UP, with_query=True, variables=variables)
        )
        assert created.json()["data"]["signUp"]["user"] == {"displayName": "APQ Get"}
        # ...but its hash over GET is refused and changes nothing.
        second = {"input": {**variables["input"], "email": "apq-get-2@example.org"}}
        refused = await http.get("/graphql", params=get_params(SIGN_UP, second))
        assert refused.status_code == 400, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        log_in = """mutation { logIn(input: {email: "apq-get-2@example.org",
            password: "correct horse battery staple"}) { token userErrors { code } } }"""
        answer = (await http.post("/graphql", json={"query": log_in})).json()["data"]["logIn"]
        assert answer["token"] is None and answer["userErrors"]


# --- the bounded cache -------------------------------------------------------------------


async def test_the_in_process_cache_evicts_the_least_recently_used(
    store: GraphStore, tmp_path: Path
) -> None:
    documents = [f"query Q{i} {{ __typename }}" for i in range(4)]
    async with _client(store, tmp_path, apq_cache_entries=3) as http:

        async def known(document: str) -> bool:
            body = (await http.post("/graphql", json=apq(document, with_query=False))).json()
            return body != NOT_FOUND_BODY

        for document in documents[:3]:
            ok = await http.post("/graphql", json=apq(document, with_query=True))
            assert ok.json() == {"data": {"__typename": "Query"}}
        assert await known(documents[0])  # Q0 used: Q1 is now the oldest
        await http.post("/graphql", json=apq(documents[3], with_query=True))
        assert [await known(d) for d in documents] == [True, False, True, True]


async def test_the_cache_is_bounded_in_bytes_too() -> None:
    cache = MemoryDocuments(max_entries=1000, max_bytes=100)
    for i in range(5):
        await cache.put(f"k{i}", "x" * 30)
    assert len(cache) == 3 and cache.bytes == 90
    assert await cache.get("k0") is None and await cache.get("k4") == "x" * 30
    await cache.put("big", "y" * 101)  # larger than the whole cache: not kept, nothing lost
    assert await cache.get("big") is None and len(cache) == 3
    await cache.put("k4", "z" * 10)  # replacing a document recounts its bytes
    assert cache.bytes == 70


async def test_documents_over_the_size_cap_run_but_are_not_kept(
    store: GraphStore, tmp_path: Path
) -> None:
    padded = "query Padded { __typename }" + " " * 200
    async with _client(store, tmp_path, apq_max_document_bytes=100) as http:
        ran = await http.post("/graphql", json=apq(padded, with_query=True))
        assert ran.json() == {"data": {"__typename": "Query"}}
        assert (await http.post("/graphql", json=apq(padded, with_query=False))).json() == (
            NOT_FOUND_BODY
        )


# --- shared through Redis -----------------------------------------------------------------


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """The app's ASGI lifespan as uvicorn runs it (it closes the Redis clients)."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await asyncio.wait_for(outbox.get(), 5.0))["type"] == "lifespan.startup.complete"
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await asyncio.wait_for(outbox.get(), 10.0))["type"] == "lifespan.shutdown.complete"
        await task


async def test_two_apps_share_documents_through_redis(
    store: GraphStore, tmp_path: Path, redis_url: str
) -> None:
    """Two apps on one PEERGRAPH_REDIS_URL, as two server processes: a
    document registered through one is served by hash by the other."""
    settings = Settings(env="test", data_dir=tmp_path, redis_url=redis_url)
    app_a, app_b = create_app(settings, store), create_app(settings, store)
    probe = aioredis.Redis.from_url(redis_url)
    document = "query Shared($slug: String!) { author(slug: $slug) { name } }"
    try:
        async with (
            lifespan(app_a),
            lifespan(app_b),
            client_for(app_a) as a,
            client_for(app_b) as b,
        ):
            before = await b.post("/graphql", json=apq(document, with_query=False))
            assert before.json() == NOT_FOUND_BODY
            ran = await a.post("/graphql", json=apq(document, with_query=True, variables=VARIABLES))
            expected = ran.json()["data"]
            assert expected["author"]["name"]
            for http in (b, a):
                by_hash = await http.get("/graphql", params=get_params(document, VARIABLES))
                assert by_hash.json() == {"data": expected}
            key = REDIS_PREFIX + sha(document)
            assert (await probe.get(key)) == document.encode()
            ttl = await probe.ttl(key)
            assert 0 < ttl <= settings.apq_ttl_seconds
            await probe.expire(key, 60)
            await b.post("/graphql", json=apq(document, with_query=False, variables=VARIABLES))
            assert await probe.ttl(key) > 60  # a read renews it
    finally:
        await probe.aclose()


async def test_redis_away_costs_a_round_trip_not_the_request(
    store: GraphStore, tmp_path: Path
) -> None:
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = create_app(Settings(env="test", data_dir=tmp_path, redis_url=down), store)
    async with lifespan(app), client_for(app) as http:
        start = time.monotonic()
        miss = await http.post("/graphql", json=apq(TYPENAME, with_query=False))
        assert miss.json() == NOT_FOUND_BODY
        ran = await http.post("/graphql", json=apq(TYPENAME, with_query=True))
        assert ran.json() == {"data": {"__typename": "Query"}}
        assert time.monotonic() - start < 3.0


# --- persisted-only mode ---------------------------------------------------------------


def _apollo_manifest(tmp: Path, *documents: tuple[str, str, str]) -> Path:
    path = tmp / "persisted-query-manifest.json"
    operations = [
        {"id": sha(body), "body": body, "name": name, "type": kind}
        for name, kind, body in documents
    ]
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_text(json.dumps(manifest))
    return path


def _env(tmp: Path, **more: str) -> dict[str, str]:
    return {"PEERGRAPH_ENV": "test", "PEERGRAPH_DATA_DIR": str(tmp), **more}


async def test_persisted_only_runs_the_manifest_and_nothing_else(
    store: GraphStore, tmp_path: Path
) -> None:
    manifest = _apollo_manifest(tmp_path, ("Author", "query", AUTHOR))
    settings = Settings.from_env(
        _env(
            tmp_path,
            PEERGRAPH_PERSISTED_QUERIES=str(manifest),
            PEERGRAPH_PERSISTED_ONLY="true",
        )
    )
    assert settings.persisted_only and settings.persisted_manifest == {sha(AUTHOR): AUTHOR}
    async with client_for(create_app(settings, store)) as http:
        expected = await _author(http)  # the manifest's own text is allowed
        # A manifest operation by hash alone, over POST and GET, without registering.
        by_hash = await http.post(
            "/graphql", json=apq(AUTHOR, with_query=False, variables=VARIABLES)
        )
        assert by_hash.json() == {"data": expected}
        by_get = await http.get("/graphql", params=get_params(AUTHOR, VARIABLES))
        assert by_get.json() == {"data": expected}
        # Anything else is refused before it runs: text, APQ registration, unknown hash.
        refusals = [
            {"query": TYPENAME},
            {"query": AUTHOR + " ", "variables": VARIABLES},  # not the same text
            apq(TYPENAME, with_query=True),
            apq(TYPENAME, with_query=False),
        ]
        for body in refusals:
            for accept in ("application/json", GQL_JSON):
                refused = await http.post("/graphql", json=body, headers={"Accept": accept})
                assert refused.status_code == 403, (body, refused.text)
                [error] = refused.json()["errors"]
                assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_ALLOWED"}
                assert "data" not in refused.json()
        refused_get = await http.get("/graphql", params={"query": TYPENAME})
        assert refused_get.status_code == 403
        # The refused registration was not kept either.
        assert (await http.post("/graphql", json=apq(TYPENAME, with_query=False))).status_code == (
            403
        )


async def test_persisted_only_holds_on_the_websocket(store: GraphStore, tmp_path: Path) -> None:
    manifest = _apollo_manifest(tmp_path, ("Author", "query", AUTHOR))
    settings = Settings.from_env(
        _env(
            tmp_path,
            PEERGRAPH_PERSISTED_QUERIES=str(manifest),
            PEERGRAPH_PERSISTED_ONLY="true",
        )
    )
    async with serving(create_app(settings, store)) as url, ws_client(url) as ws:
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": TYPENAME}})
        refused = await ws.receive()
        assert refused["type"] == "error" and refused["id"] == "1", refused
        assert refused["payload"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_ALLOWED"}
        by_hash = {"variables": VARIABLES, **apq(AUTHOR, with_query=False)}
        await ws.send({"id": "2", "type": "subscribe", "payload": by_hash})
        data = await ws.next("2")
        assert data["author"]["slug"] == "hangbo-bao"


async def test_a_relay_manifest_serves_its_operations_by_hash(
    store: GraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "persisted_queries.json"  # relay-compiler's persistConfig output
    path.write_text(json.dumps({sha(AUTHOR): AUTHOR, sha(TYPENAME): TYPENAME}))
    settings = Settings.from_env(_env(tmp_path, PEERGRAPH_PERSISTED_QUERIES=str(path)))
    async with client_for(create_app(settings, store)) as http:
        expected = await _author(http)
        by_hash = await http.post(
            "/graphql", json=apq(AUTHOR, with_query=False, variables=VARIABLES)
        )
        assert by_hash.json() == {"data": expected}
        # Without persisted-only, other queries still run (and APQ still registers).
        assert (await http.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
