"""suggestCorrection (any signed-in user) and reviewCorrection (moderators)."""

from __future__ import annotations

import secrets
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations.flow import Answer, Changed, Refused, by_id, found_by, mutate
from api.throttle import Limit
from api.types.correction import Correction
from domain import corrections as rules
from domain.claims import clean_note, note_problem
from domain.problems import Problem, clean_text, problem_for_rule
from graph_store.errors import Rule
from graph_store.records import (
    CorrectionRecord,
    CorrectionStatus,
    NodeKind,
    UserRecord,
    kind_of,
    utcnow,
)


@strawberry.input(description="A suggested fix to one field of an author or paper.")
class SuggestCorrectionInput:
    target_id: strawberry.ID = strawberry.field(description="An Author or Paper id.")
    field: str = strawberry.field(
        description="Author: name. Paper: title, year, venue, abstract, codeUrl."
    )
    proposed_value: str = strawberry.field(
        description="The corrected value as text, trimmed; empty clears an optional field "
        "(year, venue, abstract, codeUrl). Limits: name 200 characters, title 500, venue "
        "300, abstract 10,000; a year 1900-2100; codeUrl an http(s) URL of at most 500."
    )
    reason: str = strawberry.field(
        description="Why, with a source if possible (1-2000 characters after trimming)."
    )


def _note(value: str | None) -> str | None:
    """An omitted note (UNSET) is no note."""
    return value if isinstance(value, str) else None


@strawberry.input(description="A moderator's decision on an open correction.")
class ReviewCorrectionInput:
    correction_id: strawberry.ID = strawberry.field(description="The open correction to decide.")
    apply: bool = strawberry.field(
        description="true: APPLIED (the value is written to the record at once); false: "
        "REJECTED (the record is unchanged)."
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Optional, at most 2000 characters; the suggester sees it. Blank means no "
        "note.",
    )


@strawberry.type(description="The result of a correction mutation.")
class CorrectionPayload:
    correction: Correction | None = strawberry.field(
        description="The correction as it is now; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (nothing was written); empty on success."
    )


CORRECTION: Answer[CorrectionRecord, CorrectionPayload] = Answer(
    done=lambda corr: CorrectionPayload(correction=Correction.from_record(corr), user_errors=[]),
    failed=lambda errors: CorrectionPayload(correction=None, user_errors=errors),
)


def _suggested(viewer: UserRecord, correction: CorrectionRecord) -> Changed:
    return Changed(written=correction)


def _reviewed(viewer: UserRecord, correction: CorrectionRecord) -> Changed:
    target = correction.target_id
    is_author = kind_of(target) is NodeKind.AUTHOR
    return Changed(
        author_ids=[target] if is_author else [],
        paper_ids=[] if is_author else [target],
        written=correction,
    )


@strawberry.type
class CorrectionMutations:
    @strawberry.mutation(description="Suggest a fix to one field of an author or paper.")
    async def suggest_correction(
        self,
        info: Info,
        input: Annotated[
            SuggestCorrectionInput, strawberry.argument(description="The suggestion.")
        ],
    ) -> CorrectionPayload:
        async def suggest(viewer: UserRecord, target_id: str) -> CorrectionRecord:
            record = CorrectionRecord(
                id=f"corr:{secrets.token_hex(12)}",
                target_id=target_id,
                field=input.field,
                proposed_value=clean_text(input.proposed_value),
                reason=clean_text(input.reason),
                status=CorrectionStatus.OPEN,
                created_by=viewer.id,
                created_at=utcnow(),
            )
            return await info.context.store.create_correction(record)

        return await mutate(
            info,
            CORRECTION,
            target=by_id(input.target_id, NodeKind.AUTHOR, NodeKind.PAPER),
            checks=lambda kind: rules.validate_suggestion(
                kind, input.field, input.proposed_value, input.reason
            ),
            write=suggest,
            fields=rules.SUGGEST_FIELDS,
            changed=_suggested,
            limit=Limit.CORRECTION_USER,
        )

    @strawberry.mutation(
        description="Moderators: apply a correction (the record changes at once) or reject it."
    )
    async def review_correction(
        self,
        info: Info,
        input: Annotated[ReviewCorrectionInput, strawberry.argument(description="The decision.")],
    ) -> CorrectionPayload:
        note = _note(input.note)

        async def decide(viewer: UserRecord, existing: CorrectionRecord) -> CorrectionRecord:
            update = None
            if input.apply:
                kind = kind_of(existing.target_id)
                if kind is None or kind not in rules.CORRECTABLE:
                    raise Refused(problem_for_rule(Rule.NOT_FOUND, rules.REVIEW_FIELDS))
                parsed = rules.parse_value(kind, existing.field, existing.proposed_value)
                if isinstance(parsed, Problem):  # validated when suggested; rules may change
                    raise Refused(parsed)
                update = parsed
            return await info.context.store.decide_correction(
                existing.id,
                CorrectionStatus.APPLIED if input.apply else CorrectionStatus.REJECTED,
                viewer.id,
                clean_note(note),
                utcnow(),
                update,
            )

        return await mutate(
            info,
            CORRECTION,
            moderators_only="Only moderators review corrections.",
            # A correction's target, field and value never change: reading them
            # first cannot race; the store checks it is still OPEN when writing.
            target=found_by(
                input.correction_id, NodeKind.CORRECTION, info.context.loaders.correction.load
            ),
            checks=[note_problem(note)],
            write=decide,
            fields=rules.REVIEW_FIELDS,
            changed=_reviewed,
        )
