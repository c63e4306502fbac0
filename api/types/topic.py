"""Topic: a term of the controlled vocabulary, with its papers and authors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.connection import (
    Connection,
    after_arg,
    connection_from_page,
    decode_cursor,
    first_arg,
    page_size,
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
    ) -> Connection[PaperRef]:
        from api.types.paper import Paper

        loader = info.context.loaders.topic_paper_page((page_size(first, 20), decode_cursor(after)))
        page = await loader.load(str(self.id))
        return connection_from_page(page, Paper.from_record, after)

    @strawberry.field(
        description="The top authors with papers on this topic, most such papers first, then "
        "by name."
    )
    async def authors(
        self, info: Info, first: Annotated[int | None, first_arg(20, "authors")] = 20
    ) -> list[AuthorRef]:
        from api.types.author import Author

        rows = await info.context.loaders.top_authors_of_topic(page_size(first, 20)).load(
            str(self.id)
        )
        return [Author.from_record(a) for a in rows]
