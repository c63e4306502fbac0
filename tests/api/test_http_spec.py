"""The HTTP surface a browser app and its GraphQL client meet: CORS, error
codes on every error, the GraphQL-over-HTTP media type, production mode, and
graphql-http's own audit of the running server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.schema import MASKED_MESSAGE
from api.settings import Settings
from graph_store.store import GraphStore
from tests.api.conftest import client_for, seeded_store
from tests.js_tools import JS, js_tools

ROOT = Path(__file__).resolve().parents[2]
PROD = {"env": "production", "secret_key": "s" * 40}


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[GraphStore]:
    # Protocol, not storage: one embedded store serves the module.
    s = await seeded_store(tmp_path_factory.mktemp("spec"))
    yield s
    await s.close()


def _client(store: GraphStore, tmp: Path, **settings: Any) -> httpx.AsyncClient:
    return client_for(create_app(Settings(data_dir=tmp, **{"env": "test", **settings}), store))


# --- CORS ------------------------------------------------------------------------


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_development_allows_localhost_on_any_port(store: GraphStore, tmp_path: Path) -> None:
    async with _client(store, tmp_path) as http:
        for origin in ("http://localhost:5173", "http://127.0.0.1:3000"):
            pre = await http.options("/graphql", headers=_preflight(origin))
            assert pre.status_code == 200
            assert pre.headers["access-control-allow-origin"] == origin
            allowed = pre.headers["access-control-allow-headers"].lower()
            assert "authorization" in allowed and "content-type" in allowed
            assert "access-control-allow-credentials" not in pre.headers
            post = await http.post(
                "/graphql", json={"query": "{__typename}"}, headers={"Origin": origin}
            )
            assert post.json() == {"data": {"__typename": "Query"}}
            assert post.headers["access-control-allow-origin"] == origin
            assert "x-request-id" in post.headers["access-control-expose-headers"].lower()
        refused = await http.options("/graphql", headers=_preflight("https://evil.example"))
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers


async def test_production_allows_only_the_configured_origins(
    store: GraphStore, tmp_path: Path
) -> None:
    async with _client(store, tmp_path, **PROD) as http:  # nothing configured: none
        pre = await http.options("/graphql", headers=_preflight("http://localhost:5173"))
        assert "access-control-allow-origin" not in pre.headers
    app = "https://app.example.org"
    async with _client(store, tmp_path, **PROD, cors_origins=(app,)) as http:
        pre = await http.options("/graphql", headers=_preflight(app))
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == app
        for other in ("http://localhost:5173", "https://app.example.org.evil.example"):
            pre = await http.options("/graphql", headers=_preflight(other))
            assert "access-control-allow-origin" not in pre.headers
        # A refused origin's request is still answered (CORS is the browser's
        # rule), but without the header its page would need to read it.
        post = await http.post(
            "/graphql", json={"query": "{__typename}"}, headers={"Origin": "https://x.example"}
        )
        assert "access-control-allow-origin" not in post.headers


# --- error codes and the GraphQL-over-HTTP media type ----------------------------------

GQL_JSON = "application/graphql-response+json"


async def _errors(
    http: httpx.AsyncClient, body: dict[str, Any], accept: str | None = None
) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return await http.post("/graphql", json=body, headers=headers)


async def test_every_error_has_a_code(store: GraphStore, tmp_path: Path) -> None:
    cases: dict[str, dict[str, Any]] = {
        "GRAPHQL_PARSE_FAILED": {"query": "{ author(slug: "},
        "GRAPHQL_VALIDATION_FAILED": {"query": '{ author(slug: "hangbo-bao") { nope } }'},
        "BAD_USER_INPUT": {
            "query": "query($s: String!) { author(slug: $s) { id } }",
            "variables": {"s": 42},
        },
    }
    async with _client(store, tmp_path) as http:
        for code, body in cases.items():
            response = await _errors(http, body)
            assert response.status_code == 200  # application/json clients: unchanged
            payload = response.json()
            assert payload["data"] is None
            assert [e["extensions"]["code"] for e in payload["errors"]] == [code], payload


async def test_an_unexpected_error_is_masked_with_a_code(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(store, "search", broken)
    async with _client(store, tmp_path) as http:
        payload = (await _errors(http, {"query": '{ search(query: "bao") { score } }'})).json()
    [error] = payload["errors"]
    assert error["message"] == MASKED_MESSAGE and "secret" not in json.dumps(payload)
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


async def test_graphql_response_json_gets_400_without_data_for_request_errors(
    store: GraphStore, tmp_path: Path
) -> None:
    async with _client(store, tmp_path) as http:
        ok = await _errors(http, {"query": "{__typename}"}, GQL_JSON)
        assert ok.status_code == 200
        assert ok.headers["content-type"].startswith(GQL_JSON)
        assert ok.json() == {"data": {"__typename": "Query"}}
        bad = await _errors(http, {"query": "{ nope }"}, f"{GQL_JSON}, application/json;q=0.9")
        assert bad.status_code == 400 and bad.headers["content-type"].startswith(GQL_JSON)
        assert "data" not in bad.json()
        assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        # A field that fails at run time is not a request error: 200 with data.
        partial = await _errors(http, {"query": '{ author(slug: "nobody-here") { id } }'}, GQL_JSON)
        assert partial.status_code == 200 and partial.json()["data"] == {"author": None}
        # q=0 refuses the media type.
        plain = await _errors(http, {"query": "{ nope }"}, f"{GQL_JSON};q=0, application/json")
        assert plain.status_code == 200 and plain.headers["content-type"].startswith(
            "application/json"
        )


# --- production mode -----------------------------------------------------------------

INTROSPECTION = {"query": "{ __schema { queryType { name } } }"}
TYPO = {"query": '{ author(slug: "hangbo-bao") { nam } }'}


async def test_production_turns_off_introspection_suggestions_and_playground(
    store: GraphStore, tmp_path: Path
) -> None:
    html = {"Accept": "text/html"}
    async with _client(store, tmp_path) as http:  # development: all on
        assert (await _errors(http, INTROSPECTION)).json()["data"]["__schema"]["queryType"]
        assert "Did you mean 'name'" in (await _errors(http, TYPO)).json()["errors"][0]["message"]
        page = await http.get("/graphql", headers=html)
        assert page.status_code == 200 and "graphiql" in page.text.lower()
    async with _client(store, tmp_path, **PROD) as http:
        refused = (await _errors(http, INTROSPECTION)).json()
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        typo = (await _errors(http, TYPO)).json()["errors"][0]["message"]
        assert "Did you mean" not in typo and "nam" in typo
        assert (await http.get("/graphql", headers=html)).status_code == 404
        assert (await _errors(http, {"query": "{__typename}"})).json() == {
            "data": {"__typename": "Query"}
        }
    async with _client(
        store, tmp_path, **PROD, introspection_enabled=True, playground_enabled=True
    ) as http:
        assert (await _errors(http, INTROSPECTION)).json()["data"]["__schema"]["queryType"]
        assert (await http.get("/graphql", headers=html)).status_code == 200


# --- graphql-http's audit of the running server -------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_graphql_http_audit_passes_without_warnings(tmp_path: Path) -> None:
    js_tools("graphql-http")
    port = _free_port()
    env = {**os.environ, "PEERGRAPH_DATA_DIR": str(tmp_path), "PEERGRAPH_ENV": "test"}
    env.pop("NEO4J_URI", None)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        audit = subprocess.run(
            ["node", str(JS / "audit.mjs"), f"http://127.0.0.1:{port}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    results = json.loads(audit.stdout)
    not_ok = [r for r in results if r["status"] != "ok"]
    assert len(results) >= 50 and not not_ok, not_ok


# --- bounded work (issue 9, item 1) ---------------------------------------------------


async def test_a_huge_search_text_is_refused_before_anything_runs(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fifty aliased searches sharing a 100,000-word variable (the attack that
    once cost 87 s of CPU) are refused by the pre-execution limits: the store
    is never asked."""
    calls: list[object] = []
    real_search = store.search

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return await real_search(*args, **kwargs)

    monkeypatch.setattr(store, "search", counted)
    fields = " ".join(f"s{i}: search(query: $q, first: 10) {{ score }}" for i in range(50))
    words = " ".join(f"w{i}" for i in range(100_000))
    async with _client(store, tmp_path) as http:
        body = (
            await http.post(
                "/graphql",
                json={"query": f"query($q: String!) {{ {fields} }}", "variables": {"q": words}},
            )
        ).json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "at most 256" in error["message"] and len(error["message"]) < 200
        assert calls == []
        # A real search still runs, and each one is charged for its candidates.
        ok = (
            await http.post("/graphql", json={"query": '{ search(query: "bao") { score } }'})
        ).json()
        assert ok["data"]["search"] and len(calls) == 1
