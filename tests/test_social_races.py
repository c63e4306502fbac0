"""Races the API relies on the store to settle, on every backend: the rules
the mutations map from RuleViolation must hold under concurrent requests.
(The contract suite covers concurrent follows, claims on one author and
duplicate sends; these are the other racy rules.)"""

from __future__ import annotations

import asyncio

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
from tests.contract.conftest import ALICE, BAO, DONG, GRAPH, WEI, ZOE, at, make_user


@pytest.fixture
async def graph(store: GraphStore) -> GraphStore:
    """The contract suite's small graph, on each backend."""
    await store.import_batch(GRAPH)
    return store


def _claim(n: int, user: UserRecord, author_id: str) -> ClaimRecord:
    return ClaimRecord(f"claim:r{n}", author_id, user.id, ClaimDecision.PENDING, "orcid", at(n))


async def _verified(store: GraphStore, n: int, author_id: str) -> UserRecord:
    user = await store.create_user(make_user(n))
    await store.create_claim(_claim(n, user, author_id))
    await store.decide_claim(f"claim:r{n}", True, None, at(n))
    return user


def _inv(n: int, sender: UserRecord, to: str) -> InvitationRecord:
    return InvitationRecord(
        f"inv:r{n}", sender.id, None, to, "hello", InvitationStatus.PENDING, at(100 + n)
    )


async def _outcomes(*calls: object) -> list[Rule | None]:
    results = await asyncio.gather(*calls, return_exceptions=True)  # type: ignore[call-overload]
    out: list[Rule | None] = []
    for r in results:
        if isinstance(r, RuleViolation):
            out.append(r.rule)
        elif isinstance(r, BaseException):
            raise r
        else:
            out.append(None)
    return out


async def test_concurrent_approvals_give_one_verified_author(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    await graph.create_claim(_claim(1, user, BAO))
    await graph.create_claim(_claim(2, user, DONG))
    outcomes = await _outcomes(
        graph.decide_claim("claim:r1", True, None, at(5)),
        graph.decide_claim("claim:r2", True, None, at(5)),
    )
    assert sorted(outcomes, key=str) == sorted([None, Rule.USER_ALREADY_VERIFIED], key=str)
    assert len(await graph.verified_authors_of_users([user.id])) == 1


async def test_concurrent_sends_stop_at_the_daily_limit(graph: GraphStore) -> None:
    sender = await _verified(graph, 1, BAO)
    recipients = [DONG, WEI, ZOE, ALICE]
    for n, author in enumerate(recipients, start=2):
        await _verified(graph, n, author)
    limit = 2
    outcomes = await _outcomes(
        *(
            graph.create_invitation(_inv(n, sender, to), limit, at(0))
            for n, to in enumerate(recipients)
        )
    )
    assert outcomes.count(None) == limit
    assert outcomes.count(Rule.RATE_LIMITED) == len(recipients) - limit
    assert await graph.count_invitations_since(sender.id, at(0)) == limit


async def test_concurrent_answers_leave_one(graph: GraphStore) -> None:
    sender = await _verified(graph, 1, BAO)
    recipient = await _verified(graph, 2, DONG)
    await graph.create_invitation(_inv(1, sender, DONG), 20, at(0))
    outcomes = await _outcomes(
        graph.respond_invitation("inv:r1", recipient.id, InvitationStatus.ACCEPTED, at(200)),
        graph.respond_invitation("inv:r1", recipient.id, InvitationStatus.DECLINED, at(200)),
        graph.respond_invitation("inv:r1", sender.id, InvitationStatus.WITHDRAWN, at(200)),
    )
    assert outcomes.count(None) == 1
    assert outcomes.count(Rule.INVITATION_NOT_PENDING) == 2
