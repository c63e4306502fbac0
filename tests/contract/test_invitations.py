"""Invitations: rules in their documented order, concurrency, rate limit, responses."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from graph_store.errors import Rule, RuleViolation
from graph_store.records import (
    ClaimDecision,
    ClaimRecord,
    InvitationRecord,
    InvitationStatus,
    UserRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import BAO, DONG, LONELY, WEI, ZOE, at, make_user


async def verified_user(store: GraphStore, n: int, author_id: str) -> UserRecord:
    user = await store.create_user(make_user(n))
    await store.create_claim(
        ClaimRecord(
            id=f"claim:c{n}",
            author_id=author_id,
            user_id=user.id,
            status=ClaimDecision.PENDING,
            evidence="orcid",
            created_at=at(n),
        )
    )
    await store.decide_claim(f"claim:c{n}", True, None, at(n))
    return user


def invitation(
    n: int,
    sender: UserRecord,
    recipient: str,
    minute: int = 100,
    sender_author_id: str | None = None,
) -> InvitationRecord:
    return InvitationRecord(
        id=f"inv:i{n}",
        sender_id=sender.id,
        sender_author_id=sender_author_id,
        recipient_author_id=recipient,
        message=f"Let's work together ({n})",
        status=InvitationStatus.PENDING,
        created_at=at(minute),
    )


WINDOW = at(0)
LIMIT = 20


async def send(
    store: GraphStore, inv: InvitationRecord, limit: int = LIMIT, window: datetime = WINDOW
) -> InvitationRecord:
    return await store.create_invitation(inv, limit, window)


async def rule_of(coro: object) -> Rule:
    with pytest.raises(RuleViolation) as err:
        await coro  # type: ignore[misc]
    return err.value.rule


@pytest.fixture
async def people(graph: GraphStore) -> dict[str, UserRecord]:
    """Verified claimants of Bao, Dong and Wei; a user with no claim; Zoe pending."""
    bao = await verified_user(graph, 1, BAO)
    dong = await verified_user(graph, 2, DONG)
    wei = await verified_user(graph, 3, WEI)
    plain = await graph.create_user(make_user(4))
    pending = await graph.create_user(make_user(5))
    await graph.create_claim(
        ClaimRecord(
            id="claim:c5",
            author_id=ZOE,
            user_id=pending.id,
            status=ClaimDecision.PENDING,
            evidence="orcid",
            created_at=at(5),
        )
    )
    return {"bao": bao, "dong": dong, "wei": wei, "plain": plain, "pending": pending}


async def test_create_invitation_stores_the_senders_verified_author(
    graph: GraphStore, people: dict[str, UserRecord]
) -> None:
    sent = await send(graph, invitation(1, people["bao"], DONG, sender_author_id=None))
    assert sent.status is InvitationStatus.PENDING
    assert sent.sender_author_id == BAO
    assert sent.sender_id == people["bao"].id and sent.recipient_author_id == DONG
    stored = (await graph.get_invitations(["inv:i1"]))["inv:i1"]
    assert stored == sent
    # A wrong sender_author_id passed in is replaced by the verified one.
    other = await send(graph, invitation(2, people["bao"], WEI, sender_author_id=ZOE))
    assert other.sender_author_id == BAO


async def test_rules_in_documented_order(graph: GraphStore, people: dict[str, UserRecord]) -> None:
    bao, plain, pending = people["bao"], people["plain"], people["pending"]
    # SENDER_NOT_VERIFIED wins over everything else, even an unknown recipient.
    assert await rule_of(send(graph, invitation(1, plain, "author:nobody"))) is (
        Rule.SENDER_NOT_VERIFIED
    )
    assert await rule_of(send(graph, invitation(1, pending, DONG))) is Rule.SENDER_NOT_VERIFIED
    assert await rule_of(send(graph, invitation(1, make_user(99), DONG))) is (
        Rule.SENDER_NOT_VERIFIED
    )
    assert await rule_of(send(graph, invitation(1, bao, "author:nobody"))) is Rule.NOT_FOUND
    # SELF_INVITATION before RECIPIENT_NOT_CLAIMED / rate limit.
    assert await rule_of(send(graph, invitation(1, bao, BAO), limit=0)) is Rule.SELF_INVITATION
    assert await rule_of(send(graph, invitation(1, bao, ZOE))) is Rule.RECIPIENT_NOT_CLAIMED
    assert await rule_of(send(graph, invitation(1, bao, LONELY))) is Rule.RECIPIENT_NOT_CLAIMED
    await send(graph, invitation(1, bao, DONG))
    # INVITATION_PENDING_EXISTS before RATE_LIMITED.
    assert await rule_of(send(graph, invitation(2, bao, DONG), limit=1)) is (
        Rule.INVITATION_PENDING_EXISTS
    )
    assert await rule_of(send(graph, invitation(2, bao, WEI), limit=1)) is Rule.RATE_LIMITED
    # Nothing but inv:i1 was written.
    assert list(await graph.get_invitations([f"inv:i{n}" for n in (1, 2)])) == ["inv:i1"]
    assert await graph.count_invitations_since(bao.id, WINDOW) == 1


async def test_concurrent_duplicate_sends_leave_one_pending(
    graph: GraphStore, people: dict[str, UserRecord]
) -> None:
    bao = people["bao"]
    results = await asyncio.gather(
        *(send(graph, invitation(n, bao, DONG)) for n in range(1, 9)),
        return_exceptions=True,
    )
    ok = [r for r in results if isinstance(r, InvitationRecord)]
    failed = [r for r in results if isinstance(r, RuleViolation)]
    assert len(ok) == 1 and len(failed) == 7
    assert {f.rule for f in failed} == {Rule.INVITATION_PENDING_EXISTS}
    sent = (await graph.invitations_sent([bao.id]))[bao.id]
    assert [i.id for i in sent] == [ok[0].id]
    assert await graph.pending_invitation_recipients(bao.id, [DONG, WEI]) == {DONG}


async def test_rate_limit_counts_only_inside_the_window(
    graph: GraphStore, people: dict[str, UserRecord]
) -> None:
    bao, dong, wei = people["bao"], people["dong"], people["wei"]
    await send(graph, invitation(1, bao, DONG, minute=10), limit=2)
    await send(graph, invitation(2, bao, WEI, minute=20), limit=2)
    await graph.respond_invitation("inv:i1", dong.id, InvitationStatus.ACCEPTED, at(21))
    # Two sent at or after minute 10 (responded ones count too).
    assert (
        await rule_of(send(graph, invitation(3, bao, DONG, minute=30), limit=2, window=at(10)))
        is Rule.RATE_LIMITED
    )
    # A later window holds only one of them: allowed.
    third = await send(graph, invitation(3, bao, DONG, minute=30), limit=2, window=at(11))
    assert third.status is InvitationStatus.PENDING
    assert await graph.count_invitations_since(bao.id, at(0)) == 3
    assert await graph.count_invitations_since(bao.id, at(20)) == 2
    assert await graph.count_invitations_since(bao.id, at(31)) == 0
    assert await graph.count_invitations_since(wei.id, at(0)) == 0


async def test_respond_accept_decline_withdraw(
    graph: GraphStore, people: dict[str, UserRecord]
) -> None:
    bao, dong, wei = people["bao"], people["dong"], people["wei"]
    await send(graph, invitation(1, bao, DONG, minute=10))
    await send(graph, invitation(2, bao, WEI, minute=11))
    await send(graph, invitation(3, wei, DONG, minute=12))
    accepted = await graph.respond_invitation("inv:i1", dong.id, InvitationStatus.ACCEPTED, at(20))
    assert accepted.status is InvitationStatus.ACCEPTED and accepted.responded_at == at(20)
    declined = await graph.respond_invitation("inv:i2", wei.id, InvitationStatus.DECLINED, at(21))
    assert declined.status is InvitationStatus.DECLINED
    withdrawn = await graph.respond_invitation("inv:i3", wei.id, InvitationStatus.WITHDRAWN, at(22))
    assert withdrawn.status is InvitationStatus.WITHDRAWN
    stored = await graph.get_invitations(["inv:i1", "inv:i2", "inv:i3"])
    assert {k: v.status for k, v in stored.items()} == {
        "inv:i1": InvitationStatus.ACCEPTED,
        "inv:i2": InvitationStatus.DECLINED,
        "inv:i3": InvitationStatus.WITHDRAWN,
    }
    # Once answered, a new pending invitation to the same recipient is allowed.
    again = await send(graph, invitation(4, bao, DONG, minute=30))
    assert again.status is InvitationStatus.PENDING


async def test_respond_rules(graph: GraphStore, people: dict[str, UserRecord]) -> None:
    bao, dong, wei, plain = people["bao"], people["dong"], people["wei"], people["plain"]
    await send(graph, invitation(1, bao, DONG))
    assert (
        await rule_of(
            graph.respond_invitation("inv:none", dong.id, InvitationStatus.ACCEPTED, at(1))
        )
        is Rule.NOT_FOUND
    )
    # Only the recipient's claimant accepts/declines; only the sender withdraws.
    for user, status in (
        (bao, InvitationStatus.ACCEPTED),
        (wei, InvitationStatus.DECLINED),
        (plain, InvitationStatus.ACCEPTED),
        (dong, InvitationStatus.WITHDRAWN),
        (wei, InvitationStatus.WITHDRAWN),
    ):
        assert await rule_of(graph.respond_invitation("inv:i1", user.id, status, at(1))) is (
            Rule.NOT_A_PARTY
        )
    assert (await graph.get_invitations(["inv:i1"]))["inv:i1"].status is (InvitationStatus.PENDING)
    await graph.respond_invitation("inv:i1", dong.id, InvitationStatus.DECLINED, at(2))
    # NOT_A_PARTY is checked before INVITATION_NOT_PENDING.
    assert (
        await rule_of(graph.respond_invitation("inv:i1", wei.id, InvitationStatus.ACCEPTED, at(3)))
        is Rule.NOT_A_PARTY
    )
    assert (
        await rule_of(graph.respond_invitation("inv:i1", dong.id, InvitationStatus.ACCEPTED, at(3)))
        is Rule.INVITATION_NOT_PENDING
    )
    assert (
        await rule_of(graph.respond_invitation("inv:i1", bao.id, InvitationStatus.WITHDRAWN, at(3)))
        is Rule.INVITATION_NOT_PENDING
    )
    stored = (await graph.get_invitations(["inv:i1"]))["inv:i1"]
    assert stored.status is InvitationStatus.DECLINED and stored.responded_at == at(2)


async def test_sent_received_and_pending_recipients(
    graph: GraphStore, people: dict[str, UserRecord]
) -> None:
    bao, dong, wei, plain = people["bao"], people["dong"], people["wei"], people["plain"]
    await send(graph, invitation(1, bao, DONG, minute=10))
    await send(graph, invitation(2, bao, WEI, minute=30))
    await send(graph, invitation(3, wei, DONG, minute=20))
    await graph.respond_invitation("inv:i2", wei.id, InvitationStatus.DECLINED, at(31))
    sent = await graph.invitations_sent([bao.id, wei.id, plain.id])
    assert {k: [i.id for i in v] for k, v in sent.items()} == {
        bao.id: ["inv:i2", "inv:i1"],
        wei.id: ["inv:i3"],
        plain.id: [],
    }
    received = await graph.invitations_received([dong.id, wei.id, bao.id, plain.id])
    assert {k: [i.id for i in v] for k, v in received.items()} == {
        dong.id: ["inv:i3", "inv:i1"],
        wei.id: ["inv:i2"],
        bao.id: [],
        plain.id: [],
    }
    assert await graph.pending_invitation_recipients(bao.id, [DONG, WEI, ZOE]) == {DONG}
    assert await graph.pending_invitation_recipients(wei.id, [DONG]) == {DONG}
    assert await graph.pending_invitation_recipients(plain.id, [DONG]) == set()
