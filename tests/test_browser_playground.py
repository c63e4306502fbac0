"""GraphiQL at /graphql renders and runs a query in a real headless Chromium, offline.

A real uvicorn server on 127.0.0.1 serves the page and its (locally vendored)
JavaScript and CSS; every request the browser makes is recorded and the test
fails if any of them leaves the loopback address.

Skips when /usr/bin/chromium (or ``$PEERGRAPH_CHROMIUM``) or playwright is
missing, unless ``PEERGRAPH_REQUIRE_BROWSER=1`` (as in CI), which makes it fail
(tests/browser_tools.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.playground import AssetError, assets_present, ensure_assets
from tests.browser_tools import (
    launch,
    make_app,
    require_chromium,
    sign_up,
    skip_or_fail,
    uvicorn_server,
)

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/playground.png")
LOOPBACK_HOSTS = {"127.0.0.1"}
LOCAL_SCHEMES = {"data", "blob", "about"}

QUERY = '{ viewer { displayName } author(slug: "hangbo-bao") { name trust { score } } }'
EXPECTED = {
    "data": {
        "viewer": {"displayName": "Ada"},
        "author": {"name": "Hangbo Bao", "trust": {"score": 21}},
    }
}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def vendored_assets() -> None:
    if assets_present():
        return
    try:
        ensure_assets()
    except AssetError as e:
        skip_or_fail(
            f"GraphiQL assets missing and not fetchable ({e}); run `peergraph fetch-assets`"
        )


@pytest.fixture(scope="module")
def base_url(vendored_assets: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with uvicorn_server(make_app(tmp_path_factory.mktemp("playground"))) as url:
        yield url


# --------------------------------------------------------------------------- the test


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOOPBACK_HOSTS


def test_graphiql_runs_a_query_offline(chromium: Path, base_url: str) -> None:
    from playwright.sync_api import Route as PwRoute
    from playwright.sync_api import expect, sync_playwright

    token = f"Bearer {sign_up(base_url)}"
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
        browser = launch(pw, chromium)
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
