"""A browser app on another origin calls the API, in a real headless Chromium.

A real uvicorn server with the development settings (env "test": CORS allows
http(s)://localhost, 127.0.0.1 and [::1] on any port) listens on
127.0.0.1:P. The app's page is served, without a second server, by Playwright
fulfilling its URL (``page.route``): Chromium gives the page that origin and
enforces CORS on it.

From ``http://localhost:5173`` (Vite's default) a ``fetch`` POST with
``Authorization`` and a JSON body (so the browser sends a preflight first)
reads the data, and a WebSocket speaking graphql-transport-ws gets its
``connection_ack``. From ``https://app.example`` the browser refuses the same
fetch (a TypeError) after the server answered the preflight without
``Access-Control-Allow-Origin``, and the server refuses the socket's handshake
for its Origin: the allow-list is what the browser enforces. Every request the
server gets is recorded, so each refusal is shown to be the server's answer.

Two things of the harness, not of the API:

- Playwright answers CORS preflights itself (allowing all) while any route is
  set, so the page's route is removed once it has loaded: the preflights here
  are Chromium's own, answered by the server.
- Chromium's Local Network Access checks: a real dev server on localhost:5173
  is in the loopback address space like the API, so nothing asks; a page
  fulfilled by Playwright has no address and counts as public, which would
  need the user's permission to reach 127.0.0.1. The contexts grant it
  (``local-network-access``, as a user clicking Allow). A public page that is
  not a secure context is refused loopback outright, before CORS, hence an
  https refused origin (``http://app.example`` would prove nothing).

Skips like tests/test_browser_playground.py (tests/browser_tools.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.browser_tools import launch, make_app, require_chromium, sign_up, uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ALLOWED = "http://localhost:5173"  # a Vite dev server's origin
REFUSED = "https://app.example"  # a secure context (see above)
# No favicon request: nothing but the test's own requests leaves the page.
PAGE = (
    '<!doctype html><html><head><title>frontend</title><link rel="icon" href="data:,">'
    "</head><body>app</body></html>"
)

QUERY = 'query CorsCheck { viewer { displayName } author(slug: "hangbo-bao") { name } }'
EXPECTED = {"data": {"viewer": {"displayName": "Ada"}, "author": {"name": "Hangbo Bao"}}}

# What the app's code does: fetch with a bearer token and a JSON body (neither
# is CORS-safelisted, so the browser preflights), reading the answer and an
# exposed header. A refusal is the TypeError fetch throws.
FETCH = """async ([url, token, query]) => {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token},
      body: JSON.stringify({query}),
    });
    return {status: response.status, body: await response.json(),
            requestId: response.headers.get('X-Request-Id')};
  } catch (e) {
    return {thrown: e.name, message: e.message};
  }
}"""

# A graphql-transport-ws handshake with the browser's WebSocket: the first
# message after connection_init, or how the socket ended before one came.
WEBSOCKET = """([url, token]) => new Promise((resolve) => {
  const seen = [];
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const timer = setTimeout(() => resolve({outcome: 'timeout', seen}), 10000);
  ws.onopen = () => {
    seen.push('open');
    ws.send(JSON.stringify({type: 'connection_init', payload: {Authorization: 'Bearer ' + token}}));
  };
  ws.onmessage = (event) => {
    clearTimeout(timer);
    const text = typeof event.data === 'string';
    resolve({outcome: 'message', protocol: ws.protocol, text,
             message: text ? JSON.parse(event.data) : null, seen});
    ws.close(1000);
  };
  ws.onerror = () => seen.push('error');
  ws.onclose = (event) => {
    clearTimeout(timer);
    resolve({outcome: 'closed', code: event.code, seen});
  };
})"""


# --------------------------------------------------------------------------- the server


@dataclass
class Seen:
    """One request the server got, and the first thing it answered."""

    kind: str  # "http" or "websocket"
    method: str | None
    path: str
    origin: str | None
    answer: int | str | None = None  # an HTTP status; a handshake's "accept" or "close"
    allow_origin: str | None = None


class Recorder:
    """ASGI middleware around the whole app (its CORS layer included) that
    records every request and how it was answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[Seen] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        entry = Seen(scope["type"], scope.get("method"), scope["path"], headers.get("origin"))
        self.seen.append(entry)

        async def recording_send(message: Message) -> None:
            if entry.answer is None:
                kind = message["type"]
                if kind in ("http.response.start", "websocket.http.response.start"):
                    entry.answer = message["status"]
                    answered = {
                        k.decode("latin-1").lower(): v.decode("latin-1")
                        for k, v in message.get("headers", [])
                    }
                    entry.allow_origin = answered.get("access-control-allow-origin")
                elif kind == "websocket.accept":
                    entry.answer = "accept"
                elif kind == "websocket.close":
                    entry.answer = "close"
            await send(message)

        await self.app(scope, receive, recording_send)

    def of(self, origin: str) -> list[Seen]:
        return [s for s in self.seen if s.origin == origin]


@dataclass
class Server:
    url: str
    recorder: Recorder
    token: str

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    @property
    def websocket(self) -> str:
        return self.graphql.replace("http://", "ws://")


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    recorder = Recorder(make_app(tmp_path_factory.mktemp("cors")))
    with uvicorn_server(recorder) as url:
        yield Server(url, recorder, sign_up(url))


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw, chromium)
        try:
            yield browser
        finally:
            browser.close()


def _page_on(browser: Browser, origin: str, console: list[str]) -> Iterator[Page]:
    """A page whose origin is ``origin``, served by Playwright, not a server."""
    context = browser.new_context(permissions=["local-network-access"])
    try:
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text))
        page.route(
            f"{origin}/",
            lambda route: route.fulfill(status=200, content_type="text/html", body=PAGE),
        )
        response = page.goto(f"{origin}/", wait_until="load")
        assert response is not None and response.status == 200
        # While a route is set Playwright answers every CORS preflight itself,
        # allowing all; without one, Chromium's preflight reaches the server.
        page.unroute_all()
        assert page.evaluate("() => location.origin") == origin
        yield page
    finally:
        context.close()


@pytest.fixture
def console() -> list[str]:
    return []


@pytest.fixture
def allowed_page(browser: Browser, console: list[str]) -> Iterator[Page]:
    yield from _page_on(browser, ALLOWED, console)


@pytest.fixture
def refused_page(browser: Browser, console: list[str]) -> Iterator[Page]:
    yield from _page_on(browser, REFUSED, console)


def _http(server: Server, origin: str) -> list[tuple[str | None, int | str | None, str | None]]:
    """(method, answer, Access-Control-Allow-Origin) of each HTTP request the
    server got from ``origin``."""
    return [
        (s.method, s.answer, s.allow_origin)
        for s in server.recorder.of(origin)
        if s.kind == "http" and s.path == "/graphql"
    ]


# --------------------------------------------------------------------------- the tests


def test_an_allowed_origin_reads_after_a_preflight(server: Server, allowed_page: Page) -> None:
    result: dict[str, Any] = allowed_page.evaluate(FETCH, [server.graphql, server.token, QUERY])
    assert result.get("status") == 200, result
    assert result["body"] == EXPECTED
    assert result["requestId"], "X-Request-Id is not exposed to the page"
    # Chromium asked first, the server allowed the origin (echoed, never "*"),
    # then the POST went out.
    assert _http(server, ALLOWED) == [("OPTIONS", 200, ALLOWED), ("POST", 200, ALLOWED)]


def test_a_refused_origin_is_blocked_by_the_browser(
    server: Server, refused_page: Page, console: list[str]
) -> None:
    result: dict[str, Any] = refused_page.evaluate(FETCH, [server.graphql, server.token, QUERY])
    assert result.get("thrown") == "TypeError", result
    # The preflight reached the server, which did not allow the origin, so the
    # browser never sent the POST.
    assert _http(server, REFUSED) == [("OPTIONS", 400, None)], console


def test_an_allowed_origin_opens_a_websocket(server: Server, allowed_page: Page) -> None:
    result: dict[str, Any] = allowed_page.evaluate(WEBSOCKET, [server.websocket, server.token])
    assert result["outcome"] == "message", result
    assert result["protocol"] == "graphql-transport-ws", result
    assert result["text"], "the server sent a binary frame (a Blob to the page)"
    assert result["message"]["type"] == "connection_ack", result
    handshakes = [s for s in server.recorder.of(ALLOWED) if s.kind == "websocket"]
    assert [s.answer for s in handshakes] == ["accept"]


def test_a_refused_origin_cannot_open_a_websocket(server: Server, refused_page: Page) -> None:
    result: dict[str, Any] = refused_page.evaluate(WEBSOCKET, [server.websocket, server.token])
    assert result["outcome"] == "closed", result
    assert "open" not in result["seen"] and "error" in result["seen"], result
    assert result["code"] == 1006, result  # the handshake failed: no close frame
    handshakes = [s for s in server.recorder.of(REFUSED) if s.kind == "websocket"]
    # Closed before it was accepted: uvicorn answers the handshake with a 403.
    assert [s.answer for s in handshakes] == ["close"], handshakes
