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
from typing import Annotated, Generic, Protocol, TypeVar

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


# The arguments of connections that page both ways (Relay's pagination algorithm).
FirstArg = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: at most this many items after `after`, 1-100. With "
        "neither first nor last, the field's default page size (its description says it)."
    ),
]
AfterArg = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an edge's cursor, or pageInfo.endCursor, from "
        "the same list). A cursor that cannot be decoded is a BAD_USER_INPUT error."
    ),
]
LastArg = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: at most this many items before `before` (or the "
        "end of the list), 1-100."
    ),
]
BeforeArg = Annotated[
    str | None,
    strawberry.argument(
        description="End before this cursor (an edge's cursor, or pageInfo.startCursor, from "
        "the same list)."
    ),
]


# For the lists the store pages by key, whose `first` has a default (the contract's).
KeysetLastArg = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: the last this-many items before `before` (or the end "
        "of the list), 1-100. When given, `first` (which has a default here) is ignored."
    ),
]


@dataclass(frozen=True, slots=True)
class KeysetCut:
    """A store keyset page as the store methods take it (graph_store/paging.py)."""

    size: int
    after: str | None
    before: str | None
    from_end: bool

    @property
    def key(self) -> tuple[int, str | None, str | None, bool]:
        return (self.size, self.after, self.before, self.from_end)


def keyset_cut(
    first: int | None, after: str | None, last: int | None, before: str | None, default: int
) -> KeysetCut:
    """`last` (with `before`) reads from the end; else `first` (or the default)."""
    if isinstance(last, int):
        return KeysetCut(last, decode_cursor(after), decode_cursor(before), True)
    return KeysetCut(page_size(first, default), decode_cursor(after), decode_cursor(before), False)


@strawberry.type(description="Where a page sits in its list, for asking for the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow this page: ask again with after: endCursor."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page. Connections with last/before "
        "arguments know it exactly; the others (forward only) say whether the page was "
        "asked for with `after`."
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
    page: Page[K], convert: Callable[[K], T], after: str | None = None
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(r.sort_key), node=convert(r)) for r in page.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous or bool(after),
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


def ranked_window(
    count: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default: int,
) -> Window:
    """``select_window`` over a ranked list, whose cursors are ranks (rank_cursor)."""
    return select_window(count, first, rank_of(after), last, rank_of(before), default)


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
