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


@strawberry.type(
    description="A user's claim to own an author record, decided by a moderator. Seen only "
    "by its claimant and by moderators (Query.node answers null to anyone else)."
)
class Claim(Node):
    id: strawberry.ID = strawberry.field(description="The claim's global id (claim:…).")
    status: ClaimDecision = strawberry.field(description="Where the claim is in its review.")
    evidence: str = strawberry.field(
        description="What the claimant gave for a moderator to check (trimmed, 10-2000 "
        "characters; claims made before the 10-character minimum may be shorter)."
    )
    created_at: datetime = strawberry.field(description="When the claim was made (UTC).")
    decided_at: datetime | None = strawberry.field(
        description="When it was verified, rejected or withdrawn (UTC); null while PENDING."
    )
    note: str | None = strawberry.field(
        description="The moderator's note on the decision; null when none was given."
    )
    record: strawberry.Private[ClaimRecord]

    @classmethod
    def from_record(cls, record: ClaimRecord) -> Claim:
        return cls(
            id=strawberry.ID(record.id),
            status=record.status,
            evidence=record.evidence,
            created_at=record.created_at,
            decided_at=record.decided_at,
            note=record.note,
            record=record,
        )

    @strawberry.field(description="The author record claimed.")
    async def author(self, info: Info) -> Author:
        found = await info.context.loaders.author.load(self.record.author_id)
        if found is None:
            raise StoreError(f"claim {self.record.id}: author {self.record.author_id} missing")
        return Author.from_record(found)

    @strawberry.field(
        description="The user who made the claim. A moderator also sees the account's "
        "createdAt, accountAgeSeconds, pendingClaims and pendingClaimCount there."
    )
    async def claimant(self, info: Info) -> UserRef:
        from api.types.user import User

        found = await info.context.loaders.user.load(self.record.user_id)
        if found is None:
            raise StoreError(f"claim {self.record.id}: user {self.record.user_id} missing")
        return User.from_record(found)
