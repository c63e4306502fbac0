"""The `peergraph` command: serve, seed, export-schema, users, fetch-assets."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from api import admin
from api.settings import Settings, SettingsError
from graph_store.errors import StoreLocked
from graph_store.factory import open_store
from graph_store.store import GraphStore
from seeds.openalex_import import CHUNK

T = TypeVar("T")
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


# An import's reads (which of a chunk's 20,000 ids exist, which slugs are
# free) run on a database busy with the import's own writes: they get this
# budget, not the one a served request gets.
IMPORT_READ_TIMEOUT = 60.0


def _with_store(
    settings: Settings, work: Callable[[GraphStore], Awaitable[T]], *, importing: bool = False
) -> T:
    config = settings.store_config()
    if importing:
        config = replace(config, transaction_timeout=IMPORT_READ_TIMEOUT)

    async def run() -> T:
        store = open_store(config)
        try:
            await store.initialize()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _store_command(settings: Settings, command: str, args: dict[str, Any]) -> int:
    """Run an admin command on the store; when a server holds the embedded
    store, through that server's admin socket (api/admin.py)."""
    try:
        outcome = _with_store(settings, lambda store: admin.run(store, command, args))
    except StoreLocked as e:
        outcome = admin.ask_server(settings.data_dir, command, args, e)
    return outcome.show()


SHUTDOWN_GRACE_SECONDS = 10


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api import playground
    from api.app import create_app

    playground.ensure_assets_or_warn()  # offline first start: the API still serves
    app = create_app(settings, seed_if_empty=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        # Subscriptions: a WebSocket ping every 20 s; a client that does not
        # answer within 20 s is dropped, and everything it listened to freed.
        ws="websockets-sansio",
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        # SIGTERM: open requests and sockets get this long, then are cut.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    # The lifespan closed the store (within its own bound). End here: a
    # write stuck in the engine holds a thread the interpreter would wait for
    # forever, and an engine instance a disk error left open must not be
    # destroyed at exit (graph_store/embedded/connection.py, _LEFT_OPEN).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    # Absolute: a server may run it, from its own working directory.
    return _store_command(settings, "seed", {"paths": [str(Path(p).resolve()) for p in args.paths]})


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from api.schema import schema_sdl

    out = Path(args.output)
    out.write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def cmd_fetch_assets(args: argparse.Namespace, settings: Settings) -> int:
    from api import playground

    try:
        print(f"GraphiQL assets in {playground.ensure_assets()}")
    except playground.AssetError as e:
        print(f"peergraph: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    return _store_command(
        settings,
        "users create",
        {
            "email": args.email,
            "password": args.password,
            "display_name": args.display_name,
            "moderator": args.moderator,
        },
    )


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    import gzip
    import time

    from seeds.openalex_generator import GeneratorSpec, write

    spec = GeneratorSpec(
        authors=args.authors,
        papers=args.papers,
        authorships=args.authorships,
        institutions=args.institutions,
        seed=args.seed,
    )
    try:
        spec.check()
    except ValueError as e:
        print(f"peergraph: {e}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if out.suffix == ".gz":
        # mtime=0: the same spec gives the same bytes, compressed or not.
        with gzip.GzipFile(out, "wb", mtime=0) as raw, io.TextIOWrapper(raw, "utf-8") as text:
            count = write(spec, text)
    else:
        with out.open("w", encoding="utf-8") as text:
            count = write(spec, text)
    print(
        f"wrote {count} works ({spec.authorships} authorships, {spec.authors} authors) "
        f"to {out} in {time.monotonic() - started:.1f} s"
    )
    return 0


def cmd_import_openalex(args: argparse.Namespace, settings: Settings) -> int:
    from seeds.openalex_import import Progress, import_openalex

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"peergraph: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2

    def show(p: Progress) -> None:
        eta = "" if p.eta_seconds is None else f", ETA {p.eta_seconds:.0f} s"
        share = 100 * p.bytes_read / p.bytes_total if p.bytes_total else 100.0
        print(
            f"\r{share:5.1f}%  {p.works} works  {p.rate:.0f} works/s{eta}   ",
            end="",
            file=sys.stderr,
            flush=True,
        )

    started = time.monotonic()
    try:
        report = _with_store(
            settings,
            lambda store: import_openalex(
                store, paths, chunk=args.chunk, workers=args.workers, progress=show
            ),
            importing=True,
        )
    except StoreLocked as e:
        # Not through the admin socket: see api/admin.py for why.
        print(f"peergraph: {e}", file=sys.stderr)
        print(
            "peergraph: a bulk import needs the embedded store to itself: stop the server "
            "(or the command) that holds it, import, then start it again",
            file=sys.stderr,
        )
        return 1
    print(file=sys.stderr)
    for line in report.bad:
        print(f"skipped {line}", file=sys.stderr)
    print(
        f"imported {report.works} works, {report.authorships} authorships"
        f" in {time.monotonic() - started:.0f} s"
        + (f"; skipped {len(report.bad)} bad records" if report.bad else "")
    )
    return 1 if report.bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peergraph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="seed an empty store, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=cmd_serve)

    seed = sub.add_parser("seed", help="import seed pages (idempotent)")
    seed.add_argument("paths", nargs="*", help="page files; default: the packaged seed pages")
    seed.set_defaults(run=cmd_seed)

    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default=str(SCHEMA_FILE))
    export.set_defaults(run=cmd_export_schema)

    fetch = sub.add_parser("fetch-assets", help="download the pinned GraphiQL assets")
    fetch.set_defaults(run=cmd_fetch_assets)

    gen = sub.add_parser(
        "generate", help="write a deterministic synthetic dataset in OpenAlex's works format"
    )
    gen.add_argument("--authors", type=int, default=100_000)
    gen.add_argument("--papers", type=int, default=300_000)
    gen.add_argument("--authorships", type=int, default=1_000_000)
    gen.add_argument("--institutions", type=int, default=2_000)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--output", default="data/openalex/works.jsonl.gz")
    gen.set_defaults(run=cmd_generate)

    imports = sub.add_parser("import", help="import external data").add_subparsers(
        dest="import_command", required=True
    )
    openalex = imports.add_parser(
        "openalex", help="import OpenAlex works (JSON Lines, .gz or plain); idempotent"
    )
    openalex.add_argument("paths", nargs="+")
    openalex.add_argument("--chunk", type=int, default=CHUNK, help="works per bulk write")
    openalex.add_argument(
        "--workers", type=int, default=None, help="parsing processes (default: one per core, max 4)"
    )
    openalex.set_defaults(run=cmd_import_openalex)

    users = sub.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a user (the only way to make moderators)")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--display-name", required=True)
    create.add_argument("--moderator", action="store_true")
    create.set_defaults(run=cmd_users_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The driver logs every server notification at INFO (e.g. each "index
    # already exists" at start-up); its warnings are what an operator needs.
    logging.getLogger("neo4j.notifications").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"peergraph: {e}", file=sys.stderr)
        return 2
    try:
        code: int = args.run(args, settings)
    except admin.EXPECTED_ERRORS as e:
        # Expected operator errors (a bad page, a busy or unreachable store): one
        # clear line, not a traceback.
        print(f"peergraph: {e}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
