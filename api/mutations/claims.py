"""claimAuthor, withdrawClaim and the moderators' reviewClaim."""

from __future__ import annotations

import secrets
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations._common import forget, id_of, input_problems, user_errors
from api.subscriptions import publish_author_updated, publish_claim_decision
from api.types.claim import Claim
from domain import claims as rules
from domain.problems import (
    Problem,
    forbidden,
    not_found,
    problem_for_rule,
    unauthenticated,
)
from domain.visibility import is_moderator
from graph_store.errors import Rule, RuleViolation
from graph_store.records import ClaimDecision, ClaimRecord, NodeKind, utcnow


@strawberry.input(description="A claim on an author record.")
class ClaimAuthorInput:
    author_id: strawberry.ID = strawberry.field(
        description="The author record to claim; it must have no pending or verified claim."
    )
    evidence: str = strawberry.field(
        description="How a moderator can check it is you: an ORCID iD, a homepage, an "
        "institutional e-mail (1-2000 characters after trimming)."
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


def _failed(*problems: Problem) -> ClaimPayload:
    return ClaimPayload(claim=None, user_errors=user_errors(problems))


async def _done(info: Info, claim: ClaimRecord) -> ClaimPayload:
    forget(info, author_ids=[claim.author_id], user_ids=[claim.user_id], claim_ids=[claim.id])
    info.context.loaders.claim.prime(claim.id, claim, force=True)
    # Every claim change moves the author's claim status (and so its trust).
    await publish_author_updated(info, claim.author_id)
    return ClaimPayload(claim=Claim.from_record(claim), user_errors=[])


@strawberry.type
class ClaimMutations:
    @strawberry.mutation(
        description="Claim an author record as yours. The claim is PENDING until a moderator "
        "reviews it; the author shows claimStatus PENDING (verification L2) meanwhile."
    )
    async def claim_author(
        self,
        info: Info,
        input: Annotated[ClaimAuthorInput, strawberry.argument(description="The claim.")],
    ) -> ClaimPayload:
        viewer = info.context.viewer
        if viewer is None:
            return _failed(unauthenticated())
        parsed = id_of(input.author_id, NodeKind.AUTHOR)
        problems = input_problems(
            parsed, rules.CLAIM_FIELDS[Rule.NOT_FOUND], [rules.evidence_problem(input.evidence)]
        )
        if problems or parsed is None:
            return _failed(*problems)
        record = ClaimRecord(
            id=f"claim:{secrets.token_hex(12)}",
            author_id=parsed[0],
            user_id=viewer.id,
            status=ClaimDecision.PENDING,
            evidence=input.evidence.strip(),
            created_at=utcnow(),
        )
        try:
            claim = await info.context.store.create_claim(record)
        except RuleViolation as e:
            return _failed(problem_for_rule(e.rule, rules.CLAIM_FIELDS))
        return await _done(info, claim)

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
        viewer = info.context.viewer
        if viewer is None:
            return _failed(unauthenticated())
        field = rules.WITHDRAW_FIELDS[Rule.NOT_FOUND]
        parsed = id_of(claim_id, NodeKind.CLAIM)
        if parsed is None:
            return _failed(not_found(field))
        try:
            claim = await info.context.store.withdraw_claim(parsed[0], viewer.id, utcnow())
        except RuleViolation as e:
            return _failed(problem_for_rule(e.rule, rules.WITHDRAW_FIELDS))
        return await _done(info, claim)

    @strawberry.mutation(
        description="Moderators: approve (VERIFIED: author CLAIMED, L3) or reject (REJECTED: "
        "author UNCLAIMED, L1) a pending claim."
    )
    async def review_claim(
        self,
        info: Info,
        input: Annotated[ReviewClaimInput, strawberry.argument(description="The decision.")],
    ) -> ClaimPayload:
        viewer = info.context.viewer
        if viewer is None:
            return _failed(unauthenticated())
        if not is_moderator(viewer):
            return _failed(forbidden("Only moderators review claims."))
        parsed = id_of(input.claim_id, NodeKind.CLAIM)
        problems = input_problems(
            parsed, rules.REVIEW_FIELDS[Rule.NOT_FOUND], [rules.note_problem(_note(input.note))]
        )
        if problems or parsed is None:
            return _failed(*problems)
        try:
            claim = await info.context.store.decide_claim(
                parsed[0], input.approve, rules.clean_note(_note(input.note)), utcnow()
            )
        except RuleViolation as e:
            return _failed(problem_for_rule(e.rule, rules.REVIEW_FIELDS))
        await publish_claim_decision(info, claim)
        return await _done(info, claim)
