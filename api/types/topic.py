"""Topic: a term of the controlled vocabulary, with its papers and authors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.connection import (
    AfterArg,
    BeforeArg,
    Connection,
    FirstArg,
    KeysetLastArg,
    LastArg,
    after_arg,
    connection_from_page,
    first_arg,
    keyset_cut,
    page_size,
    rank_cursor,
    ranked_window,
    window_connection,
)
from api.types.node import Node
from graph_store.records import TopicRecord

if TYPE_CHECKING:
    from api.types.author import Author
    from api.types.paper import Paper

AuthorRef = Annotated["Author", strawberry.lazy("api.types.author")]
PaperRef = Annotated["Paper", strawberry.lazy("api.types.paper")]


@strawberry.type(description="A term of the controlled topic vocabulary papers are tagged with.")
class Topic(Node):
    id: strawberry.ID = strawberry.field(description="The topic's global id, topic:<slug>.")
    slug: str = strawberry.field(
        description="Unique and URL-friendly, e.g. knowledge-distillation; the filters' "
        "topicSlug and Query.topic(slug:) take it."
    )
    name: str = strawberry.field(description="The display name, e.g. Knowledge distillation.")

    @classmethod
    def from_record(cls, record: TopicRecord) -> Topic:
        return cls(id=strawberry.ID(record.id), slug=record.slug, name=record.name)

    @strawberry.field(
        description="Papers tagged with this topic, newest first (by year, then title; "
        "papers without a year last)."
    )
    async def papers(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "papers")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[PaperRef]:
        from api.types.paper import Paper

        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.loaders.topic_paper_page(cut.key).load(str(self.id))
        return connection_from_page(page, Paper.from_record, cut.after)

    @strawberry.field(
        description="The top authors with papers on this topic, most such papers first, then "
        "by name."
    )
    async def authors(
        self, info: Info, first: Annotated[int | None, first_arg(20, "authors")] = 20
    ) -> list[AuthorRef]:
        from api.types.author import Author

        rows = await info.context.loaders.top_authors_of_topic((page_size(first, 20), 0)).load(
            str(self.id)
        )
        return [Author.from_record(a) for a in rows]

    @strawberry.field(
        description="Authors with papers on this topic as a cursor connection, most such "
        "papers first: first/after forward, last/before backward (1-100 each; 20 by "
        "default). Cursors are ranks in that order. totalCount counts the distinct authors."
    )
    async def authors_connection(
        self,
        info: Info,
        first: FirstArg = strawberry.UNSET,
        after: AfterArg = strawberry.UNSET,
        last: LastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[AuthorRef]:
        from api.types.author import Author

        loaders = info.context.loaders
        count = await loaders.topic_author_count.load(str(self.id)) or 0
        window = ranked_window(count, first, after, last, before, default=20)
        rows = (
            await loaders.top_authors_of_topic((window.size, window.start)).load(str(self.id))
            if window.size
            else []
        )
        return window_connection([Author.from_record(a) for a in rows], window, rank_cursor)
