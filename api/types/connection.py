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
from strawberry.types.arguments import StrawberryArgumentAnnotation

from api.errors import BadRequest
from graph_store.records import Page

T = TypeVar("T")


def first_arg(default: int, what: str) -> StrawberryArgumentAnnotation:
    """The description of a ``first`` argument (its range is checked by api.limits)."""
    return strawberry.argument(
        description=f"How many {what} to return: 1-100, default {default} (null means "
        "the default). A value outside 1-100 refuses the whole query with BAD_USER_INPUT."
    )


def after_arg() -> StrawberryArgumentAnnotation:
    """The description of a connection's ``after`` argument."""
    return strawberry.argument(
        description="Start after this cursor: a pageInfo.endCursor (or an edge's cursor) "
        "from an earlier page of the same list. Omit it (or send null) for the first page. "
        "A cursor that cannot be decoded is a BAD_USER_INPUT error."
    )


@strawberry.type(description="Where a page sits in its list, for asking for the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow this page: ask again with after: endCursor."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether this page was asked for with `after` (so items come before it). "
        "Lists only page forwards."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last edge, to pass as `after` for the next "
        "page; null when the page is empty."
    )


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque: pass it as `after` to get the items that follow this one. It "
        "stays valid when items are added before it."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="One page of a list (a Relay cursor connection), in the list's order. Pass "
    "pageInfo.endCursor as `after` for the next page."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The items of this page, at most `first`, in the list's order."
    )
    page_info: PageInfo = strawberry.field(description="Cursors and whether more follow.")
    total_count: int = strawberry.field(
        description="How many items the whole list holds (with the same filter), over all pages."
    )


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
