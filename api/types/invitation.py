"""Invitation: a verified researcher asks a claimed author to collaborate.
Seen by its two parties only (the sender and the recipient's claimant)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types.author import Author
from api.types.enums import InvitationStatus
from api.types.node import Node
from graph_store.errors import StoreError
from graph_store.records import InvitationRecord

if TYPE_CHECKING:
    from api.types.user import User

UserRef = Annotated["User", strawberry.lazy("api.types.user")]


@strawberry.type(
    description="A collaboration invitation between two claimed researchers. Seen only by "
    "its sender and by the recipient author's verified claimant; to anyone else, through "
    "Query.node or any mutation, its id does not exist."
)
class Invitation(Node):
    id: strawberry.ID = strawberry.field(description="The invitation's global id (inv:…).")
    message: str = strawberry.field(
        description="The sender's message (trimmed, 1-2000 characters)."
    )
    status: InvitationStatus = strawberry.field(description="Where the invitation stands.")
    created_at: datetime = strawberry.field(description="When it was sent (UTC).")
    responded_at: datetime | None = strawberry.field(
        description="When it was accepted, declined or withdrawn (UTC); null while PENDING."
    )
    record: strawberry.Private[InvitationRecord]

    @classmethod
    def from_record(cls, record: InvitationRecord) -> Invitation:
        return cls(
            id=strawberry.ID(record.id),
            message=record.message,
            status=record.status,
            created_at=record.created_at,
            responded_at=record.responded_at,
            record=record,
        )

    @strawberry.field(description="The user who sent it.")
    async def sender(self, info: Info) -> UserRef:
        from api.types.user import User

        found = await info.context.loaders.user.load(self.record.sender_id)
        if found is None:
            raise StoreError(f"invitation {self.record.id}: sender missing")
        return User.from_record(found)

    @strawberry.field(
        description="The sender's verified author when the invitation was sent; null only "
        "if none was recorded."
    )
    async def sender_author(self, info: Info) -> Author | None:
        if self.record.sender_author_id is None:
            return None
        found = await info.context.loaders.author.load(self.record.sender_author_id)
        return Author.from_record(found) if found else None

    @strawberry.field(
        description="The invited author; its verified claimant answers the invitation."
    )
    async def recipient(self, info: Info) -> Author:
        found = await info.context.loaders.author.load(self.record.recipient_author_id)
        if found is None:
            raise StoreError(f"invitation {self.record.id}: recipient missing")
        return Author.from_record(found)
