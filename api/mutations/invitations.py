"""sendInvitation and the three answers to one: accept, decline, withdraw.

Only the two parties (the sender, and the recipient author's verified
claimant) can see or act on an invitation; to anyone else it does not exist.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import strawberry

from api.access import visible_invitation
from api.context import Info
from api.errors import UserError
from api.mutations._common import forget, id_of, input_problems, user_errors
from api.subscriptions import InvitationEventKind, publish_invitation
from api.types.invitation import Invitation
from domain import invitations as rules
from domain.problems import Problem, forbidden, not_found, problem_for_rule, unauthenticated
from graph_store.errors import Rule, RuleViolation
from graph_store.records import InvitationRecord, InvitationStatus, NodeKind, utcnow


@strawberry.input(description="An invitation to collaborate.")
class SendInvitationInput:
    recipient_id: strawberry.ID = strawberry.field(
        description="The invited author's id: a CLAIMED author other than your own."
    )
    message: str = strawberry.field(
        description="What you propose, 1-2000 characters after trimming."
    )


@strawberry.type(description="The result of an invitation mutation.")
class InvitationPayload:
    invitation: Invitation | None = strawberry.field(
        description="The invitation as it is now; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (nothing was written); empty on success."
    )


InvitationIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="The pending invitation's id (inv:…).")
]


def _failed(*problems: Problem) -> InvitationPayload:
    return InvitationPayload(invitation=None, user_errors=user_errors(problems))


def _done(info: Info, inv: InvitationRecord, user_ids: list[str]) -> InvitationPayload:
    forget(
        info,
        author_ids=[inv.recipient_author_id],
        user_ids=user_ids,
        invitation_ids=[inv.id],
    )
    info.context.loaders.invitation.prime(inv.id, inv, force=True)
    return InvitationPayload(invitation=Invitation.from_record(inv), user_errors=[])


_WRONG_PARTY = {
    rules.Party.SENDER: "Only the invited researcher can accept or decline an invitation.",
    rules.Party.RECIPIENT: "Only the sender can withdraw an invitation.",
}


async def _respond(
    info: Info, invitation_id: strawberry.ID, status: InvitationStatus
) -> InvitationPayload:
    viewer = info.context.viewer
    if viewer is None:
        return _failed(unauthenticated())
    field = rules.RESPOND_FIELDS[Rule.NOT_FOUND]
    parsed = id_of(invitation_id, NodeKind.INVITATION)
    inv = await visible_invitation(info, parsed[0]) if parsed else None
    if inv is None:
        return _failed(not_found(field))
    actor = rules.ACTOR_FOR[status]
    if inv.sender_id != viewer.id and actor is rules.Party.SENDER:
        return _failed(forbidden(_WRONG_PARTY[rules.Party.RECIPIENT], field))
    if inv.sender_id == viewer.id and actor is rules.Party.RECIPIENT:
        return _failed(forbidden(_WRONG_PARTY[rules.Party.SENDER], field))
    try:
        updated = await info.context.store.respond_invitation(inv.id, viewer.id, status, utcnow())
    except RuleViolation as e:
        return _failed(problem_for_rule(e.rule, rules.RESPOND_FIELDS))
    payload = _done(info, updated, [updated.sender_id, viewer.id])
    await publish_invitation(info, updated, InvitationEventKind(status.value))
    return payload


@strawberry.type
class InvitationMutations:
    @strawberry.mutation(
        description="Invite a claimed author to collaborate. Only researchers with a verified "
        "claim can send; one pending invitation from you per recipient; at most the server's "
        "PEERGRAPH_INVITATIONS_PER_DAY (20 by default) in any 24 hours."
    )
    async def send_invitation(
        self,
        info: Info,
        input: Annotated[SendInvitationInput, strawberry.argument(description="The invitation.")],
    ) -> InvitationPayload:
        viewer = info.context.viewer
        if viewer is None:
            return _failed(unauthenticated())
        parsed = id_of(input.recipient_id, NodeKind.AUTHOR)
        problems = input_problems(
            parsed, rules.SEND_FIELDS[Rule.NOT_FOUND], [rules.message_problem(input.message)]
        )
        if problems or parsed is None:
            return _failed(*problems)
        now = utcnow()
        record = InvitationRecord(
            id=f"inv:{secrets.token_hex(12)}",
            sender_id=viewer.id,
            sender_author_id=None,  # the store fills in the sender's verified author
            recipient_author_id=parsed[0],
            message=input.message.strip(),
            status=InvitationStatus.PENDING,
            created_at=now,
        )
        try:
            inv = await info.context.store.create_invitation(
                record,
                daily_limit=info.context.settings.invitations_per_day,
                window_start=rules.window_start(now),
            )
        except RuleViolation as e:
            return _failed(problem_for_rule(e.rule, rules.SEND_FIELDS))
        payload = _done(info, inv, [viewer.id])
        await publish_invitation(info, inv, InvitationEventKind.RECEIVED)
        return payload

    @strawberry.mutation(description="The invited researcher accepts a pending invitation.")
    async def accept_invitation(
        self, info: Info, invitation_id: InvitationIdArg
    ) -> InvitationPayload:
        return await _respond(info, invitation_id, InvitationStatus.ACCEPTED)

    @strawberry.mutation(description="The invited researcher declines a pending invitation.")
    async def decline_invitation(
        self, info: Info, invitation_id: InvitationIdArg
    ) -> InvitationPayload:
        return await _respond(info, invitation_id, InvitationStatus.DECLINED)

    @strawberry.mutation(description="The sender withdraws a pending invitation.")
    async def withdraw_invitation(
        self, info: Info, invitation_id: InvitationIdArg
    ) -> InvitationPayload:
        return await _respond(info, invitation_id, InvitationStatus.WITHDRAWN)
