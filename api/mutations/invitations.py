"""sendInvitation and the three answers to one: accept, decline, withdraw.

Only the two parties (the sender, and the recipient author's verified
claimant) can see or act on an invitation; to anyone else it does not exist.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated

import strawberry

from api.access import visible_invitation
from api.context import Info
from api.errors import UserError
from api.mutations.flow import Answer, Changed, Refused, by_id, found_by, mutate
from api.subscriptions import InvitationChanged, InvitationEventKind
from api.throttle import Limit
from api.types.invitation import Invitation
from domain import invitations as rules
from domain.problems import clean_text, forbidden
from graph_store.errors import Rule
from graph_store.records import InvitationRecord, InvitationStatus, NodeKind, UserRecord, utcnow


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


INVITATION: Answer[InvitationRecord, InvitationPayload] = Answer(
    done=lambda inv: InvitationPayload(invitation=Invitation.from_record(inv), user_errors=[]),
    failed=lambda errors: InvitationPayload(invitation=None, user_errors=errors),
)


def _invitation_changed(viewer: UserRecord, inv: InvitationRecord) -> Changed:
    pending = inv.status is InvitationStatus.PENDING
    kind = InvitationEventKind.RECEIVED if pending else InvitationEventKind(inv.status.value)
    return Changed(
        author_ids=[inv.recipient_author_id],
        # The sender's list moved, and the viewer's when it is the recipient answering.
        user_ids=list(dict.fromkeys([inv.sender_id, viewer.id])),
        written=inv,
        events=[InvitationChanged(inv, kind)],
    )


# What a party is told when it tries the other party's answer.
_WRONG_PARTY = {
    rules.Party.SENDER: "Only the invited researcher can accept or decline an invitation.",
    rules.Party.RECIPIENT: "Only the sender can withdraw an invitation.",
}


async def _respond(
    info: Info, invitation_id: strawberry.ID, status: InvitationStatus
) -> InvitationPayload:
    async def respond(viewer: UserRecord, inv: InvitationRecord) -> InvitationRecord:
        # Found through visible_invitation: the viewer is one of its parties.
        party = rules.Party.SENDER if inv.sender_id == viewer.id else rules.Party.RECIPIENT
        if party is not rules.ACTOR_FOR[status]:
            raise Refused(forbidden(_WRONG_PARTY[party], rules.RESPOND_FIELDS[Rule.NOT_FOUND]))
        return await info.context.store.respond_invitation(inv.id, viewer.id, status, utcnow())

    return await mutate(
        info,
        INVITATION,
        target=found_by(invitation_id, NodeKind.INVITATION, partial(visible_invitation, info)),
        write=respond,
        fields=rules.RESPOND_FIELDS,
        changed=_invitation_changed,
    )


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
        async def send(viewer: UserRecord, recipient_id: str) -> InvitationRecord:
            now = utcnow()
            record = InvitationRecord(
                id=f"inv:{secrets.token_hex(12)}",
                sender_id=viewer.id,
                sender_author_id=None,  # the store fills in the sender's verified author
                recipient_author_id=recipient_id,
                message=clean_text(input.message),
                status=InvitationStatus.PENDING,
                created_at=now,
            )
            return await info.context.store.create_invitation(
                record,
                daily_limit=info.context.settings.invitations_per_day,
                window_start=rules.window_start(now),
            )

        return await mutate(
            info,
            INVITATION,
            target=by_id(input.recipient_id, NodeKind.AUTHOR),
            checks=[rules.message_problem(input.message)],
            limit=Limit.INVITATION_USER,
            write=send,
            fields=rules.SEND_FIELDS,
            changed=_invitation_changed,
        )

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
