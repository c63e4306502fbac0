"""The moderators' queues: pending claims and open corrections, oldest first.

Merged into the Query root; for anyone but a moderator both fields are null.
"""

from __future__ import annotations

import strawberry

from api.context import Info
from api.types.claim import Claim
from api.types.connection import Connection, connection_from_page, decode_cursor, page_size
from api.types.correction import Correction
from domain.claims import is_moderator
from graph_store.records import (
    ClaimDecision,
    CorrectionStatus,
)


@strawberry.type
class ModerationQuery:
    @strawberry.field(
        description="Claims waiting for a moderator, oldest first; null unless the viewer "
        "is a moderator."
    )
    async def pending_claims(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET
    ) -> Connection[Claim] | None:
        if not is_moderator(info.context.viewer):
            return None
        page = await info.context.store.claims_by_status(
            ClaimDecision.PENDING, page_size(first, 20), decode_cursor(after)
        )
        return connection_from_page(page, Claim.from_record, after)

    @strawberry.field(
        description="Corrections waiting for a moderator, oldest first; null unless the "
        "viewer is a moderator."
    )
    async def open_corrections(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET
    ) -> Connection[Correction] | None:
        if not is_moderator(info.context.viewer):
            return None
        page = await info.context.store.corrections_by_status(
            CorrectionStatus.OPEN, page_size(first, 20), decode_cursor(after)
        )
        return connection_from_page(page, Correction.from_record, after)
