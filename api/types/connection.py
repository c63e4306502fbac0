"""Relay cursor connections over keyset pages.

A cursor is the item's store ``sort_key``, base64url-encoded so clients treat
it as opaque; the store pages with ``sort_key > after``, so cursors stay valid
when rows are inserted before them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import strawberry

from api.errors import BadRequest
from graph_store.records import Page

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def page_size(first: int | None, default: int) -> int:
    """``first`` as given; an explicit null means the field's default. Its
    range (1-100) was checked before execution by api.limits."""
    return default if first is None else first


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:  # None or UNSET
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
        if not key:
            raise ValueError("empty cursor")
        return key
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise BadRequest(
            f"Invalid cursor {cursor!r}: pass an endCursor from a previous page"
        ) from e


class Keyed(Protocol):
    """A store record with its keyset ``sort_key`` (see graph_store.records)."""

    @property
    def sort_key(self) -> str: ...


K = TypeVar("K", bound=Keyed)


def connection_from_page(
    page: Page[K], convert: Callable[[K], T], after: str | None
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(r.sort_key), node=convert(r)) for r in page.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=bool(after),
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total,
    )
