"""Topic: a term of the controlled vocabulary, with its papers and authors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.connection import (
    Connection,
    connection_from_page,
    decode_cursor,
    page_size,
)
from api.types.node import Node
from graph_store.records import TopicRecord

if TYPE_CHECKING:
    from api.types.author import Author
    from api.types.paper import Paper

AuthorRef = Annotated["Author", strawberry.lazy("api.types.author")]
PaperRef = Annotated["Paper", strawberry.lazy("api.types.paper")]


@strawberry.type
class Topic(Node):
    id: strawberry.ID
    slug: str
    name: str

    @classmethod
    def from_record(cls, record: TopicRecord) -> Topic:
        return cls(id=strawberry.ID(record.id), slug=record.slug, name=record.name)

    @strawberry.field
    async def papers(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET
    ) -> Connection[PaperRef]:
        from api.types.paper import Paper

        loader = info.context.loaders.topic_paper_page((page_size(first, 20), decode_cursor(after)))
        page = await loader.load(str(self.id))
        return connection_from_page(page, Paper.from_record, after)

    @strawberry.field(description="Authors with papers on this topic, most such papers first.")
    async def authors(self, info: Info, first: int | None = 20) -> list[AuthorRef]:
        from api.types.author import Author

        rows = await info.context.loaders.top_authors_of_topic(page_size(first, 20)).load(
            str(self.id)
        )
        return [Author.from_record(a) for a in rows]
