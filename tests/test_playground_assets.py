"""The playground's asset fetcher and page, without a browser or the network.

A throw-away "registry" on 127.0.0.1 serves made-up tarballs so that download,
integrity checks and atomic writes are exercised end to end, offline.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import re
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api import playground
from api.playground import (
    ASSET_PINS,
    AssetError,
    AssetFile,
    AssetPin,
    assets_present,
    ensure_assets,
    ensure_assets_or_warn,
    graphiql_html,
    graphiql_response,
    static_mount,
    wants_graphiql,
)


def _sri(alg: str, data: bytes) -> str:
    return f"{alg}-{base64.b64encode(hashlib.new(alg, data).digest()).decode()}"


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


JS = b"window.Fake = 1;\n"
CSS = b".fake { color: red }\n"
TARBALL = _tarball({"package/fake.js": JS, "package/fake.css": CSS, "package/other": b"x"})
FAKE_PIN = AssetPin(
    package="fake",
    version="1.0.0",
    integrity=_sri("sha512", TARBALL),
    files=(
        AssetFile("package/fake.js", "fake.js", _sri("sha384", JS)),
        AssetFile("package/fake.css", "fake.css", _sri("sha384", CSS)),
    ),
)


@pytest.fixture
def registry() -> Iterator[dict[str, bytes]]:
    """A registry on 127.0.0.1: maps URL path -> body; yields the map (edit to tamper)."""
    served: dict[str, bytes] = {"/fake/-/fake-1.0.0.tgz": TARBALL}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served["_url"] = f"http://127.0.0.1:{server.server_address[1]}".encode()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(playground, "ASSET_PINS", (FAKE_PIN,))


def test_pins_are_sha512_and_sha384() -> None:
    names = {p.package for p in ASSET_PINS}
    assert names == {"graphiql", "react", "react-dom"}
    for pin in ASSET_PINS:
        assert pin.integrity.startswith("sha512-") and len(pin.integrity) == 95
        for f in pin.files:
            assert f.sha384.startswith("sha384-") and len(f.sha384) == 71
    assert next(p for p in ASSET_PINS if p.package == "graphiql").version.startswith("3.")


@pytest.mark.usefixtures("fake_pins")
def test_fetches_verifies_and_writes_only_pinned_files(
    registry: dict[str, bytes], tmp_path: Path
) -> None:
    url = registry["_url"].decode()
    assert not assets_present(tmp_path)
    assert ensure_assets(tmp_path, registry=url) == tmp_path
    assert (tmp_path / "fake@1.0.0" / "fake.js").read_bytes() == JS
    assert (tmp_path / "fake@1.0.0" / "fake.css").read_bytes() == CSS
    assert sorted(p.name for p in (tmp_path / "fake@1.0.0").iterdir()) == ["fake.css", "fake.js"]
    assert assets_present(tmp_path)

    # Present and intact: no download at all.
    registry.pop("/fake/-/fake-1.0.0.tgz")
    ensure_assets(tmp_path, registry=url)

    # An altered file on disk is re-fetched (and here, with the registry gone, refused).
    (tmp_path / "fake@1.0.0" / "fake.js").write_bytes(b"evil()")
    assert not assets_present(tmp_path)
    with pytest.raises(AssetError, match="cannot download"):
        ensure_assets(tmp_path, registry=url)


@pytest.mark.usefixtures("fake_pins")
def test_tarball_integrity_mismatch_is_refused(registry: dict[str, bytes], tmp_path: Path) -> None:
    registry["/fake/-/fake-1.0.0.tgz"] = _tarball(
        {"package/fake.js": b"evil()", "package/fake.css": CSS}
    )
    with pytest.raises(AssetError, match="integrity mismatch"):
        ensure_assets(tmp_path, registry=registry["_url"].decode())
    assert not any(tmp_path.rglob("*"))


def test_file_integrity_mismatch_is_refused(
    monkeypatch: pytest.MonkeyPatch, registry: dict[str, bytes], tmp_path: Path
) -> None:
    # The tarball matches its pin but a file inside does not match its own pin.
    bad = AssetPin(
        "fake",
        "1.0.0",
        FAKE_PIN.integrity,
        (AssetFile("package/fake.js", "fake.js", _sri("sha384", b"")),),
    )
    monkeypatch.setattr(playground, "ASSET_PINS", (bad,))
    with pytest.raises(AssetError, match="integrity mismatch"):
        ensure_assets(tmp_path, registry=registry["_url"].decode())
    assert not any(tmp_path.rglob("*"))


def test_missing_assets_page_explains_how_to_fetch(tmp_path: Path) -> None:
    resp = graphiql_response(dest=tmp_path / "empty")
    assert resp.status_code == 503
    body = bytes(resp.body).decode()
    assert "peergraph fetch-assets" in body
    assert "<script" not in body


def test_unreachable_registry_is_an_asset_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(playground, "ASSET_PINS", (FAKE_PIN,))
    # Port 9 on loopback ("discard") is closed here: connection refused at once.
    with pytest.raises(AssetError, match="cannot download"):
        ensure_assets(tmp_path, registry="http://127.0.0.1:9", timeout=2)
    monkeypatch.setenv("PEERGRAPH_NPM_REGISTRY", "http://127.0.0.1:9")
    assert ensure_assets_or_warn(tmp_path) is False
    assert not any(tmp_path.rglob("*"))


def test_page_loads_only_local_assets_with_sri() -> None:
    page = graphiql_html("/graphql")
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls, page
    for url in urls:
        assert url.startswith("/static/vendor/") or url.startswith("data:"), url
    assert "http://" not in page and "https://" not in page and "//" not in "".join(urls)
    assert page.count('integrity="sha384-') == 4
    assert "isHeadersEditorEnabled: true" in page
    assert '"endpoint": "/graphql"' in page


def test_page_escapes_its_config() -> None:
    page = graphiql_html("/graphql", default_query="</script><script>alert(1)</script>")
    assert "</script><script>alert(1)" not in page


def _app(dest: Path) -> Starlette:
    async def graphql(request: Request) -> Response:
        if wants_graphiql(request):
            return graphiql_response(dest=dest)
        return Response("graphql", media_type="text/plain")

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]), static_mount(dest=dest)]
    )


async def test_served_page_and_assets(tmp_path: Path) -> None:
    dest = tmp_path / "vendor"
    transport = httpx.ASGITransport(app=_app(dest))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await _check_served(client, dest)


async def _check_served(client: httpx.AsyncClient, dest: Path) -> None:
    # Nothing fetched: the page is a 503 explaining what to do; assets 404, not 500.
    r = await client.get("/graphql", headers={"accept": "text/html"})
    assert r.status_code == 503 and "peergraph fetch-assets" in r.text
    r = await client.get("/static/vendor/graphiql@3.9.0/graphiql.min.js")
    assert r.status_code == 404
    # Non-browser requests are GraphQL, not the page.
    html_accept = {"accept": "text/html"}
    r = await client.get("/graphql", params={"query": "{__typename}"}, headers=html_accept)
    assert r.text == "graphql"
    r = await client.get("/graphql", headers={"accept": "application/json"})
    assert r.text == "graphql"
    r = await client.post("/graphql", json={"query": "{__typename}"})
    assert r.text == "graphql"

    # With the files in place (copied from the real vendor folder when present).
    real = playground.vendor_dir()
    if not assets_present(real):
        pytest.skip("real assets not fetched; run `peergraph fetch-assets`")
    for pin in ASSET_PINS:
        for f in pin.files:
            target = dest / pin.folder / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((real / pin.folder / f.name).read_bytes())
    r = await client.get("/graphql", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]
    js = await client.get("/static/vendor/graphiql@3.9.0/graphiql.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
