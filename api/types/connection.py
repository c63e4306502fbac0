"""Relay cursor connections over keyset pages.

A cursor is the item's store ``sort_key``, base64url-encoded so clients treat
it as opaque; the store pages with ``sort_key > after``, so cursors stay valid
when rows are inserted before them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def _invalid(cursor: str | None) -> str:
    shown = (
        cursor if cursor is None or len(cursor) <= 60 else cursor[:60] + "…"
    )  # never echo 100 KB
    return f"Invalid cursor {shown!r}: pass a cursor from this list's pageInfo or edges"


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
        raise BadRequest(_invalid(cursor)) from e


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


def empty_connection() -> Connection[T]:
    return Connection(
        edges=[],
        page_info=PageInfo(
            has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
        ),
        total_count=0,
    )


# --- connections over positions: ranked lists and short per-user lists ----------------
#
# Relay's pagination algorithm over a list whose length is known: `first`/`after`
# page forward, `last`/`before` backward, both may be combined. The store cuts
# ranked lists (co-authors, a topic's authors) at the window's offset.


@dataclass(frozen=True, slots=True)
class Window:
    """Positions [start, end) of a list of ``count`` items a request selects."""

    start: int
    end: int
    count: int

    @property
    def size(self) -> int:
        return self.end - self.start


def select_window(
    count: int,
    first: int | None,
    after: int | None,
    last: int | None,
    before: int | None,
    default: int,
) -> Window:
    """``after``/``before`` are positions (of the cursors' items); with neither
    ``first`` nor ``last`` (omitted or null) the page is the first ``default`` items."""
    first = first if isinstance(first, int) else None  # UNSET: not given
    last = last if isinstance(last, int) else None
    if first is None and last is None:
        first = default
    start = 0 if after is None else after + 1
    end = count if before is None else min(before, count)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    start = min(start, count)
    return Window(start, max(start, end), count)


def window_connection(
    items: Sequence[T], window: Window, cursor: Callable[[int, T], str]
) -> Connection[T]:
    """The connection of ``items``, the window's items in order."""
    edges = [Edge(cursor=cursor(window.start + i, item), node=item) for i, item in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=window.start + len(items) < window.count,
            has_previous_page=window.start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=window.count,
    )


def rank_cursor(position: int, _: object = None) -> str:
    """The cursor of a ranked list's item: its rank (ranked lists have no key)."""
    return encode_cursor(f"#{position}")


def rank_of(cursor: str | None) -> int | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    if not (key.startswith("#") and key[1:].isdigit()):
        raise BadRequest(_invalid(cursor))
    return int(key[1:])


def position_of(cursor: str | None, keys: Sequence[str]) -> int | None:
    """The position of the item whose key a cursor holds, in a list of keys."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        return keys.index(key)
    except ValueError:
        raise BadRequest(_invalid(cursor)) from None
