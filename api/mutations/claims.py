"""claimAuthor, withdrawClaim and the moderators' reviewClaim."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations.flow import Answer, Changed, by_id, mutate
from api.subscriptions import AuthorUpdated, ClaimDecided
from api.throttle import Limit
from api.types.claim import Claim
from domain import claims as rules
from domain.problems import clean_text
from graph_store.records import ClaimDecision, ClaimRecord, NodeKind, UserRecord, utcnow


@strawberry.input(description="A claim on an author record.")
class ClaimAuthorInput:
    author_id: strawberry.ID = strawberry.field(
        description="The author record to claim; it must have no pending or verified claim."
    )
    evidence: str = strawberry.field(
        description="How a moderator can check it is you: an ORCID iD, a homepage, an "
        "institutional e-mail (10-2000 characters after trimming)."
    )


def _note(value: str | None) -> str | None:
    """An omitted note (UNSET) is no note."""
    return value if isinstance(value, str) else None


@strawberry.input(description="A moderator's decision on a pending claim.")
class ReviewClaimInput:
    claim_id: strawberry.ID = strawberry.field(description="The pending claim to decide.")
    approve: bool = strawberry.field(
        description="true: VERIFIED (the author becomes CLAIMED); false: REJECTED (the author "
        "returns to UNCLAIMED)."
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Optional, at most 2000 characters; the claimant sees it. Blank means no note.",
    )


@strawberry.type(description="The result of a claim mutation.")
class ClaimPayload:
    claim: Claim | None = strawberry.field(
        description="The claim as it is now; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (nothing was written); empty on success."
    )


CLAIM: Answer[ClaimRecord, ClaimPayload] = Answer(
    done=lambda claim: ClaimPayload(claim=Claim.from_record(claim), user_errors=[]),
    failed=lambda errors: ClaimPayload(claim=None, user_errors=errors),
)


def _claim_changed(viewer: UserRecord, claim: ClaimRecord) -> Changed:
    # Every claim change moves the author's claim status (and so its trust).
    return Changed(
        author_ids=[claim.author_id],
        user_ids=[claim.user_id],
        written=claim,
        events=[AuthorUpdated(claim.author_id)],
    )


def _claim_decided(viewer: UserRecord, claim: ClaimRecord) -> Changed:
    changed = _claim_changed(viewer, claim)
    return dataclasses.replace(changed, events=[ClaimDecided(claim), *changed.events])


@strawberry.type
class ClaimMutations:
    @strawberry.mutation(
        description="Claim an author record as yours. The claim is PENDING until a moderator "
        "reviews it; the author shows claimStatus PENDING (verification L2) meanwhile. An "
        "account holds at most the server's PEERGRAPH_MAX_PENDING_CLAIMS (2 by default) pending "
        "claims at once: one more is a CONFLICT (field null) until one is withdrawn or reviewed."
    )
    async def claim_author(
        self,
        info: Info,
        input: Annotated[ClaimAuthorInput, strawberry.argument(description="The claim.")],
    ) -> ClaimPayload:
        async def claim(viewer: UserRecord, author_id: str) -> ClaimRecord:
            record = ClaimRecord(
                id=f"claim:{secrets.token_hex(12)}",
                author_id=author_id,
                user_id=viewer.id,
                status=ClaimDecision.PENDING,
                evidence=clean_text(input.evidence),
                created_at=utcnow(),
            )
            return await info.context.store.create_claim(
                record, info.context.settings.max_pending_claims
            )

        return await mutate(
            info,
            CLAIM,
            target=by_id(input.author_id, NodeKind.AUTHOR),
            checks=[rules.evidence_problem(input.evidence)],
            limit=Limit.CLAIM_USER,
            write=claim,
            fields=rules.CLAIM_FIELDS,
            changed=_claim_changed,
        )

    @strawberry.mutation(
        description="Withdraw your own pending claim; the author returns to UNCLAIMED (L1)."
    )
    async def withdraw_claim(
        self,
        info: Info,
        claim_id: Annotated[
            strawberry.ID, strawberry.argument(description="Your pending claim's id.")
        ],
    ) -> ClaimPayload:
        async def withdraw(viewer: UserRecord, claim_id: str) -> ClaimRecord:
            return await info.context.store.withdraw_claim(claim_id, viewer.id, utcnow())

        return await mutate(
            info,
            CLAIM,
            target=by_id(claim_id, NodeKind.CLAIM),
            write=withdraw,
            fields=rules.WITHDRAW_FIELDS,
            changed=_claim_changed,
        )

    @strawberry.mutation(
        description="Moderators: approve (VERIFIED: author CLAIMED, L3) or reject (REJECTED: "
        "author UNCLAIMED, L1) a pending claim."
    )
    async def review_claim(
        self,
        info: Info,
        input: Annotated[ReviewClaimInput, strawberry.argument(description="The decision.")],
    ) -> ClaimPayload:
        note = _note(input.note)

        async def decide(viewer: UserRecord, claim_id: str) -> ClaimRecord:
            return await info.context.store.decide_claim(
                claim_id, input.approve, rules.clean_note(note), utcnow()
            )

        return await mutate(
            info,
            CLAIM,
            moderators_only="Only moderators review claims.",
            target=by_id(input.claim_id, NodeKind.CLAIM),
            checks=[rules.note_problem(note)],
            write=decide,
            fields=rules.REVIEW_FIELDS,
            changed=_claim_decided,
        )
