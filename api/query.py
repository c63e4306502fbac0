"""The Query root: the read side of the graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from api.context import Info
from api.errors import BadRequest
from api.types import social
from api.types.author import Author
from api.types.connection import (
    Connection,
    connection_from_page,
    decode_cursor,
    page_size,
    rank_cursor,
    rank_of,
    select_window,
    window_connection,
)
from api.types.enums import ClaimStatus, PaperKind
from api.types.graph import ResearchGraph
from api.types.institution import Institution
from api.types.node import Node
from api.types.paper import Paper
from api.types.search import SearchHit, hit_results, search_hits
from api.types.topic import Topic
from domain.research_graph import research_slice
from graph_store import records as rec
from graph_store.records import NodeKind, kind_of

if TYPE_CHECKING:
    from api.types.user import User

# Hits a searchConnection ranks and pages through (the store scores at most
# 500 name/title and 500 abstract candidates anyway).
SEARCH_WINDOW = 1000

T = TypeVar("T")

UserRef = Annotated["User", strawberry.lazy("api.types.user")]


@strawberry.input(description="All given conditions must hold; text matches ignore case.")
class AuthorFilter:
    name_contains: str | None = strawberry.UNSET
    topic_slug: str | None = strawberry.UNSET
    claim_status: ClaimStatus | None = strawberry.UNSET


@strawberry.input(description="All given conditions must hold; text matches ignore case.")
class PaperFilter:
    title_contains: str | None = strawberry.UNSET
    topic_slug: str | None = strawberry.UNSET
    year_from: int | None = strawberry.UNSET
    year_to: int | None = strawberry.UNSET
    kind: PaperKind | None = strawberry.UNSET


def _given(value: T | None) -> T | None:
    """None for an argument the client left out (UNSET) or sent as null."""
    return None if value is strawberry.UNSET else value


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id; null if unknown or not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await load_node(info, str(id))

    @strawberry.field(description="The signed-in user, or null for anonymous requests.")
    def viewer(self, info: Info) -> UserRef | None:
        from api.types.user import User

        viewer = info.context.viewer
        return User.from_record(viewer) if viewer else None

    @strawberry.field(description="An author by id or by slug (give exactly one).")
    async def author(
        self,
        info: Info,
        id: strawberry.ID | None = strawberry.UNSET,
        slug: str | None = strawberry.UNSET,
    ) -> Author | None:
        id, slug = _given(id), _given(slug)
        if (id is None) == (slug is None):
            raise BadRequest("author: give exactly one of id or slug")
        loaders = info.context.loaders
        found = (
            await loaders.author.load(str(id)) if id is not None
            else await loaders.author_by_slug.load(str(slug))
        )  # fmt: skip
        return Author.from_record(found) if found else None

    @strawberry.field
    async def authors(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET,
        filter: AuthorFilter | None = strawberry.UNSET,
    ) -> Connection[Author]:  # fmt: skip
        f = filter or AuthorFilter()
        spec = rec.AuthorFilterSpec(
            name_contains=_given(f.name_contains),
            topic_slug=_given(f.topic_slug),
            claim_status=rec.ClaimStatus(f.claim_status.value) if f.claim_status else None,
        )
        page = await info.context.store.list_authors(
            spec, page_size(first, 20), decode_cursor(after)
        )
        return connection_from_page(page, Author.from_record, after)

    @strawberry.field
    async def paper(self, info: Info, id: strawberry.ID) -> Paper | None:
        found = await info.context.loaders.paper.load(str(id))
        return Paper.from_record(found) if found else None

    @strawberry.field(description="Papers, newest first.")
    async def papers(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET,
        filter: PaperFilter | None = strawberry.UNSET,
    ) -> Connection[Paper]:  # fmt: skip
        f = filter or PaperFilter()
        spec = rec.PaperFilterSpec(
            title_contains=_given(f.title_contains),
            topic_slug=_given(f.topic_slug),
            year_from=_given(f.year_from),
            year_to=_given(f.year_to),
            kind=rec.PaperKind(f.kind.value) if f.kind else None,
        )
        page = await info.context.store.list_papers(
            spec, page_size(first, 20), decode_cursor(after)
        )
        return connection_from_page(page, Paper.from_record, after)

    @strawberry.field(description="A topic by id or by slug (give exactly one).")
    async def topic(
        self,
        info: Info,
        id: strawberry.ID | None = strawberry.UNSET,
        slug: str | None = strawberry.UNSET,
    ) -> Topic | None:
        id, slug = _given(id), _given(slug)
        if (id is None) == (slug is None):
            raise BadRequest("topic: give exactly one of id or slug")
        loaders = info.context.loaders
        found = (
            await loaders.topic.load(str(id)) if id is not None
            else await loaders.topic_by_slug.load(str(slug))
        )  # fmt: skip
        return Topic.from_record(found) if found else None

    @strawberry.field
    async def topics(
        self, info: Info, first: int | None = 50, after: str | None = strawberry.UNSET
    ) -> Connection[Topic]:
        page = await info.context.store.list_topics(page_size(first, 50), decode_cursor(after))
        return connection_from_page(page, Topic.from_record, after)

    @strawberry.field(description="Authors, papers and topics matching the words, best first.")
    async def search(self, info: Info, query: str, first: int | None = 10) -> list[SearchHit]:
        return await search_hits(info, query, page_size(first, 10))

    @strawberry.field(
        description="Search as a cursor connection: the same hits and order as `search`, "
        f"of the best {SEARCH_WINDOW} at most (totalCount counts them). first/after "
        "forward, last/before backward (1-100 each; 10 by default); cursors are ranks."
    )
    async def search_connection(
        self,
        info: Info,
        query: str,
        first: int | None = strawberry.UNSET,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> Connection[SearchHit]:
        hits = await info.context.store.search(query, SEARCH_WINDOW) if query.strip() else []
        window = select_window(len(hits), first, rank_of(after), last, rank_of(before), default=10)
        results = await hit_results(info, hits[window.start : window.end])
        return window_connection(results, window, rank_cursor)

    @strawberry.field(
        description="The slice around a centre node: depth 1 or 2, at most `limit` nodes."
    )
    async def research_graph(
        self, info: Info, center: strawberry.ID, depth: int | None = 1, limit: int | None = 50
    ) -> ResearchGraph:
        found = await research_slice(
            info.context.store, str(center), page_size(depth, 1), page_size(limit, 50)
        )
        return ResearchGraph.from_slice(found)


async def load_node(info: Info, node_id: str) -> Node | None:
    """The object a global id names, or None (unknown, or not the viewer's to see)."""
    kind = kind_of(node_id)
    loaders = info.context.loaders
    if kind is NodeKind.AUTHOR:
        a = await loaders.author.load(node_id)
        return Author.from_record(a) if a else None
    if kind is NodeKind.PAPER:
        p = await loaders.paper.load(node_id)
        return Paper.from_record(p) if p else None
    if kind is NodeKind.TOPIC:
        t = await loaders.topic.load(node_id)
        return Topic.from_record(t) if t else None
    if kind is NodeKind.INSTITUTION:
        i = await loaders.institution.load(node_id)
        return Institution.from_record(i) if i else None
    if kind is None:
        return None
    found = await social.load_social_node(info, kind, node_id)
    return found if isinstance(found, Node) else None
