"""The Mutation root: one module per area, merged into one type."""

from __future__ import annotations

import strawberry

from api.mutations.accounts import AccountMutations
from api.mutations.claims import ClaimMutations
from api.mutations.corrections import CorrectionMutations
from api.mutations.follow import FollowMutations
from api.mutations.invitations import InvitationMutations
from api.mutations.profile import ProfileMutations
from api.mutations.sessions import SessionMutations


@strawberry.type(
    description="Writes. All but signUp and logIn need a bearer token. Expected failures "
    "come back as userErrors with the payload's object null and nothing written."
)
class Mutation(
    AccountMutations,
    SessionMutations,
    FollowMutations,
    ClaimMutations,
    InvitationMutations,
    CorrectionMutations,
    ProfileMutations,
):
    """The Mutation root: one module per area."""


__all__ = ["Mutation"]
