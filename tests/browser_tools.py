"""What the browser tests share: Debian's headless Chromium through Playwright
(or a skip), and the real app served by uvicorn on 127.0.0.1.

The tests skip when /usr/bin/chromium (or ``$PEERGRAPH_CHROMIUM``) or
playwright is missing, unless ``PEERGRAPH_REQUIRE_BROWSER=1`` (as in CI),
which makes them fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("PEERGRAPH_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("PEERGRAPH_REQUIRE_BROWSER") == "1"
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


def skip_or_fail(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (PEERGRAPH_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def require_chromium() -> Path:
    """Chromium and playwright, or a skip (a failure with PEERGRAPH_REQUIRE_BROWSER=1)."""
    if not CHROMIUM.exists():
        skip_or_fail(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(apt-get install -y --no-install-recommends chromium)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail('playwright is not installed: pip install -e ".[test]"')
    return CHROMIUM


def launch(pw: Playwright, chromium: Path) -> Browser:
    return pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)


# --------------------------------------------------------------------------- the app
# The real app on a fresh embedded store, seeded on start as `peergraph serve` does.


def make_app(data_dir: Path) -> Any:
    """The app with the development settings (env "test")."""
    from api.app import create_app
    from api.settings import Settings

    return create_app(Settings(env="test", data_dir=data_dir), seed_if_empty=True)


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError:  # 503 until the store is open and seeded
        return False


@contextlib.contextmanager
def uvicorn_server(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free port of 127.0.0.1 in a thread;
    yields its base URL once /readyz answers 200."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
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
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def sign_up(base_url: str, email: str = "ada@example.org", display_name: str = "Ada") -> str:
    """A real account through the API over HTTP; returns its bearer token."""
    body = json.dumps({
        "query": "mutation($i: SignUpInput!) "
        "{ signUp(input: $i) { token userErrors { message } } }",
        "variables": {"i": {"email": email, "password": "correct horse battery",
                            "displayName": display_name}},
    }).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{base_url}/graphql", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        payload = json.loads(response.read())
    token: str = payload["data"]["signUp"]["token"]
    assert token, payload
    return token
