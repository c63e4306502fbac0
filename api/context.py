"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from api.events import Broker
from api.hashing import HashPool
from api.loaders import Loaders
from api.settings import Settings
from api.throttle import Throttle
from domain.fit_cache import FitCache
from graph_store.records import UserRecord
from graph_store.store import GraphStore


@dataclass(slots=True)
class Context:
    store: GraphStore
    settings: Settings
    loaders: Loaders
    viewer: UserRecord | None
    request_id: str
    events: Broker
    throttle: Throttle
    hashing: HashPool
    # Collaboration profiles kept between this process's requests.
    fit_cache: FitCache
    # The ASGI client host (the peer, or the address uvicorn's proxy-headers
    # took from X-Forwarded-For when the peer is a trusted proxy) as the
    # per-address limits count it: IPv6 by its /64 (api/throttle.address_key).
    client_address: str
    # A WebSocket connection's connection_init payload (strawberry sets it).
    connection_params: dict[str, Any] | None = None
    # A WebSocket viewer's token expiry (Unix time): its private events stop then.
    viewer_expires_at: float | None = None
    # Filled lazily by resolvers that need it once per request.
    cache: dict[str, Any] = field(default_factory=dict)


Info = StrawberryInfo[Context, None]
