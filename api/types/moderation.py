"""The moderators' queues: pending claims, open corrections and provenance
conflicts, oldest first.

Merged into the Query root; for anyone but a moderator these fields are null.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.types.claim import Claim
from api.types.connection import (
    BeforeArg,
    Connection,
    KeysetLastArg,
    after_arg,
    connection_from_page,
    first_arg,
    keyset_cut,
)
from api.types.correction import Correction
from api.types.provenance import Revision
from domain.visibility import is_moderator
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
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "claims")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[Claim] | None:
        if not is_moderator(info.context.viewer):
            return None
        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.store.claims_by_status(
            ClaimDecision.PENDING, cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Claim.from_record, cut.after)

    @strawberry.field(
        description="Corrections waiting for a moderator, oldest first; null unless the "
        "viewer is a moderator."
    )
    async def open_corrections(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "corrections")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[Correction] | None:
        if not is_moderator(info.context.viewer):
            return None
        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.store.corrections_by_status(
            CorrectionStatus.OPEN, cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Correction.from_record, cut.after)

    @strawberry.field(
        description="Provenance conflicts: values a newer import gave to fields a "
        "moderator's correction holds, recorded but not applied (Revision.overridden), "
        "oldest first, to check whether the correction still stands; null unless the viewer "
        "is a moderator."
    )
    async def provenance_conflicts(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "revisions")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[Revision] | None:
        if not is_moderator(info.context.viewer):
            return None
        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.store.overridden_revisions(
            cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Revision.from_record, cut.after)
