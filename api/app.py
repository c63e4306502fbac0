"""The Starlette app: /graphql, the offline playground, health and readiness."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api import auth, playground
from api.context import Context
from api.loaders import Loaders
from api.schema import build_schema
from api.settings import Settings
from graph_store.errors import StoreError
from graph_store.factory import open_store
from graph_store.store import GraphStore

log = logging.getLogger("peergraph.api")

READY_TIMEOUT_SECONDS = 3.0
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _errors_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


class GraphQLApp(GraphQL[Context, None]):
    """strawberry's ASGI view with our context, orjson, and JSON errors."""

    def __init__(self, settings: Settings, store_ref: dict[str, GraphStore]) -> None:
        super().__init__(build_schema(settings), graphql_ide="graphiql")
        self.settings = settings
        self.store_ref = store_ref

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as e:
            # A malformed request still gets a GraphQL-shaped body, never text.
            response = JSONResponse(
                _errors_body(e.reason, "BAD_REQUEST"), status_code=e.status_code
            )
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        store = self.store_ref["store"]
        viewer = await auth.viewer_from_authorization(
            request.headers.get("authorization"), self.settings, store
        )
        return Context(
            store=store,
            settings=self.settings,
            loaders=Loaders(store, viewer.id if viewer else None),
            viewer=viewer,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return playground.graphiql_response()

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


class RequestGuard:
    """Pure ASGI middleware: a request id for every request, and a body limit.

    The limit is enforced on the bytes actually received, so a chunked body
    without Content-Length cannot slip past it.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]  # fmt: skip
            await send(message)

        too_large = JSONResponse(
            _errors_body(f"Request body over {self.max_body_bytes} bytes", "PAYLOAD_TOO_LARGE"),
            status_code=413,
        )
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return await too_large(scope, receive, send_with_id)

        # Read the whole body up front (bounded), then replay it to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return await too_large(scope, receive, send_with_id)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_id)


def create_app(
    settings: Settings | None = None,
    store: GraphStore | None = None,
    *,
    seed_if_empty: bool = False,
) -> ASGIApp:
    """Build the app. With ``store`` given the caller owns it (tests); else the
    lifespan opens the configured store, and closes it on shutdown."""
    settings = settings or Settings.from_env()
    settings.validate()
    store_ref: dict[str, GraphStore] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = store is None
        s = open_store(settings.store_config()) if store is None else store
        if owned:
            await s.initialize()
        store_ref["store"] = s
        try:
            if seed_if_empty and await s.author_count() == 0:
                from seeds.loader import default_seed_paths, load_pages

                summary = await load_pages(s, default_seed_paths())
                log.info("seeded an empty store: %s", summary)
            yield
        finally:
            if owned:
                await s.close()

    if store is not None:
        store_ref["store"] = store  # usable even when the lifespan is not run

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await asyncio.wait_for(store_ref["store"].ping(), READY_TIMEOUT_SECONDS)
        except (StoreError, TimeoutError, KeyError) as e:
            log.warning("not ready: %s", e)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    graphql_app = GraphQLApp(settings, store_ref)
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            playground.static_mount(),
        ],
        lifespan=lifespan,
    )
    return RequestGuard(app, settings.max_body_bytes)
