"""An offline GraphiQL playground: pinned assets, fetched once, served by the app itself.

GraphiQL's JavaScript and CSS (and the React UMD builds it needs) are *not*
committed.  They are downloaded from the npm registry as pinned tarballs, each
checked against the registry's ``dist.integrity`` (sha512) before anything is
extracted, and each extracted file is checked again against a pinned sha384
(the same value is used as the ``integrity`` attribute of the page's tags, so
the browser verifies it a third time).  Only the listed files are written, each
atomically, into the git-ignored folder ``api/static/vendor/`` (or
``$PEERGRAPH_ASSETS_DIR``).

GraphiQL 3.9.0 is the last release that ships a UMD bundle (4.x dropped it).

When the assets cannot be fetched (first start without network), the GraphQL
API still works; only the playground page says how to fetch them
(``peergraph fetch-assets``).

To bump a pin: ``npm view <name>@<version> dist.integrity`` gives ``integrity``;
``sha384`` of a file is ``openssl dgst -sha384 -binary FILE | openssl base64 -A``
(prefixed with ``sha384-``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import logging
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

__all__ = [
    "ASSET_PINS",
    "DEFAULT_REGISTRY",
    "STATIC_PREFIX",
    "AssetError",
    "AssetFile",
    "AssetPin",
    "assets_present",
    "ensure_assets",
    "ensure_assets_async",
    "ensure_assets_or_warn",
    "graphiql_html",
    "graphiql_response",
    "static_mount",
    "vendor_dir",
    "wants_graphiql",
]

log = logging.getLogger(__name__)

DEFAULT_REGISTRY = "https://registry.npmjs.org"
STATIC_PREFIX = "/static/vendor"
_DEFAULT_VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
_MAX_TARBALL_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AssetFile:
    """One file taken from a package tarball."""

    member: str  # path inside the tarball, e.g. "package/graphiql.min.js"
    name: str  # file name written under "<dest>/<package>@<version>/"
    sha384: str  # SRI form: "sha384-<base64>"


@dataclass(frozen=True, slots=True)
class AssetPin:
    """One npm package pinned by version and by the registry's sha512 integrity."""

    package: str
    version: str
    integrity: str  # "sha512-<base64>", as `npm view <package>@<version> dist.integrity`
    files: tuple[AssetFile, ...]

    @property
    def folder(self) -> str:
        return f"{self.package}@{self.version}"

    def tarball_url(self, registry: str) -> str:
        # Unscoped packages only (all pins are): <registry>/<name>/-/<name>-<version>.tgz
        return f"{registry.rstrip('/')}/{self.package}/-/{self.package}-{self.version}.tgz"


ASSET_PINS: tuple[AssetPin, ...] = (
    AssetPin(
        package="react",
        version="18.3.1",
        integrity=(
            "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
        ),
        files=(
            AssetFile(
                "package/umd/react.production.min.js",
                "react.production.min.js",
                "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
            ),
            AssetFile(
                "package/LICENSE",
                "LICENSE",
                "sha384-dIN5gxuW3odCH42AKpxql36fRQlrVsjCi4EJgGC2Ty8Ihkcq9cdrChEZpKhSAfks",
            ),
        ),
    ),
    AssetPin(
        package="react-dom",
        version="18.3.1",
        integrity=(
            "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
        ),
        files=(
            AssetFile(
                "package/umd/react-dom.production.min.js",
                "react-dom.production.min.js",
                "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
            ),
            AssetFile(
                "package/LICENSE",
                "LICENSE",
                "sha384-dIN5gxuW3odCH42AKpxql36fRQlrVsjCi4EJgGC2Ty8Ihkcq9cdrChEZpKhSAfks",
            ),
        ),
    ),
    AssetPin(
        package="graphiql",
        version="3.9.0",
        integrity=(
            "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA=="
        ),
        files=(
            AssetFile(
                "package/graphiql.min.js",
                "graphiql.min.js",
                "sha384-8NGfVj4CVlqHajlZj+bPJT4thxPMHMJYn7DWK2CvtopLd02E7qsPHazniBYvVjOO",
            ),
            AssetFile(
                "package/graphiql.min.css",
                "graphiql.min.css",
                "sha384-QMux00XgRtwRLSYIY3kw2rj1ovk5AuuliAchk+HSQbqdbGFnz9GYuqIlOqxhwCE2",
            ),
            AssetFile(
                "package/LICENSE",
                "LICENSE",
                "sha384-9JPX1agGTIUB7wtQt2kO3PUO7clmCJp+9e50VMjw1yd8briI77AZnMDBz5VcerBH",
            ),
        ),
    ),
)


class AssetError(RuntimeError):
    """The playground assets could not be fetched or failed their integrity check."""


# --------------------------------------------------------------------------- fetching


def vendor_dir() -> Path:
    """Where the assets live: ``$PEERGRAPH_ASSETS_DIR`` or ``api/static/vendor``."""
    override = os.environ.get("PEERGRAPH_ASSETS_DIR")
    return Path(override).resolve() if override else _DEFAULT_VENDOR_DIR


def _registry() -> str:
    # A mirror is safe to use: every byte is checked against the pinned integrity.
    return (
        os.environ.get("PEERGRAPH_NPM_REGISTRY")
        or os.environ.get("NPM_CONFIG_REGISTRY")
        or DEFAULT_REGISTRY
    )


def _sri(algorithm: str, data: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _file_ok(path: Path, expected_sri: str) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return _sri("sha384", data) == expected_sri


def assets_present(dest: Path | None = None, *, verify: bool = True) -> bool:
    """True when every pinned file exists (and, with ``verify``, matches its sha384)."""
    root = dest if dest is not None else vendor_dir()
    for pin in ASSET_PINS:
        for f in pin.files:
            path = root / pin.folder / f.name
            if not (_file_ok(path, f.sha384) if verify else path.is_file()):
                return False
    return True


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "peergraph-fetch-assets"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read(_MAX_TARBALL_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise AssetError(f"cannot download {url}: {e}") from e
    if len(data) > _MAX_TARBALL_BYTES:
        raise AssetError(f"refusing {url}: larger than {_MAX_TARBALL_BYTES} bytes")
    return data


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _extract_verified(pin: AssetPin, tarball: bytes) -> dict[str, bytes]:
    """The pinned files of ``pin`` from ``tarball``; raises unless every hash matches."""
    actual = _sri("sha512", tarball)
    if actual != pin.integrity:
        raise AssetError(
            f"integrity mismatch for {pin.folder} tarball: expected {pin.integrity}, got {actual}"
        )
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
            for f in pin.files:
                member = tar.getmember(f.member)
                if not member.isfile():
                    raise AssetError(f"{pin.folder}: {f.member} is not a regular file")
                fh = tar.extractfile(member)
                if fh is None:
                    raise AssetError(f"{pin.folder}: cannot read {f.member}")
                data = fh.read()
                if _sri("sha384", data) != f.sha384:
                    raise AssetError(f"integrity mismatch for {pin.folder}/{f.name}")
                out[f.name] = data
    except (tarfile.TarError, KeyError, OSError) as e:
        raise AssetError(f"{pin.folder}: bad tarball: {e}") from e
    return out


def ensure_assets(
    dest: Path | None = None,
    *,
    force: bool = False,
    timeout: float = 30.0,
    registry: str | None = None,
) -> Path:
    """Make sure the pinned GraphiQL assets are in ``dest`` (default: :func:`vendor_dir`).

    Files already present with the right hash are kept; missing or altered ones
    are fetched from the npm registry, verified (tarball sha512, then file
    sha384) and written atomically.  Raises :class:`AssetError` on any failure;
    nothing unverified is ever written.  Returns the folder.
    """
    root = dest if dest is not None else vendor_dir()
    reg = registry or _registry()
    for pin in ASSET_PINS:
        folder = root / pin.folder
        if not force and all(_file_ok(folder / f.name, f.sha384) for f in pin.files):
            continue
        url = pin.tarball_url(reg)
        log.info("fetching %s from %s", pin.folder, url)
        files = _extract_verified(pin, _download(url, timeout))
        for name, data in files.items():
            _write_atomic(folder / name, data)
    return root


def ensure_assets_or_warn(dest: Path | None = None, *, timeout: float = 15.0) -> bool:
    """:func:`ensure_assets`, but log a warning instead of raising; True when ready.

    For the app's first start: the API must come up even when offline.
    """
    try:
        ensure_assets(dest, timeout=timeout)
    except (AssetError, OSError) as e:
        log.warning(
            "GraphiQL playground assets unavailable (%s); the GraphQL API works, "
            "run `peergraph fetch-assets` to enable the playground",
            e,
        )
        return False
    return True


async def ensure_assets_async(dest: Path | None = None, *, timeout: float = 15.0) -> bool:
    """:func:`ensure_assets_or_warn` in a worker thread (for a Starlette lifespan)."""
    return await anyio.to_thread.run_sync(lambda: ensure_assets_or_warn(dest, timeout=timeout))


# --------------------------------------------------------------------------- serving


def static_mount(path: str = STATIC_PREFIX, dest: Path | None = None) -> Mount:
    """``Mount(path, StaticFiles(...))`` over the vendor folder.

    The folder is created if missing, so a not-yet-fetched asset is a 404, not a 500.
    """
    root = dest if dest is not None else vendor_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        log.warning("cannot create %s; playground assets will 404", root)
    return Mount(path, app=StaticFiles(directory=root, check_dir=False), name="vendor")


def wants_graphiql(request: Request) -> bool:
    """Should this request get the playground page? (Strawberry's own rule.)

    A browser's GET without a ``query`` parameter that accepts HTML; anything
    else (POST, GET with ``?query=``, ``Accept: application/json``) is GraphQL.
    """
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and ("text/html" in accept or "*/*" in accept)
    )


_DEFAULT_QUERY = """\
# PeerGraph GraphQL playground, served by this API (no CDN).
#
# Run a query: Ctrl-Enter, or the play button.
# Authenticate: open "Headers" below and paste
#   {"Authorization": "Bearer <your token>"}
#
{
  __typename
}
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PeerGraph · GraphiQL</title>
<link rel="icon" href="data:,">
<style>
  html, body {{ height: 100%; margin: 0; overflow: hidden; }}
  #graphiql {{ height: 100vh; }}
</style>
<link rel="stylesheet" href="{css}" integrity="{css_sri}">
<script src="{react}" integrity="{react_sri}"></script>
<script src="{react_dom}" integrity="{react_dom_sri}"></script>
<script src="{graphiql}" integrity="{graphiql_sri}"></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="peergraph-config" type="application/json">{config}</script>
<script>{script}</script>
</body>
</html>
"""

# Kept free of interpolation so that its CSP hash is a constant.
_BOOT_SCRIPT = """
(function () {
  var cfg = JSON.parse(document.getElementById("peergraph-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: new URL(cfg.endpoint, location.href).href });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: cfg.defaultQuery,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true
  }));
})();
"""

_MISSING_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>PeerGraph · playground assets missing</title>
<style>body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; }}
code, pre {{ background: #f3f3f3; padding: .1rem .3rem; }}</style></head>
<body>
<h1>GraphiQL playground assets are not installed</h1>
<p>The GraphQL API at <code>{endpoint}</code> works (POST a query to it); only this
in-browser playground is unavailable, because its JavaScript and CSS are served by
this server and have not been fetched yet.</p>
<p>Fetch them once (needs access to the npm registry; every file is integrity-checked):</p>
<pre>peergraph fetch-assets</pre>
<p>then reload this page. They are stored in <code>{folder}</code>.</p>
</body>
</html>
"""


def _asset_url(prefix: str, package: str, name: str) -> tuple[str, str]:
    for pin in ASSET_PINS:
        if pin.package == package:
            for f in pin.files:
                if f.name == name:
                    return f"{prefix.rstrip('/')}/{pin.folder}/{f.name}", f.sha384
    raise KeyError(f"{package}/{name} is not pinned")  # pragma: no cover


def _json_for_script(value: object) -> str:
    # Safe inside <script>: no "</script>" or "<!--" can be formed.
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graphiql_html(
    endpoint: str = "/graphql",
    *,
    static_prefix: str = STATIC_PREFIX,
    default_query: str = _DEFAULT_QUERY,
) -> str:
    """The GraphiQL page: only local ``static_prefix`` URLs, fetcher pointed at ``endpoint``."""
    css, css_sri = _asset_url(static_prefix, "graphiql", "graphiql.min.css")
    react, react_sri = _asset_url(static_prefix, "react", "react.production.min.js")
    react_dom, react_dom_sri = _asset_url(static_prefix, "react-dom", "react-dom.production.min.js")
    graphiql, graphiql_sri = _asset_url(static_prefix, "graphiql", "graphiql.min.js")
    esc = html.escape
    return _PAGE.format(
        css=esc(css),
        css_sri=css_sri,
        react=esc(react),
        react_sri=react_sri,
        react_dom=esc(react_dom),
        react_dom_sri=react_dom_sri,
        graphiql=esc(graphiql),
        graphiql_sri=graphiql_sri,
        config=_json_for_script({"endpoint": endpoint, "defaultQuery": default_query}),
        script=_BOOT_SCRIPT,
    )


_BOOT_SCRIPT_HASH = _sri("sha256", _BOOT_SCRIPT.encode())

# Belt and braces for "no CDN": the browser itself refuses any non-local load.
# GraphiQL sets inline styles and embeds its fonts and icons as data: URLs.
_CSP = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' '{_BOOT_SCRIPT_HASH}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    )
)


def graphiql_response(
    endpoint: str = "/graphql",
    *,
    static_prefix: str = STATIC_PREFIX,
    dest: Path | None = None,
    default_query: str = _DEFAULT_QUERY,
    extra_headers: Sequence[tuple[str, str]] = (),
) -> HTMLResponse:
    """The playground page, or (503) a page saying to run ``peergraph fetch-assets``.

    Presence is checked cheaply (files exist); their hashes were checked when
    written and the browser checks them again through the ``integrity`` attributes.
    """
    root = dest if dest is not None else vendor_dir()
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    headers.update(extra_headers)
    if not assets_present(root, verify=False):
        body = _MISSING_PAGE.format(endpoint=html.escape(endpoint), folder=html.escape(str(root)))
        return HTMLResponse(body, status_code=503, headers=headers)
    headers["Content-Security-Policy"] = _CSP
    page = graphiql_html(endpoint, static_prefix=static_prefix, default_query=default_query)
    return HTMLResponse(page, headers=headers)
