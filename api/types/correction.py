"""Correction: a suggested fix to one field of an author or paper.
Seen by the user who suggested it and by moderators."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.enums import CorrectionStatus
from api.types.node import Node
from graph_store.errors import StoreError
from graph_store.records import CorrectionRecord, NodeKind, kind_of

if TYPE_CHECKING:
    from api.types.user import User

UserRef = Annotated["User", strawberry.lazy("api.types.user")]


@strawberry.type(
    description="A suggested correction; a moderator applies or rejects it. Seen only by "
    "the user who suggested it and by moderators (Query.node answers null to anyone else)."
)
class Correction(Node):
    id: strawberry.ID = strawberry.field(description="The correction's global id (corr:…).")
    field: str = strawberry.field(
        description="The corrected field, named as in the GraphQL type (e.g. title, codeUrl)."
    )
    proposed_value: str = strawberry.field(
        description="The suggested value, trimmed, as text (a year as digits); empty means "
        "clear the field."
    )
    reason: str = strawberry.field(
        description="Why, as the suggester wrote it (trimmed, 1-2000 characters)."
    )
    status: CorrectionStatus = strawberry.field(description="Whether it was reviewed, and how.")
    created_at: datetime = strawberry.field(description="When it was suggested (UTC).")
    reviewed_at: datetime | None = strawberry.field(
        description="When a moderator applied or rejected it (UTC); null while OPEN."
    )
    note: str | None = strawberry.field(
        description="The moderator's note on the review; null when none was given."
    )
    record: strawberry.Private[CorrectionRecord]

    @classmethod
    def from_record(cls, record: CorrectionRecord) -> Correction:
        return cls(
            id=strawberry.ID(record.id),
            field=record.field,
            proposed_value=record.proposed_value,
            reason=record.reason,
            status=record.status,
            created_at=record.created_at,
            reviewed_at=record.reviewed_at,
            note=record.note,
            record=record,
        )

    @strawberry.field(description="The Author or Paper this correction is about.")
    async def target(self, info: Info) -> Node:
        from api.types.author import Author
        from api.types.paper import Paper

        target_id = self.record.target_id
        kind = kind_of(target_id)
        if kind is NodeKind.AUTHOR:
            author = await info.context.loaders.author.load(target_id)
            if author is not None:
                return Author.from_record(author)
        elif kind is NodeKind.PAPER:
            paper = await info.context.loaders.paper.load(target_id)
            if paper is not None:
                return Paper.from_record(paper)
        raise StoreError(f"correction {self.record.id}: target {target_id} missing")

    @strawberry.field(description="Who suggested it.")
    async def suggested_by(self, info: Info) -> UserRef:
        from api.types.user import User

        found = await info.context.loaders.user.load(self.record.created_by)
        if found is None:
            raise StoreError(f"correction {self.record.id}: user missing")
        return User.from_record(found)
