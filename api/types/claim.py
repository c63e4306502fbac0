"""Claim: a user's request to be recognised as an author record's owner.
Seen by its claimant and by moderators only (it carries the evidence)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.author import Author
from api.types.enums import ClaimDecision
from api.types.node import Node
from graph_store.errors import StoreError
from graph_store.records import ClaimRecord

if TYPE_CHECKING:
    from api.types.user import User

UserRef = Annotated["User", strawberry.lazy("api.types.user")]


@strawberry.type(description="A claim on an author record, decided by a moderator.")
class Claim(Node):
    id: strawberry.ID
    status: ClaimDecision
    evidence: str
    created_at: datetime
    decided_at: datetime | None
    note: str | None = strawberry.field(description="The moderator's note on the decision.")
    record: strawberry.Private[ClaimRecord]

    @classmethod
    def from_record(cls, record: ClaimRecord) -> Claim:
        return cls(
            id=strawberry.ID(record.id),
            status=ClaimDecision(record.status.value),
            evidence=record.evidence,
            created_at=record.created_at,
            decided_at=record.decided_at,
            note=record.note,
            record=record,
        )

    @strawberry.field
    async def author(self, info: Info) -> Author:
        found = await info.context.loaders.author.load(self.record.author_id)
        if found is None:
            raise StoreError(f"claim {self.record.id}: author {self.record.author_id} missing")
        return Author.from_record(found)

    @strawberry.field
    async def claimant(self, info: Info) -> UserRef:
        from api.types.user import User

        found = await info.context.loaders.user.load(self.record.user_id)
        if found is None:
            raise StoreError(f"claim {self.record.id}: user {self.record.user_id} missing")
        return User.from_record(found)
