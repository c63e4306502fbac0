"""Keyset pages: order, filters, has_next, total, and pages that concatenate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graph_store.records import (
    AuthorFilterSpec,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    Page,
    PaperFilterSpec,
    PaperKind,
)
from graph_store.store import GraphStore
from tests.contract.conftest import (
    ALICE,
    AUTHOR_ORDER,
    BAO,
    DONG,
    LONELY,
    P1,
    P2,
    P3,
    P4,
    P5,
    PAPER_ORDER,
    WEI,
    ZOE,
    at,
    make_user,
)

Fetch = Callable[[int, str | None], Awaitable[Page[Any]]]


async def walk(
    fetch: Fetch, first: int, key: Callable[[Any], str]
) -> tuple[list[Any], list[Page[Any]]]:
    """Follow has_next from the first page; every page reports the same total."""
    items: list[Any] = []
    pages: list[Page[Any]] = []
    after: str | None = None
    while True:
        page = await fetch(first, after)
        pages.append(page)
        items.extend(page.items)
        if not page.has_next:
            return items, pages
        assert len(page.items) == first
        after = key(page.items[-1])


async def test_list_authors_orders_case_insensitively(graph: GraphStore) -> None:
    page = await graph.list_authors(AuthorFilterSpec(), 100, None)
    assert [a.id for a in page.items] == AUTHOR_ORDER
    assert page.total == 6
    assert page.has_next is False


async def test_list_authors_pages_concatenate(graph: GraphStore) -> None:
    items, pages = await walk(
        lambda first, after: graph.list_authors(AuthorFilterSpec(), first, after),
        2,
        lambda a: a.sort_key,
    )
    assert [a.id for a in items] == AUTHOR_ORDER
    assert [len(p.items) for p in pages] == [2, 2, 2]
    assert [p.has_next for p in pages] == [True, True, False]
    assert {p.total for p in pages} == {6}


async def test_list_authors_page_size_not_dividing_total(graph: GraphStore) -> None:
    items, pages = await walk(
        lambda first, after: graph.list_authors(AuthorFilterSpec(), first, after),
        4,
        lambda a: a.sort_key,
    )
    assert [a.id for a in items] == AUTHOR_ORDER
    assert [len(p.items) for p in pages] == [4, 2]
    # after = the last sort_key: an empty last page, not an error.
    tail = await graph.list_authors(AuthorFilterSpec(), 4, items[-1].sort_key)
    assert tail.items == () and tail.has_next is False and tail.total == 6


async def test_list_authors_filters(graph: GraphStore) -> None:
    async def ids(spec: AuthorFilterSpec) -> tuple[list[str], int]:
        page = await graph.list_authors(spec, 100, None)
        return [a.id for a in page.items], page.total

    assert await ids(AuthorFilterSpec(name_contains="BAO")) == ([BAO], 1)
    assert await ids(AuthorFilterSpec(name_contains="zh")) == ([ALICE], 1)
    assert await ids(AuthorFilterSpec(name_contains="o")) == ([BAO, DONG, LONELY, ZOE], 4)
    assert await ids(AuthorFilterSpec(topic_slug="mixture-of-experts")) == ([WEI, BAO, ZOE], 3)
    assert await ids(AuthorFilterSpec(topic_slug="knowledge-distillation")) == (
        [WEI, BAO, DONG],
        3,
    )
    assert await ids(AuthorFilterSpec(topic_slug="no-such-topic")) == ([], 0)
    assert await ids(AuthorFilterSpec(claim_status=ClaimStatus.UNCLAIMED)) == (AUTHOR_ORDER, 6)
    assert await ids(AuthorFilterSpec(claim_status=ClaimStatus.PENDING)) == ([], 0)
    assert await ids(AuthorFilterSpec(name_contains="E", topic_slug="mixture-of-experts")) == (
        [WEI, ZOE],
        2,
    )


async def test_list_authors_claim_status_filter_follows_claims(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    await graph.create_claim(
        ClaimRecord(
            id="claim:1",
            author_id=ZOE,
            user_id=user.id,
            status=ClaimDecision.PENDING,
            evidence="orcid",
            created_at=at(1),
        )
    )
    page = await graph.list_authors(AuthorFilterSpec(claim_status=ClaimStatus.PENDING), 10, None)
    assert [a.id for a in page.items] == [ZOE] and page.total == 1
    rest = await graph.list_authors(AuthorFilterSpec(claim_status=ClaimStatus.UNCLAIMED), 10, None)
    assert rest.total == 5 and ZOE not in [a.id for a in rest.items]


async def test_filtered_pages_concatenate(graph: GraphStore) -> None:
    spec = AuthorFilterSpec(name_contains="o")
    items, pages = await walk(
        lambda first, after: graph.list_authors(spec, first, after), 3, lambda a: a.sort_key
    )
    assert [a.id for a in items] == [BAO, DONG, LONELY, ZOE]
    assert [p.total for p in pages] == [4, 4]
    assert [p.has_next for p in pages] == [True, False]


async def test_list_papers_order_and_paging(graph: GraphStore) -> None:
    page = await graph.list_papers(PaperFilterSpec(), 100, None)
    assert [p.id for p in page.items] == PAPER_ORDER
    assert page.total == 5 and page.has_next is False
    items, pages = await walk(
        lambda first, after: graph.list_papers(PaperFilterSpec(), first, after),
        2,
        lambda p: p.sort_key,
    )
    assert [p.id for p in items] == PAPER_ORDER
    assert [p.has_next for p in pages] == [True, True, False]


async def test_list_papers_filters(graph: GraphStore) -> None:
    async def ids(spec: PaperFilterSpec) -> tuple[list[str], int]:
        page = await graph.list_papers(spec, 100, None)
        return [p.id for p in page.items], page.total

    assert await ids(PaperFilterSpec(title_contains="DISTILLATION")) == ([P5, P1], 2)
    assert await ids(PaperFilterSpec(topic_slug="knowledge-distillation")) == ([P5, P2, P1], 3)
    assert await ids(PaperFilterSpec(year_from=2022)) == ([P5, P2, P3], 3)
    assert await ids(PaperFilterSpec(year_to=2022)) == ([P3, P1], 2)
    assert await ids(PaperFilterSpec(year_from=2022, year_to=2022)) == ([P3], 1)
    assert await ids(PaperFilterSpec(kind=PaperKind.PREPRINT)) == ([P5, P1, P4], 3)
    assert await ids(PaperFilterSpec(kind=PaperKind.JOURNAL)) == ([P3], 1)
    assert await ids(
        PaperFilterSpec(
            topic_slug="knowledge-distillation", kind=PaperKind.PREPRINT, year_from=2022
        )
    ) == ([P5], 1)
    assert await ids(PaperFilterSpec(title_contains="nothing like this")) == ([], 0)


async def test_list_topics_by_slug(graph: GraphStore) -> None:
    items, pages = await walk(
        lambda first, after: graph.list_topics(first, after), 3, lambda t: t.slug
    )
    assert [t.slug for t in items] == [
        "information-retrieval",
        "knowledge-distillation",
        "mixture-of-experts",
        "pruning",
    ]
    assert [p.has_next for p in pages] == [True, False]
    assert {p.total for p in pages} == {4}


async def walk_back(
    fetch_back: Callable[[int, str | None], Awaitable[Page[Any]]],
    last: int,
    key: Callable[[Any], str],
) -> list[Any]:
    """Pages from the end of the list towards its start (Relay's last/before);
    the items in list order."""
    items: list[Any] = []
    before: str | None = None
    while True:
        page = await fetch_back(last, before)
        assert page.has_next is (before is not None)
        items = list(page.items) + items
        if not page.has_previous:
            return items
        assert len(page.items) == last
        before = key(page.items[0])


async def test_every_keyset_list_pages_backward_as_forward(graph: GraphStore) -> None:
    """The same items, in the same order, read from either end (both stores)."""
    user = await graph.create_user(make_user(77))
    for author in (BAO, DONG, ZOE, WEI, LONELY):
        await graph.follow(user.id, author, at(1))
    key: Callable[[Any], str] = lambda r: r.sort_key  # noqa: E731
    lists: dict[str, Callable[..., Awaitable[Page[Any]]]] = {
        "authors": lambda n, a, **k: graph.list_authors(AuthorFilterSpec(), n, a, **k),
        "papers": lambda n, a, **k: graph.list_papers(PaperFilterSpec(), n, a, **k),
        "topics": lambda n, a, **k: graph.list_topics(n, a, **k),
        "following": lambda n, a, **k: graph.following_page(user.id, n, a, **k),
        "bao's papers": lambda n, a, **k: _one(graph.paper_pages_of_authors([BAO], n, a, **k)),
    }
    for name, fetch in lists.items():
        forward, _ = await walk(lambda n, a, f=fetch: f(n, a), 2, key)  # type: ignore[misc]
        assert len(forward) >= 3, name
        backward = await walk_back(
            lambda n, b, f=fetch: f(n, None, before=b, from_end=True),  # type: ignore[misc]
            2,
            key,
        )
        assert [key(r) for r in backward] == [key(r) for r in forward], name
        # Between two keys, from the end: the last item before `before`, after `after`.
        middle = await fetch(
            1, key(forward[0]), before=key(forward[3]) if len(forward) > 3 else None, from_end=True
        )
        expected = forward[2] if len(forward) > 3 else forward[-1]
        assert [key(r) for r in middle.items] == [key(expected)], name
        assert middle.has_previous, name


async def _one(pages: Awaitable[dict[str, Page[Any]]]) -> Page[Any]:
    (page,) = (await pages).values()
    return page
