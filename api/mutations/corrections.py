"""suggestCorrection (any signed-in user) and reviewCorrection (moderators)."""

from __future__ import annotations

import secrets
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations._common import forget, id_of, input_problems, user_errors
from api.types.correction import Correction
from domain import corrections as rules
from domain.claims import clean_note, note_problem
from domain.problems import Problem, forbidden, not_found, problem_for_rule, unauthenticated
from domain.visibility import is_moderator
from graph_store.errors import Rule, RuleViolation
from graph_store.records import CorrectionRecord, CorrectionStatus, NodeKind, kind_of, utcnow


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


def _failed(*problems: Problem) -> CorrectionPayload:
    return CorrectionPayload(correction=None, user_errors=user_errors(problems))


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
        viewer = info.context.viewer
        if viewer is None:
            return _failed(unauthenticated())
        parsed = id_of(input.target_id, NodeKind.AUTHOR, NodeKind.PAPER)
        kind = parsed[1] if parsed else None
        problems = input_problems(
            parsed,
            rules.SUGGEST_FIELDS[Rule.NOT_FOUND],
            rules.validate_suggestion(kind, input.field, input.proposed_value, input.reason),
        )
        if problems or parsed is None:
            return _failed(*problems)
        record = CorrectionRecord(
            id=f"corr:{secrets.token_hex(12)}",
            target_id=parsed[0],
            field=input.field,
            proposed_value=input.proposed_value.strip(),
            reason=input.reason.strip(),
            status=CorrectionStatus.OPEN,
            created_by=viewer.id,
            created_at=utcnow(),
        )
        try:
            correction = await info.context.store.create_correction(record)
        except RuleViolation as e:
            return _failed(problem_for_rule(e.rule, rules.SUGGEST_FIELDS))
        info.context.loaders.correction.prime(correction.id, correction, force=True)
        return CorrectionPayload(correction=Correction.from_record(correction), user_errors=[])

    @strawberry.mutation(
        description="Moderators: apply a correction (the record changes at once) or reject it."
    )
    async def review_correction(
        self,
        info: Info,
        input: Annotated[ReviewCorrectionInput, strawberry.argument(description="The decision.")],
    ) -> CorrectionPayload:
        viewer = info.context.viewer
        if viewer is None:
            return _failed(unauthenticated())
        if not is_moderator(viewer):
            return _failed(forbidden("Only moderators review corrections."))
        field = rules.REVIEW_FIELDS[Rule.NOT_FOUND]
        note = note_problem(_note(input.note))
        if note:
            return _failed(note)
        parsed = id_of(input.correction_id, NodeKind.CORRECTION)
        # A correction's target, field and value never change: reading them
        # first cannot race; the store checks it is still OPEN when writing.
        existing = await info.context.loaders.correction.load(parsed[0]) if parsed else None
        if existing is None:
            return _failed(not_found(field))
        update = None
        if input.apply:
            kind = kind_of(existing.target_id)
            if kind is None or kind not in rules.CORRECTABLE:
                return _failed(not_found(field))
            parsed_value = rules.parse_value(kind, existing.field, existing.proposed_value)
            if isinstance(parsed_value, Problem):  # validated when suggested; rules may change
                return _failed(parsed_value)
            update = parsed_value
        try:
            correction = await info.context.store.decide_correction(
                existing.id,
                CorrectionStatus.APPLIED if input.apply else CorrectionStatus.REJECTED,
                viewer.id,
                clean_note(_note(input.note)),
                utcnow(),
                update,
            )
        except RuleViolation as e:
            return _failed(problem_for_rule(e.rule, rules.REVIEW_FIELDS))
        target = correction.target_id
        is_author = kind_of(target) is NodeKind.AUTHOR
        forget(
            info,
            author_ids=[target] if is_author else [],
            paper_ids=[] if is_author else [target],
            correction_ids=[correction.id],
        )
        info.context.loaders.correction.prime(correction.id, correction, force=True)
        return CorrectionPayload(correction=Correction.from_record(correction), user_errors=[])
