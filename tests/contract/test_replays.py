"""A create retried after its commit's acknowledgement was lost (same id, same
time) answers the record it made instead of failing on its own rules; the
same id from another request is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph_store.errors import StoreError
from graph_store.records import (
    ClaimDecision,
    ClaimRecord,
    CorrectionRecord,
    CorrectionStatus,
    InvitationRecord,
    InvitationStatus,
)
from graph_store.store import GraphStore
from tests.contract.conftest import BAO, DONG, at, make_user
from tests.contract.test_invitations import verified_user


async def test_a_retried_signup_is_the_same_signup(graph: GraphStore) -> None:
    user = make_user(1)
    assert await graph.create_user(user) == user
    assert await graph.create_user(user) == user  # not EMAIL_TAKEN
    assert await graph.get_user_by_email(user.email) == user
    with pytest.raises(StoreError, match="already taken"):
        await graph.create_user(replace(user, email="someone@else.org"))


async def test_a_retried_claim_is_the_same_claim(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    claim = ClaimRecord("claim:r", BAO, user.id, ClaimDecision.PENDING, "orcid", at(1))
    first = await graph.create_claim(claim)
    assert await graph.create_claim(claim) == first  # not AUTHOR_ALREADY_CLAIMED
    assert [c.id for c in (await graph.claims_of_users([user.id]))[user.id]] == ["claim:r"]
    with pytest.raises(StoreError, match="already taken"):
        await graph.create_claim(replace(claim, author_id=DONG))


async def test_a_retried_invitation_is_the_same_invitation(graph: GraphStore) -> None:
    sender = await verified_user(graph, 1, BAO)
    await verified_user(graph, 2, DONG)
    inv = InvitationRecord("inv:r", sender.id, None, DONG, "hi", InvitationStatus.PENDING, at(5))
    first = await graph.create_invitation(inv, 1, at(0))
    # Neither INVITATION_PENDING_EXISTS nor RATE_LIMITED (limit 1).
    assert await graph.create_invitation(inv, 1, at(0)) == first
    assert await graph.count_invitations_since(sender.id, at(0)) == 1


async def test_a_retried_correction_is_the_same_correction(graph: GraphStore) -> None:
    fix = CorrectionRecord(
        "corr:r", BAO, "name", "H. Bao", "typo", CorrectionStatus.OPEN, "user:u1", at(1)
    )
    first = await graph.create_correction(fix)
    assert await graph.create_correction(fix) == first
    page = await graph.corrections_by_status(CorrectionStatus.OPEN, 10, None)
    assert [c.id for c in page.items] == ["corr:r"]
    with pytest.raises(StoreError, match="already taken"):
        await graph.create_correction(replace(fix, proposed_value="Someone Else"))
