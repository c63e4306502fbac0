"""Collaboration invitations over HTTP: two verified researchers, a third user
who must not see anything, the rules and the daily limit."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.social.helpers import (
    ACCEPT,
    DECLINE,
    INVITATIONS_PER_DAY,
    NODE,
    SEND_INVITATION,
    VIEWER,
    WITHDRAW_INVITATION,
    Session,
    World,
    errors,
)

ADA_AUTHOR = "author:hangbo-bao"
BOB_AUTHOR = "author:qingru-zhang"
UNCLAIMED = "author:zhibin-xiao"


async def _two_researchers(world: World) -> tuple[Session, Session]:
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    await world.verified(ada, ADA_AUTHOR)
    await world.verified(bob, BOB_AUTHOR)
    return ada, bob


async def _send(world: World, who: Session, to: str, message: str = "Shall we?") -> dict[str, Any]:
    return await world.payload(
        SEND_INVITATION, {"input": {"recipientId": to, "message": message}}, who.token
    )


async def test_invite_and_accept(world: World) -> None:
    ada, bob = await _two_researchers(world)
    carol = await world.sign_up("Carol")

    assert (await world.author(BOB_AUTHOR, ada.token))["viewerCanInvite"] is True
    assert (await world.author(ADA_AUTHOR, ada.token))["viewerCanInvite"] is False  # own
    assert (await world.author(UNCLAIMED, ada.token))["viewerCanInvite"] is False
    assert (await world.author(BOB_AUTHOR, carol.token))["viewerCanInvite"] is False
    assert (await world.author(BOB_AUTHOR))["viewerCanInvite"] is False

    sent = await _send(world, ada, BOB_AUTHOR, "  Let's work on pruning together.  ")
    assert sent["userErrors"] == []
    inv = sent["invitation"]
    assert inv["status"] == "PENDING"
    assert inv["message"] == "Let's work on pruning together."
    assert inv["sender"]["id"] == ada.user_id
    assert inv["senderAuthor"]["id"] == ADA_AUTHOR
    assert inv["recipient"]["id"] == BOB_AUTHOR
    assert inv["respondedAt"] is None
    assert (await world.author(BOB_AUTHOR, ada.token))["viewerCanInvite"] is False  # pending

    ada_view = (await world.run(VIEWER, token=ada.token))["viewer"]
    assert [i["id"] for i in ada_view["invitationsSent"]] == [inv["id"]]
    assert ada_view["invitationsReceived"] == []
    bob_view = (await world.run(VIEWER, token=bob.token))["viewer"]
    assert [(i["id"], i["senderAuthor"]["id"]) for i in bob_view["invitationsReceived"]] == [
        (inv["id"], ADA_AUTHOR)
    ]

    # The two parties see it through node; nobody else, exactly like a missing id.
    assert (await world.run(NODE, {"id": inv["id"]}, ada.token))["node"]["invitationStatus"] == (
        "PENDING"
    )
    assert (await world.run(NODE, {"id": inv["id"]}, bob.token))["node"]["id"] == inv["id"]
    assert world.moderator is not None
    for token in (carol.token, world.moderator.token, None):
        assert (await world.run(NODE, {"id": inv["id"]}, token))["node"] is None

    # Nobody else can act on it, and gets what a missing id gets.
    missing = await world.payload(ACCEPT, {"invitationId": "inv:doesnotexist"}, carol.token)
    for op in (ACCEPT, DECLINE, WITHDRAW_INVITATION):
        p = await world.payload(op, {"invitationId": inv["id"]}, carol.token)
        assert p == missing
        assert errors(p) == [("NOT_FOUND", ["invitationId"])]
    # The wrong party is told why.
    p = await world.payload(ACCEPT, {"invitationId": inv["id"]}, ada.token)
    assert errors(p) == [("FORBIDDEN", ["invitationId"])]
    p = await world.payload(WITHDRAW_INVITATION, {"invitationId": inv["id"]}, bob.token)
    assert errors(p) == [("FORBIDDEN", ["invitationId"])]

    accepted = await world.payload(ACCEPT, {"invitationId": inv["id"]}, bob.token)
    assert accepted["userErrors"] == []
    assert accepted["invitation"]["status"] == "ACCEPTED"
    assert accepted["invitation"]["respondedAt"] is not None
    again = await world.payload(DECLINE, {"invitationId": inv["id"]}, bob.token)
    assert again["invitation"] is None
    assert errors(again) == [("CONFLICT", ["invitationId"])]
    ada_view = (await world.run(VIEWER, token=ada.token))["viewer"]
    assert ada_view["invitationsSent"][0]["status"] == "ACCEPTED"
    # Not pending any more: Ada could invite Bob again.
    assert (await world.author(BOB_AUTHOR, ada.token))["viewerCanInvite"] is True


async def test_decline_and_withdraw(world: World) -> None:
    ada, bob = await _two_researchers(world)
    first = (await _send(world, ada, BOB_AUTHOR))["invitation"]["id"]
    declined = await world.payload(DECLINE, {"invitationId": first}, bob.token)
    assert declined["invitation"]["status"] == "DECLINED"
    second = (await _send(world, bob, ADA_AUTHOR))["invitation"]["id"]
    withdrawn = await world.payload(WITHDRAW_INVITATION, {"invitationId": second}, bob.token)
    assert withdrawn["invitation"]["status"] == "WITHDRAWN"
    late = await world.payload(ACCEPT, {"invitationId": second}, ada.token)
    assert errors(late) == [("CONFLICT", ["invitationId"])]


async def test_who_may_send_to_whom(world: World) -> None:
    ada, bob = await _two_researchers(world)
    carol = await world.sign_up("Carol")
    await world.claim(carol, UNCLAIMED)  # pending, not verified

    not_verified = await _send(world, carol, BOB_AUTHOR)
    assert not_verified["invitation"] is None
    assert errors(not_verified) == [("FORBIDDEN", None)]
    assert errors(await _send(world, ada, UNCLAIMED)) == [
        ("INVALID_INPUT", ["input", "recipientId"])
    ]  # pending claim: not CLAIMED
    assert errors(await _send(world, ada, "author:binxing-jiao")) == [
        ("INVALID_INPUT", ["input", "recipientId"])
    ]
    assert errors(await _send(world, ada, ADA_AUTHOR)) == [
        ("INVALID_INPUT", ["input", "recipientId"])
    ]
    for bad in ("author:nobody", "paper:1", "nonsense"):
        assert errors(await _send(world, ada, bad)) == [("NOT_FOUND", ["input", "recipientId"])]
    assert errors(await _send(world, ada, BOB_AUTHOR, "   ")) == [
        ("INVALID_INPUT", ["input", "message"])
    ]
    assert errors(await _send(world, ada, BOB_AUTHOR, "x" * 2001)) == [
        ("INVALID_INPUT", ["input", "message"])
    ]
    anon = await world.payload(
        SEND_INVITATION, {"input": {"recipientId": BOB_AUTHOR, "message": "hi"}}
    )
    assert errors(anon) == [("UNAUTHENTICATED", None)]
    for op in (ACCEPT, DECLINE, WITHDRAW_INVITATION):
        assert errors(await world.payload(op, {"invitationId": "inv:x"})) == [
            ("UNAUTHENTICATED", None)
        ]
    # Nothing of that was written.
    assert (await world.run(VIEWER, token=ada.token))["viewer"]["invitationsSent"] == []
    assert (await world.run(VIEWER, token=bob.token))["viewer"]["invitationsReceived"] == []

    ok = await _send(world, ada, BOB_AUTHOR, "x" * 2000)
    assert ok["userErrors"] == []
    dup = await _send(world, ada, BOB_AUTHOR)
    assert dup["invitation"] is None
    assert errors(dup) == [("CONFLICT", ["input", "recipientId"])]
    # The other direction is another pair.
    assert (await _send(world, bob, ADA_AUTHOR))["userErrors"] == []


async def test_daily_limit(world: World) -> None:
    ada, _ = await _two_researchers(world)
    assert (await world.author(BOB_AUTHOR, ada.token))["viewerCanInvite"] is True
    for _ in range(INVITATIONS_PER_DAY):
        inv = await _send(world, ada, BOB_AUTHOR)
        assert inv["userErrors"] == []
        withdrawn = await world.payload(
            WITHDRAW_INVITATION, {"invitationId": inv["invitation"]["id"]}, ada.token
        )
        assert withdrawn["userErrors"] == []
    limited = await _send(world, ada, BOB_AUTHOR)
    assert limited["invitation"] is None
    assert errors(limited) == [("RATE_LIMITED", None)]
    assert (await world.author(BOB_AUTHOR, ada.token))["viewerCanInvite"] is False
    sent = (await world.run(VIEWER, token=ada.token))["viewer"]["invitationsSent"]
    assert len(sent) == INVITATIONS_PER_DAY


async def test_concurrent_sends_leave_one_pending_invitation(world: World) -> None:
    ada, bob = await _two_researchers(world)
    results = await asyncio.gather(*(_send(world, ada, BOB_AUTHOR) for _ in range(8)))
    ok = [r for r in results if r["userErrors"] == []]
    assert len(ok) == 1
    rest = [errors(r) for r in results if r["userErrors"]]
    assert all(e == [("CONFLICT", ["input", "recipientId"])] for e in rest), rest
    received = (await world.run(VIEWER, token=bob.token))["viewer"]["invitationsReceived"]
    assert [i["status"] for i in received] == ["PENDING"]


async def test_concurrent_answers_leave_one_outcome(world: World) -> None:
    ada, bob = await _two_researchers(world)
    inv = (await _send(world, ada, BOB_AUTHOR))["invitation"]["id"]
    results = await asyncio.gather(
        world.payload(ACCEPT, {"invitationId": inv}, bob.token),
        world.payload(DECLINE, {"invitationId": inv}, bob.token),
        world.payload(WITHDRAW_INVITATION, {"invitationId": inv}, ada.token),
    )
    assert sorted(len(r["userErrors"]) for r in results) == [0, 1, 1]
    winner = next(r for r in results if not r["userErrors"])["invitation"]["status"]
    final = (await world.run(NODE, {"id": inv}, ada.token))["node"]["invitationStatus"]
    assert final == winner
