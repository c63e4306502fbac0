"""The Starlette app: /graphql, the offline playground, health and readiness."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.types import QueryParams
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult

from api import auth, playground
from api.admin import SOCKET_NAME, AdminSocket
from api.availability import StoreSlot, bring_up
from api.context import Context
from api.errors import (
    RequestRefused,
    is_request_error,
    is_unavailable,
    unavailable_error,
    with_code,
)
from api.events import Broker, open_broker
from api.hashing import HashPool
from api.loaders import Loaders
from api.persisted import (
    DOCUMENT_ID_KEYS,
    PersistedQueries,
    PersistedQueryError,
    with_document_id,
)
from api.schema import MASKED_MESSAGE, build_schema
from api.settings import Settings
from api.throttle import Throttle, address_key
from domain.fit_cache import FitCache
from graph_store.errors import StoreDegraded, StoreError
from graph_store.factory import open_store
from graph_store.store import GraphStore

log = logging.getLogger("peergraph.api")

READY_TIMEOUT_SECONDS = 3.0
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def accepts_graphql_response_json(accept: str | None) -> bool:
    """Whether the client's Accept header lists the GraphQL-over-HTTP media type
    (with a non-zero quality)."""
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() == GRAPHQL_RESPONSE_JSON:
            q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def _errors_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _deadline_message(seconds: float) -> str:
    return (
        f"The request did not finish within its {seconds:g} s deadline and was cancelled; "
        "ask for less, or try again later (a cancelled mutation may still have been applied)"
    )


def _deadline_response(seconds: float) -> Response:
    # 200 with data null, as for an outage: the client's GraphQL library reads it.
    return JSONResponse({"data": None, **_errors_body(_deadline_message(seconds), REQUEST_TIMEOUT)})


def _is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    """Whether the operation a graphql-transport-ws subscribe message names is
    a subscription (a document that does not parse is not: it fails at once)."""
    if not isinstance(query, str):
        return False
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION


def _unavailable_response() -> Response:
    # 200 with data null, as a query whose fields failed on a down store gets.
    return JSONResponse({"data": None, "errors": [unavailable_error().formatted]})


class PersistedWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with the HTTP rules of persisted queries: a
    subscribe message may name its document by hash, and in persisted-only
    mode runs only a manifest operation. Nothing is registered over it."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # One context serves the whole connection (strawberry's design): each
        # operation gets fresh loaders and cache, so a query sent over the
        # socket hours later reads the store now, and caches do not grow.
        context = self.context
        if context.viewer is not None and self.connection_acknowledged:
            # The token was checked at connection_init; one that has expired
            # since, or a revoked session (log out, password change,
            # suspension), closes the socket as a bad token there does.
            expires = context.viewer_expires_at
            if expires is not None and time.time() >= expires:
                context.viewer = None
                await self.websocket.close(code=4403, reason="Forbidden: token expired")
                return
            context.viewer = await auth.current_viewer(context.viewer, context.store)
            if context.viewer is None:
                await self.websocket.close(code=4403, reason="Forbidden: session revoked")
                return
        context.loaders = Loaders(context.store, context.viewer.id if context.viewer else None)
        context.cache = {}
        payload: Any = message.get("payload")
        fresh = self.connection_acknowledged and message.get("id") not in self.operations
        if fresh and isinstance(payload, dict):
            payload = message["payload"] = with_document_id(payload)
            persisted = cast("GraphQLApp", self.view).persisted
            try:
                query, _ = await persisted.resolve(payload.get("query"), payload.get("extensions"))
            except PersistedQueryError as e:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [e.formatted]}
                )
                return
            if query is not None:
                payload["query"] = query
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Queries and mutations over the socket have the request deadline of
        HTTP (PEERGRAPH_REQUEST_TIMEOUT): past it the operation is cancelled and
        answered with an error message, REQUEST_TIMEOUT. Subscriptions live on."""
        settings = self.context.settings
        if _is_subscription(operation.query, operation.operation_name, settings.max_tokens):
            return await super().run_operation(operation)
        deadline = settings.request_timeout
        try:
            async with asyncio.timeout(deadline):
                await super().run_operation(operation)
        except TimeoutError:
            log.warning(
                "request %s: WebSocket operation cancelled at its %s s deadline",
                self.context.request_id,
                deadline,
            )
            error = _errors_body(_deadline_message(deadline), REQUEST_TIMEOUT)["errors"]
            with contextlib.suppress(Exception):
                await operation.send_operation_message(
                    {"id": operation.id, "type": "error", "payload": error}
                )
            self.operations.pop(operation.id, None)
        return None


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages in text frames, as the protocol's JSON
    strings are: strawberry sends bytes from encode_json (orjson) as binary
    frames, which graphql-ws's client rejects ("Message is missing the 'type'
    property"; a browser hands them over as a Blob)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLApp(GraphQL[Context, None]):
    """strawberry's ASGI view with our context, orjson, JSON errors and
    persisted queries (api/persisted.py)."""

    graphql_transport_ws_handler_class = PersistedWSHandler
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(
        self,
        settings: Settings,
        slot: StoreSlot,
        events: Broker,
        persisted: PersistedQueries,
        throttle: Throttle,
        hashing: HashPool,
    ) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.playground else None,
            # graphql-transport-ws only (graphql-ws, Apollo Client, urql): the
            # legacy subscriptions-transport-ws protocol is not offered.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=datetime.timedelta(seconds=settings.ws_init_timeout),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
        )
        self.settings = settings
        self.slot = slot
        self.events = events
        self.persisted = persisted
        self.throttle = throttle
        self.hashing = hashing
        self.fit_cache = FitCache(settings.fit_cache_items)
        self._origin_pattern = (
            re.compile(settings.cors_origin_regex) if settings.cors_origin_regex else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request_id = scope.get("state", {}).get("request_id", "-")
        deadline = self.settings.request_timeout
        try:
            # The deadline cancels the request's task: its store calls stop
            # waiting (an embedded read statement is stopped by the engine at
            # the same bound; Neo4j rolls back a cancelled transaction). Store
            # calls have their own, shorter bounds, so an outage still answers
            # SERVICE_UNAVAILABLE first.
            async with asyncio.timeout(deadline):
                response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as e:
            # A malformed request still gets a GraphQL-shaped body, never text.
            response = JSONResponse(
                _errors_body(e.reason, "BAD_REQUEST"), status_code=e.status_code
            )
        except TimeoutError:
            log.warning("request %s: cancelled at its %s s deadline", request_id, deadline)
            response = _deadline_response(deadline)
        except StoreError as e:
            # Only get_context reaches the store outside execution (a store not
            # initialised yet, the viewer lookup): masked JSON, never a text 500.
            if is_unavailable(e):
                log.warning("request %s: database unavailable: %s", request_id, e)
                response = _unavailable_response()
            else:
                log.error("request %s: unexpected store error", request_id, exc_info=e)
                response = JSONResponse({"data": None, "errors": [{"message": MASKED_MESSAGE}]})
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        store = self.slot.get()
        viewer = await auth.viewer_from_authorization(
            request.headers.get("authorization"), self.settings, store
        )
        return Context(
            store=store,
            settings=self.settings,
            loaders=Loaders(store, viewer.id if viewer else None),
            viewer=viewer,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
            events=self.events,
            throttle=self.throttle,
            hashing=self.hashing,
            fit_cache=self.fit_cache,
            client_address=address_key(request.client.host if request.client else "unknown"),
        )

    async def on_ws_connect(self, context: Context) -> None:
        """Sign the connection in from connection_init's payload, as Apollo
        Client and graphql-ws send it: {"Authorization": "Bearer <token>"}. A
        token that is not valid closes the socket (4403); none leaves the
        connection anonymous (public subscriptions only)."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if header is None:
            return None
        session = await auth.session_from_authorization(str(header), self.settings, context.store)
        if session is None:
            raise ConnectionRejectionError()
        viewer, context.viewer_expires_at = session
        context.viewer = viewer
        context.loaders = Loaders(context.store, viewer.id)
        return None

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """A browser page may open the socket from the origins CORS allows."""
        origin = origin.lower().rstrip("/")
        if origin in (self.settings.cors_origins or ()):
            return True
        return bool(self._origin_pattern and self._origin_pattern.match(origin))

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        if isinstance(request, Request):
            if accepts_graphql_response_json(request.headers.get("accept")):
                sub_response.media_type = GRAPHQL_RESPONSE_JSON
            request.state.sub_response = sub_response
        return sub_response

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):  # null, 42, "abc": strawberry would crash
            raise HTTPException(400, "The request body must be a JSON object")
        return with_document_id(parsed)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        parsed: dict[str, Any] = with_document_id(super().parse_query_params(params))
        return parsed

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A persisted GET has no `query`, and a browser's fetch accepts */*.
        persisted = ("extensions", *DOCUMENT_ID_KEYS)
        if any(k in request.query_params for k in persisted):
            return False
        return super().should_render_graphql_ide(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """The persisted document, if the request names one, is run by
        strawberry as if sent (a GET still runs no mutation); a new APQ
        document is remembered once it has run valid."""
        try:
            query, remember = await self.persisted.resolve(
                request_data.query, request_data.extensions
            )
        except PersistedQueryError as e:
            return ExecutionResult(data=None, errors=[e])
        result = await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=dataclasses.replace(request_data, query=query),
        )
        if remember and query and not is_request_error(result.errors or []):
            await self.persisted.remember(remember, query)
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # Parse errors never reach the schema's extensions: their code is set here.
        if result.errors:
            result.errors = [with_code(e) for e in result.errors]
        response = await super().process_result(request, result)
        sub_response: Response = request.state.sub_response
        refused = next((e for e in result.errors or [] if isinstance(e, RequestRefused)), None)
        if refused is not None:
            # Never executed: no "data", and the status the refusal chose
            # (200 for PersistedQueryNotFound, 429 for a throttled address,
            # whatever the media type).
            response.pop("data", None)
            sub_response.status_code = refused.status
            sub_response.headers.update(refused.headers)
            return response
        # The GraphQL-over-HTTP spec, for clients that accept its media type: a
        # request that never reached execution (parse, validation, variables,
        # limits) is a 400 without "data". application/json clients keep 200.
        if (
            sub_response.media_type == GRAPHQL_RESPONSE_JSON
            and result.data is None
            and is_request_error(result.errors or [])
        ):
            response.pop("data", None)
            sub_response.status_code = 400
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        return response

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
    events: Broker | None = None,
) -> ASGIApp:
    """Build the app. With ``store`` given the caller owns it, opened (tests);
    else the lifespan opens the configured store in the background, waiting
    for the database as long as it takes, and closes it on shutdown. The same
    for ``events``: a caller's broker (tests share one between apps), else
    the configured one (``PEERGRAPH_REDIS_URL``), closed on shutdown, as is
    the APQ document cache (in process, or in that Redis)."""
    settings = settings or Settings.from_env()
    settings.validate()
    slot = StoreSlot(store)  # a caller's store is usable even without the lifespan
    owned_events = events is None
    broker = open_broker(settings.redis_url) if events is None else events
    # APQ documents: in this process, or in Redis when PEERGRAPH_REDIS_URL is set.
    persisted = PersistedQueries.from_settings(settings)
    # Abuse throttles' counts: the same, in this process or in that Redis.
    throttle = Throttle.from_settings(settings)
    hashing = HashPool(settings.hash_threads, settings.hash_queue)

    async def close_owned() -> None:
        await persisted.close()
        await throttle.close()
        hashing.close()
        if owned_events:
            await broker.close()

    async def seed(s: GraphStore) -> None:
        if seed_if_empty and await s.author_count() == 0:
            from seeds.loader import default_seed_paths, load_pages

            summary = await load_pages(s, default_seed_paths())
            log.info("seeded an empty store: %s", summary)

    async def prepare(s: GraphStore, admin: AdminSocket | None = None) -> None:
        await s.initialize()
        await seed(s)
        if admin is not None:  # only now: this process holds the database
            await admin.start()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if store is not None:
            await seed(store)
            try:
                yield
            finally:
                await close_owned()
            return
        # Only constructs it (no I/O): a malformed URI fails start-up here, at once.
        owned = open_store(settings.store_config())
        # A server that holds the embedded store runs admin commands for the
        # CLI (api/admin.py); Neo4j takes the CLI as a client of its own.
        admin = None if settings.neo4j_uri else AdminSocket(settings.data_dir / SOCKET_NAME, owned)
        task = asyncio.create_task(
            bring_up(owned, slot, lambda s: prepare(s, admin)), name="peergraph-store"
        )
        try:
            yield
        finally:
            task.cancel()
            await asyncio.wait({task})
            if admin is not None:
                await admin.close()
            await close_owned()
            try:
                await owned.close()
            except StoreError as e:
                log.warning("closing the store failed: %s", e)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await asyncio.wait_for(slot.get().ping(), READY_TIMEOUT_SECONDS)
        except (StoreError, TimeoutError) as e:
            log.warning("not ready: %s", str(e) or "no answer in time")
            # A degraded store's reason is written to be shown; other errors
            # may carry driver text (hosts, paths): a fixed reason.
            reason = str(e) if isinstance(e, StoreDegraded) else "the database does not answer"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready"})

    graphql_app = GraphQLApp(settings, slot, broker, persisted, throttle, hashing)
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            playground.static_mount(),
        ],
        lifespan=lifespan,
    )
    return with_cors(RequestGuard(app, settings.max_body_bytes), settings)


def with_cors(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Browser apps on the allowed origins may call the API (outermost, so
    every answer carries the headers, a 413 included). Bearer tokens, not
    cookies: no credentials mode, so an allowed origin is echoed, never "*"."""
    return CORSMiddleware(
        app,
        allow_origins=list(settings.cors_origins or ()),
        allow_origin_regex=settings.cors_origin_regex,
        allow_methods=["GET", "POST"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "X-Request-Id",
            "apollographql-client-name",
            "apollographql-client-version",
        ],
        expose_headers=["X-Request-Id"],
        allow_credentials=False,
        max_age=600,
    )
