"""Claim lifecycle, every rule (the pending-claims cap too), atomicity, and the
moderators' queue."""

from __future__ import annotations

import asyncio

import pytest

from graph_store.errors import Rule, RuleViolation
from graph_store.records import ClaimDecision, ClaimRecord, ClaimStatus, UserRecord
from graph_store.store import GraphStore
from tests.contract.conftest import ALICE, BAO, DONG, LONELY, WEI, ZOE, at, make_user


def claim(n: int, author_id: str, user: UserRecord, minute: int | None = None) -> ClaimRecord:
    return ClaimRecord(
        id=f"claim:c{n}",
        author_id=author_id,
        user_id=user.id,
        status=ClaimDecision.PENDING,
        evidence=f"https://orcid.org/{n}",
        created_at=at(minute if minute is not None else n),
    )


async def status_of(store: GraphStore, author_id: str) -> ClaimStatus:
    return (await store.get_authors([author_id]))[author_id].claim_status


async def users(store: GraphStore, count: int) -> list[UserRecord]:
    return [await store.create_user(make_user(n)) for n in range(1, count + 1)]


async def test_create_claim_sets_author_pending(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    created = await graph.create_claim(claim(1, BAO, u1))
    assert created.status is ClaimDecision.PENDING
    assert created.id == "claim:c1" and created.author_id == BAO and created.user_id == u1.id
    assert (await graph.get_claims([created.id]))[created.id] == created
    assert await status_of(graph, BAO) is ClaimStatus.PENDING
    assert await graph.claims_of_users([u1.id]) == {u1.id: [created]}


async def test_withdraw_returns_author_to_unclaimed(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    withdrawn = await graph.withdraw_claim("claim:c1", u1.id, at(30))
    assert withdrawn.status is ClaimDecision.WITHDRAWN
    assert withdrawn.decided_at == at(30)
    assert await status_of(graph, BAO) is ClaimStatus.UNCLAIMED
    # The author can be claimed again afterwards.
    again = await graph.create_claim(claim(2, BAO, u1))
    assert again.status is ClaimDecision.PENDING


async def test_approve_verifies_and_claims_author(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    decided = await graph.decide_claim("claim:c1", True, "matches ORCID", at(40))
    assert decided.status is ClaimDecision.VERIFIED
    assert decided.note == "matches ORCID" and decided.decided_at == at(40)
    assert await status_of(graph, BAO) is ClaimStatus.CLAIMED
    assert {k: v.id for k, v in (await graph.verified_authors_of_users([u1.id])).items()} == {
        u1.id: BAO
    }
    assert await graph.verified_claimants_of_authors([BAO, DONG]) == {BAO: u1.id}


async def test_reject_returns_author_to_unclaimed(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    decided = await graph.decide_claim("claim:c1", False, None, at(40))
    assert decided.status is ClaimDecision.REJECTED and decided.note is None
    assert await status_of(graph, BAO) is ClaimStatus.UNCLAIMED
    assert await graph.verified_authors_of_users([u1.id]) == {}
    assert await graph.verified_claimants_of_authors([BAO]) == {}


async def test_create_claim_not_found(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    for bad in (claim(1, "author:nobody", u1), claim(2, BAO, make_user(99))):
        with pytest.raises(RuleViolation) as err:
            await graph.create_claim(bad)
        assert err.value.rule is Rule.NOT_FOUND
    assert await graph.get_claims(["claim:c1", "claim:c2"]) == {}
    assert await status_of(graph, BAO) is ClaimStatus.UNCLAIMED


@pytest.mark.parametrize("first_decision", ["pending", "verified"])
async def test_author_already_claimed(graph: GraphStore, first_decision: str) -> None:
    u1, u2 = await users(graph, 2)
    await graph.create_claim(claim(1, BAO, u1))
    if first_decision == "verified":
        await graph.decide_claim("claim:c1", True, None, at(10))
    with pytest.raises(RuleViolation) as err:
        await graph.create_claim(claim(2, BAO, u2))
    assert err.value.rule is Rule.AUTHOR_ALREADY_CLAIMED
    assert await graph.get_claims(["claim:c2"]) == {}
    assert await graph.claims_of_users([u2.id]) == {u2.id: []}
    expected = ClaimStatus.CLAIMED if first_decision == "verified" else ClaimStatus.PENDING
    assert await status_of(graph, BAO) is expected


async def test_user_already_verified(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    await graph.decide_claim("claim:c1", True, None, at(10))
    with pytest.raises(RuleViolation) as err:
        await graph.create_claim(claim(2, DONG, u1))
    assert err.value.rule is Rule.USER_ALREADY_VERIFIED
    assert await graph.get_claims(["claim:c2"]) == {}
    assert await status_of(graph, DONG) is ClaimStatus.UNCLAIMED


async def test_approving_a_second_author_for_one_user(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    await graph.create_claim(claim(2, DONG, u1))  # allowed while nothing is verified
    await graph.decide_claim("claim:c1", True, None, at(10))
    with pytest.raises(RuleViolation) as err:
        await graph.decide_claim("claim:c2", True, None, at(11))
    assert err.value.rule is Rule.USER_ALREADY_VERIFIED
    assert (await graph.get_claims(["claim:c2"]))["claim:c2"].status is ClaimDecision.PENDING
    assert await status_of(graph, DONG) is ClaimStatus.PENDING
    # Rejecting it is still possible.
    rejected = await graph.decide_claim("claim:c2", False, "second author", at(12))
    assert rejected.status is ClaimDecision.REJECTED
    assert await status_of(graph, DONG) is ClaimStatus.UNCLAIMED


async def test_withdraw_rules(graph: GraphStore) -> None:
    u1, u2 = await users(graph, 2)
    await graph.create_claim(claim(1, BAO, u1))
    with pytest.raises(RuleViolation) as err:
        await graph.withdraw_claim("claim:none", u1.id, at(5))
    assert err.value.rule is Rule.NOT_FOUND
    with pytest.raises(RuleViolation) as err:
        await graph.withdraw_claim("claim:c1", u2.id, at(5))
    assert err.value.rule is Rule.NOT_CLAIMANT
    assert (await graph.get_claims(["claim:c1"]))["claim:c1"].status is ClaimDecision.PENDING
    assert await status_of(graph, BAO) is ClaimStatus.PENDING
    await graph.decide_claim("claim:c1", True, None, at(6))
    with pytest.raises(RuleViolation) as err:
        await graph.withdraw_claim("claim:c1", u1.id, at(7))
    assert err.value.rule is Rule.CLAIM_NOT_PENDING
    assert (await graph.get_claims(["claim:c1"]))["claim:c1"].status is ClaimDecision.VERIFIED
    assert await status_of(graph, BAO) is ClaimStatus.CLAIMED


async def test_decide_rules(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    with pytest.raises(RuleViolation) as err:
        await graph.decide_claim("claim:none", True, None, at(5))
    assert err.value.rule is Rule.NOT_FOUND
    await graph.create_claim(claim(1, BAO, u1))
    await graph.decide_claim("claim:c1", False, None, at(6))
    for approve in (True, False):
        with pytest.raises(RuleViolation) as err:
            await graph.decide_claim("claim:c1", approve, "again", at(7))
        assert err.value.rule is Rule.CLAIM_NOT_PENDING
    stored = (await graph.get_claims(["claim:c1"]))["claim:c1"]
    assert stored.status is ClaimDecision.REJECTED and stored.note is None
    assert stored.decided_at == at(6)
    assert await status_of(graph, BAO) is ClaimStatus.UNCLAIMED


async def test_concurrent_claims_on_one_author(graph: GraphStore) -> None:
    u1, u2 = await users(graph, 2)
    results = await asyncio.gather(
        graph.create_claim(claim(1, ZOE, u1)),
        graph.create_claim(claim(2, ZOE, u2)),
        return_exceptions=True,
    )
    ok = [r for r in results if isinstance(r, ClaimRecord)]
    failed = [r for r in results if isinstance(r, RuleViolation)]
    assert len(ok) == 1 and len(failed) == 1
    assert failed[0].rule is Rule.AUTHOR_ALREADY_CLAIMED
    claims = await graph.get_claims(["claim:c1", "claim:c2"])
    assert list(claims) == [ok[0].id]
    assert await status_of(graph, ZOE) is ClaimStatus.PENDING


async def test_claims_of_users_newest_first(graph: GraphStore) -> None:
    u1, u2, u3 = await users(graph, 3)
    await graph.create_claim(claim(1, BAO, u1, minute=1))
    await graph.withdraw_claim("claim:c1", u1.id, at(2))
    await graph.create_claim(claim(2, DONG, u1, minute=3))
    await graph.create_claim(claim(3, WEI, u2, minute=4))
    got = await graph.claims_of_users([u1.id, u2.id, u3.id])
    assert {k: [c.id for c in v] for k, v in got.items()} == {
        u1.id: ["claim:c2", "claim:c1"],
        u2.id: ["claim:c3"],
        u3.id: [],
    }


async def test_claims_by_status_oldest_first_with_keyset(graph: GraphStore) -> None:
    us = await users(graph, 4)
    authors = [BAO, DONG, WEI, ZOE]
    # Created out of order: the queue is by created_at, not by insertion.
    for n, minute in ((1, 30), (2, 10), (3, 20), (4, 40)):
        await graph.create_claim(claim(n, authors[n - 1], us[n - 1], minute=minute))
    await graph.decide_claim("claim:c4", True, None, at(50))

    def key(c: ClaimRecord) -> str:
        return f"{int(c.created_at.timestamp() * 1_000_000):020d}|{c.id}"

    first = await graph.claims_by_status(ClaimDecision.PENDING, 2, None)
    assert [c.id for c in first.items] == ["claim:c2", "claim:c3"]
    assert first.total == 3 and first.has_next is True
    second = await graph.claims_by_status(ClaimDecision.PENDING, 2, key(first.items[-1]))
    assert [c.id for c in second.items] == ["claim:c1"]
    assert second.total == 3 and second.has_next is False
    verified = await graph.claims_by_status(ClaimDecision.VERIFIED, 10, None)
    assert [c.id for c in verified.items] == ["claim:c4"] and verified.total == 1
    assert (await graph.claims_by_status(ClaimDecision.WITHDRAWN, 10, None)).total == 0


# --- the pending-claims cap -------------------------------------------------------------


async def pending_of(store: GraphStore, user: UserRecord) -> list[str]:
    """The user's PENDING claims' ids, oldest first."""
    rows = (await store.claims_of_users([user.id]))[user.id]
    return [c.id for c in reversed(rows) if c.status is ClaimDecision.PENDING]


async def refused(store: GraphStore, new: ClaimRecord, max_pending: int = 2) -> Rule:
    with pytest.raises(RuleViolation) as err:
        await store.create_claim(new, max_pending)
    assert await store.get_claims([new.id]) == {}  # nothing written
    return err.value.rule


async def test_third_pending_claim_is_refused(graph: GraphStore) -> None:
    u1, u2 = await users(graph, 2)
    await graph.create_claim(claim(1, BAO, u1))
    await graph.create_claim(claim(2, DONG, u1))
    assert await refused(graph, claim(3, WEI, u1)) is Rule.PENDING_CLAIMS_LIMIT
    assert await status_of(graph, WEI) is ClaimStatus.UNCLAIMED
    assert await pending_of(graph, u1) == ["claim:c1", "claim:c2"]
    # The cap is per user: another user still claims the author.
    assert (await graph.create_claim(claim(4, WEI, u2))).status is ClaimDecision.PENDING
    # The default is 2; the server's setting is passed in.
    assert await refused(graph, claim(5, ZOE, u2), max_pending=1) is Rule.PENDING_CLAIMS_LIMIT
    assert (await graph.create_claim(claim(6, ZOE, u2), 3)).status is ClaimDecision.PENDING


async def test_the_cap_comes_after_the_author_rules(graph: GraphStore) -> None:
    u1, u2 = await users(graph, 2)
    await graph.create_claim(claim(1, BAO, u1))
    await graph.create_claim(claim(2, DONG, u1))
    await graph.create_claim(claim(3, WEI, u2))
    # An author already claimed is the reason given, not the full slots.
    assert await refused(graph, claim(4, WEI, u1)) is Rule.AUTHOR_ALREADY_CLAIMED
    assert await refused(graph, claim(5, "author:nobody", u1)) is Rule.NOT_FOUND


async def test_withdrawing_or_a_rejection_frees_a_slot(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    await graph.create_claim(claim(2, DONG, u1))
    await graph.withdraw_claim("claim:c1", u1.id, at(10))
    await graph.create_claim(claim(3, WEI, u1, minute=11))
    assert await refused(graph, claim(4, ZOE, u1, minute=12)) is Rule.PENDING_CLAIMS_LIMIT
    await graph.decide_claim("claim:c2", False, "no evidence", at(13))
    await graph.create_claim(claim(5, ZOE, u1, minute=14))
    assert await pending_of(graph, u1) == ["claim:c3", "claim:c5"]
    assert await refused(graph, claim(6, ALICE, u1, minute=15)) is Rule.PENDING_CLAIMS_LIMIT


async def test_a_verified_claim_is_not_a_pending_one(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    await graph.create_claim(claim(1, BAO, u1))
    await graph.create_claim(claim(2, DONG, u1))
    await graph.decide_claim("claim:c1", True, None, at(10))
    assert await pending_of(graph, u1) == ["claim:c2"]
    # With one slot used, the verified claim would fill the cap if it counted:
    # the holder is told the rule that does hold (one verified author per user).
    assert await refused(graph, claim(3, WEI, u1)) is Rule.USER_ALREADY_VERIFIED


async def test_concurrent_claims_by_one_user_stop_at_the_cap(graph: GraphStore) -> None:
    [u1] = await users(graph, 1)
    authors = [BAO, DONG, WEI, ZOE, ALICE, LONELY]
    results = await asyncio.gather(
        *(graph.create_claim(claim(n, a, u1)) for n, a in enumerate(authors, start=1)),
        return_exceptions=True,
    )
    ok = [r for r in results if isinstance(r, ClaimRecord)]
    failed = [r for r in results if not isinstance(r, ClaimRecord)]
    assert len(ok) == 2
    assert all(isinstance(r, RuleViolation) for r in failed), failed
    assert {r.rule for r in failed if isinstance(r, RuleViolation)} == {Rule.PENDING_CLAIMS_LIMIT}
    assert sorted(await pending_of(graph, u1)) == sorted(c.id for c in ok)
    claimed = {c.author_id for c in ok}
    for author in authors:
        expected = ClaimStatus.PENDING if author in claimed else ClaimStatus.UNCLAIMED
        assert await status_of(graph, author) is expected
