"""Paper: one distinct work, with its authors in order and its topics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.connection import first_arg, page_size
from api.types.enums import PaperKind
from api.types.node import Node
from api.types.provenance import (
    Provenance,
    Revision,
    field_argument,
    field_history,
    field_provenance,
)
from graph_store.records import PaperRecord

if TYPE_CHECKING:
    from api.types.author import Author
    from api.types.topic import Topic

AuthorRef = Annotated["Author", strawberry.lazy("api.types.author")]
TopicRef = Annotated["Topic", strawberry.lazy("api.types.topic")]


@strawberry.type(description="One distinct work, with its authors in order and its topics.")
class Paper(Node):
    id: strawberry.ID = strawberry.field(
        description="The paper's global id, e.g. paper:<12 hex digits> or paper:openalex-w123."
    )
    title: str = strawberry.field(
        description="The title as imported, or as a moderator corrected it."
    )
    year: int | None = strawberry.field(description="The publication year; null when unknown.")
    kind: PaperKind = strawberry.field(description="Preprint, conference or journal.")
    venue: str | None = strawberry.field(
        description="Where it was published (journal, proceedings, arXiv …); null when unknown."
    )
    abstract: str | None = strawberry.field(
        description="The abstract as plain text; null when none is known."
    )
    code_url: str | None = strawberry.field(
        description="An http(s) link to the paper's code; null when none is known."
    )
    doi: str | None = strawberry.field(
        description="The paper's DOI from the imported source, bare (e.g. "
        "10.48550/arXiv.2106.08254, no https://doi.org/), or null when unknown. A later "
        "import fills it in but never replaces it."
    )
    record: strawberry.Private[PaperRecord]

    @classmethod
    def from_record(cls, record: PaperRecord) -> Paper:
        return cls(
            record=record,
            id=strawberry.ID(record.id),
            title=record.title,
            year=record.year,
            kind=record.kind,
            venue=record.venue,
            abstract=record.abstract,
            code_url=record.code_url,
            doi=record.doi,
        )

    @strawberry.field(
        description="Authors in the order the source gives (those of unknown position last)."
    )
    async def authors(self, info: Info) -> list[AuthorRef]:
        from api.types.author import Author

        rows = await info.context.loaders.authors_of_paper.load(str(self.id))
        return [Author.from_record(a) for a in rows]

    @strawberry.field(description="Topics of the vocabulary this paper is tagged with, by slug.")
    async def topics(self, info: Info) -> list[TopicRef]:
        from api.types.topic import Topic

        rows = await info.context.loaders.topics_of_paper.load(str(self.id))
        return [Topic.from_record(t) for t in rows]

    @strawberry.field(
        description="Where a field's values came from: the distinct sources of every value "
        "it has held (seed page and line, OpenAlex record, correction), the current one "
        "first. Public."
    )
    async def provenance(
        self, info: Info, field: Annotated[str, field_argument()]
    ) -> list[Provenance]:
        return await field_provenance(info, self.record, field)

    @strawberry.field(
        description="Every value a field has held, newest first: the value imported with "
        "the paper, each later import that changed it, each applied correction (with its "
        "reason), and import values a correction kept out (overridden). A field never "
        "changed has one entry. Public."
    )
    async def history(
        self,
        info: Info,
        field: Annotated[str, field_argument()],
        first: Annotated[int | None, first_arg(20, "revisions")] = 20,
    ) -> list[Revision]:
        rows = await field_history(info, self.record, field, page_size(first, 20))
        return [Revision.from_record(r) for r in rows]
