"""The Mutation root: one module per area, merged into one type."""

from __future__ import annotations

from strawberry.tools import merge_types

from api.mutations.accounts import AccountMutations
from api.mutations.claims import ClaimMutations
from api.mutations.corrections import CorrectionMutations
from api.mutations.follow import FollowMutations
from api.mutations.invitations import InvitationMutations

Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        FollowMutations,
        ClaimMutations,
        InvitationMutations,
        CorrectionMutations,
    ),
)

__all__ = ["Mutation"]
