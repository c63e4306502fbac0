"""Keyset pages in both directions, written once for both backends.

A list in ``sort_key`` order is cut in the store: the items after ``after``
and before ``before`` (each optional), the first ``size`` of that range, or,
``from_end``, its last ``size`` (Relay's ``last``/``before``). The statement
reads one row more than the page, in the page's direction, to tell whether
the list goes on that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from graph_store.records import Page

T = TypeVar("T")


def shape(after: str | None, before: str | None, from_end: bool) -> dict[str, bool]:
    """What a page's statement depends on (the query builders' keywords): which
    bounds it has and its direction; the values travel as parameters."""
    return {"after": after is not None, "before": before is not None, "from_end": from_end}


def bounds(key: str, after: bool, before: bool) -> list[str]:
    """Cypher conditions on ``key`` (e.g. ``n.sort_key``) for ``$after``/``$before``."""
    conditions = []
    if after:
        conditions.append(f"{key} > $after")
    if before:
        conditions.append(f"{key} < $before")
    return conditions


def order(terms: str, from_end: bool) -> str:
    """An ORDER BY list (``"n.status, n.sort_key"``) read forward or from the end."""
    if not from_end:
        return terms
    return ", ".join(f"{t.strip()} DESC" for t in terms.split(","))


def page_params(size: int, after: str | None, before: str | None) -> dict[str, object]:
    params: dict[str, object] = {"limit": max(size, 0) + 1}
    if after is not None:
        params["after"] = after
    if before is not None:
        params["before"] = before
    return params


def cut(
    rows: Sequence[T],
    size: int,
    total: int,
    *,
    after: str | None,
    before: str | None,
    from_end: bool,
) -> Page[T]:
    """The page of ``rows`` (read in the page's direction, at most size + 1)."""
    size = max(size, 0)
    more = len(rows) > size
    items = list(rows[:size])
    if from_end:
        items.reverse()
        return Page(tuple(items), total, has_next=before is not None, has_previous=more)
    return Page(tuple(items), total, has_next=more, has_previous=after is not None)
