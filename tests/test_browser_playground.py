"""GraphiQL at /graphql renders and runs a query in a real headless Chromium, offline.

A real uvicorn server on 127.0.0.1 serves the page and its (locally vendored)
JavaScript and CSS; every request the browser makes is recorded and the test
fails if any of them leaves the loopback address.

Skips when /usr/bin/chromium (or ``$PEERGRAPH_CHROMIUM``) or playwright is
missing, unless ``PEERGRAPH_REQUIRE_BROWSER=1`` (as in CI), which makes it fail.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from api.playground import AssetError, assets_present, ensure_assets

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("PEERGRAPH_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("PEERGRAPH_REQUIRE_BROWSER") == "1"
SCREENSHOT = Path("/tmp/playground.png")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = {"127.0.0.1"}
LOCAL_SCHEMES = {"data", "blob", "about"}

QUERY = '{ viewer { displayName } author(slug: "hangbo-bao") { name trust { score } } }'
EXPECTED = {
    "data": {
        "viewer": {"displayName": "Ada"},
        "author": {"name": "Hangbo Bao", "trust": {"score": 21}},
    }
}


def _skip_or_fail(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (PEERGRAPH_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


# --------------------------------------------------------------------------- the app
# The real app on a fresh embedded store, seeded on start as `peergraph serve` does.


def _make_app(data_dir: Path) -> Any:
    from api.app import create_app
    from api.settings import Settings

    return create_app(Settings(env="test", data_dir=data_dir), seed_if_empty=True)


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError:  # 503 until the store is open and seeded
        return False


def _sign_up(base_url: str) -> str:
    """A real account through the API; its bearer token goes into the header editor."""
    body = json.dumps({
        "query": "mutation($i: SignUpInput!) "
        "{ signUp(input: $i) { token userErrors { message } } }",
        "variables": {"i": {"email": "ada@example.org", "password": "correct horse battery",
                            "displayName": "Ada"}},
    }).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{base_url}/graphql", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        payload = json.loads(response.read())
    token: str = payload["data"]["signUp"]["token"]
    assert token, payload
    return token


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        _skip_or_fail(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(apt-get install -y --no-install-recommends chromium)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_or_fail('playwright is not installed: pip install -e ".[test]"')
    return CHROMIUM


@pytest.fixture(scope="module")
def vendored_assets() -> None:
    if assets_present():
        return
    try:
        ensure_assets()
    except AssetError as e:
        _skip_or_fail(
            f"GraphiQL assets missing and not fetchable ({e}); run `peergraph fetch-assets`"
        )


@pytest.fixture(scope="module")
def base_url(vendored_assets: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            _make_app(tmp_path_factory.mktemp("playground")), log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    # uvicorn serves at once; the store opens and seeds in the background.
    while not _ready(url):
        if time.monotonic() > deadline:
            pytest.fail("the app did not become ready")
        time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --------------------------------------------------------------------------- the test


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOOPBACK_HOSTS


def test_graphiql_runs_a_query_offline(chromium: Path, base_url: str) -> None:
    from playwright.sync_api import Route as PwRoute
    from playwright.sync_api import expect, sync_playwright

    token = f"Bearer {_sign_up(base_url)}"
    requested: list[str] = []
    problems: list[str] = []

    def guard(route: PwRoute) -> None:
        # Recorded via the "request" event; a non-local request is also aborted so
        # that a regression fails fast instead of waiting on a closed network.
        if _is_local(route.request.url):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.on("request", lambda r: requested.append(r.url))
            context.route("**/*", guard)
            page = context.new_page()
            page.on("websocket", lambda ws: requested.append(ws.url))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )

            response = page.goto(f"{base_url}/graphql", wait_until="load")
            assert response is not None and response.status == 200, "playground page not served"
            assert "text/html" in response.headers.get("content-type", "")

            query_editor = page.locator(".graphiql-query-editor .CodeMirror")
            expect(query_editor).to_be_visible(timeout=20_000)
            # GraphiQL introspects the schema on load; wait for the docs to know it.
            page.wait_for_function("() => !document.querySelector('.graphiql-spinner')")

            # Type the query like a user (CodeMirror closes brackets and quotes;
            # typing the closing ones steps over them).
            query_editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type(QUERY)
            typed = page.evaluate(
                "() => document.querySelector('.graphiql-query-editor .CodeMirror')"
                ".CodeMirror.getValue()"
            )
            assert " ".join(typed.split()) == QUERY, f"editor holds {typed!r}"

            # Paste an Authorization header into the header editor.
            page.get_by_role("button", name="Headers", exact=True).click()
            headers_editor = page.locator(
                ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
            )
            expect(headers_editor).to_be_visible()
            headers_editor.evaluate(
                "(el, v) => el.CodeMirror.setValue(v)", json.dumps({"Authorization": token})
            )

            page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

            result = page.locator(".result-window")
            expect(result).to_contain_text("Hangbo Bao", timeout=15_000)
            text = page.evaluate(
                "() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
            )
            assert json.loads(text) == EXPECTED

            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()

    assert requested, "no request was recorded"
    outside = [u for u in requested if not _is_local(u)]
    assert not outside, f"the playground reached beyond 127.0.0.1: {outside}"
    vendor = [u for u in requested if "/static/vendor/" in u]
    assert any(u.endswith("graphiql.min.js") for u in vendor), requested
    assert any(u.endswith("graphiql.min.css") for u in vendor), requested
    assert not problems, problems
