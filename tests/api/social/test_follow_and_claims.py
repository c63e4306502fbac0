"""Follow and claim/review over HTTP, as a frontend runs them."""

from __future__ import annotations

import asyncio

from tests.api.social.helpers import (
    AUTHOR,
    CLAIM_AUTHOR,
    FOLLOW,
    NODE,
    REVIEW_CLAIM,
    UNFOLLOW,
    VIEWER,
    WITHDRAW_CLAIM,
    World,
    errors,
)

HANGBO = "author:hangbo-bao"
QINGRU = "author:qingru-zhang"
EVIDENCE = "ORCID 0000-0002-1825-0097"


# --- follow -------------------------------------------------------------------------


async def test_follow_is_idempotent_and_shows_at_once(world: World) -> None:
    ada = await world.sign_up("Ada")
    before = await world.author(HANGBO, ada.token)
    assert before["viewerIsFollowing"] is False
    for _ in range(2):
        p = await world.payload(FOLLOW, {"authorId": HANGBO}, ada.token)
        assert p["userErrors"] == []
        assert p["author"]["viewerIsFollowing"] is True
        assert p["author"]["stats"]["followers"] == before["stats"]["followers"] + 1
    viewer = (await world.run(VIEWER, token=ada.token))["viewer"]
    assert viewer["following"]["totalCount"] == 1
    assert [e["node"]["id"] for e in viewer["following"]["edges"]] == [HANGBO]
    # Someone else sees the count but is not following.
    other = await world.author(HANGBO)
    assert other["stats"]["followers"] == before["stats"]["followers"] + 1
    assert other["viewerIsFollowing"] is False

    for _ in range(2):
        p = await world.payload(UNFOLLOW, {"authorId": HANGBO}, ada.token)
        assert p["userErrors"] == []
        assert p["author"]["viewerIsFollowing"] is False
        assert p["author"]["stats"]["followers"] == before["stats"]["followers"]
    viewer = (await world.run(VIEWER, token=ada.token))["viewer"]
    assert viewer["following"]["totalCount"] == 0


async def test_followers_move_the_trust_score(world: World) -> None:
    before = await world.author(HANGBO)
    ada = await world.sign_up("Ada")
    p = await world.payload(FOLLOW, {"authorId": HANGBO}, ada.token)
    assert p["author"]["trust"]["score"] >= before["trust"]["score"]
    assert p["author"]["trust"]["components"] != before["trust"]["components"]


async def test_sixteen_concurrent_follows_leave_one_follow(world: World) -> None:
    ada = await world.sign_up("Ada")
    results = await asyncio.gather(
        *(world.payload(FOLLOW, {"authorId": QINGRU}, ada.token) for _ in range(16))
    )
    assert all(r["userErrors"] == [] for r in results)
    author = await world.author(QINGRU, ada.token)
    assert author["stats"]["followers"] == 1
    assert (await world.run(VIEWER, token=ada.token))["viewer"]["following"]["totalCount"] == 1


async def test_follow_needs_a_user_and_a_real_author(world: World) -> None:
    anon = await world.payload(FOLLOW, {"authorId": HANGBO})
    assert anon["author"] is None
    assert errors(anon) == [("UNAUTHENTICATED", None)]
    assert (await world.author(HANGBO))["stats"]["followers"] == 0
    ada = await world.sign_up("Ada")
    for bad in ("author:nobody", "paper:123", "garbage", ""):
        for op in (FOLLOW, UNFOLLOW):
            p = await world.payload(op, {"authorId": bad}, ada.token)
            assert p["author"] is None
            assert errors(p) == [("NOT_FOUND", ["authorId"])], bad


# --- claims ----------------------------------------------------------------------------


async def test_claim_review_verify_flow(world: World) -> None:
    ada = await world.sign_up("Ada")
    before = await world.author(HANGBO)
    assert (before["claimStatus"], before["trust"]["verification"]) == ("UNCLAIMED", "L1")

    p = await world.payload(
        CLAIM_AUTHOR,
        {"input": {"authorId": HANGBO, "evidence": " https://orcid.org/0000-0001 "}},
        ada.token,
    )
    assert p["userErrors"] == []
    claim = p["claim"]
    assert claim["status"] == "PENDING"
    assert claim["evidence"] == "https://orcid.org/0000-0001"
    assert claim["decidedAt"] is None
    assert claim["claimant"]["id"] == ada.user_id
    assert claim["author"]["claimStatus"] == "PENDING"
    assert claim["author"]["trust"]["verification"] == "L2"

    viewer = (await world.run(VIEWER, token=ada.token))["viewer"]
    assert [(c["id"], c["status"]) for c in viewer["claims"]] == [(claim["id"], "PENDING")]
    assert viewer["claimedAuthor"] is None

    assert world.moderator is not None
    # A member cannot review, not even their own claim.
    forbidden = await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": claim["id"], "approve": True}}, ada.token
    )
    assert forbidden["claim"] is None
    assert errors(forbidden) == [("FORBIDDEN", None)]

    approved = await world.payload(
        REVIEW_CLAIM,
        {"input": {"claimId": claim["id"], "approve": True, "note": "ORCID matches"}},
        world.moderator.token,
    )
    assert approved["userErrors"] == []
    assert approved["claim"]["status"] == "VERIFIED"
    assert approved["claim"]["note"] == "ORCID matches"
    assert approved["claim"]["decidedAt"] is not None
    author = approved["claim"]["author"]
    assert (author["claimStatus"], author["trust"]["verification"]) == ("CLAIMED", "L3")
    assert author["trust"]["score"] > before["trust"]["score"]
    points = {c["name"]: c["points"] for c in author["trust"]["components"]}
    points_before = {c["name"]: c["points"] for c in before["trust"]["components"]}
    changed = {n for n in points if points[n] != points_before.get(n)}
    assert changed, "a component must say why the score moved"
    total = sum(c["points"] for c in author["trust"]["components"])
    assert total == author["trust"]["score"]

    viewer = (await world.run(VIEWER, token=ada.token))["viewer"]
    assert viewer["claimedAuthor"]["id"] == HANGBO
    assert viewer["claims"][0]["status"] == "VERIFIED"

    # Deciding twice is a conflict; the author stays claimed.
    again = await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": claim["id"], "approve": False}},
        world.moderator.token,
    )  # fmt: skip
    assert errors(again) == [("CONFLICT", ["input", "claimId"])]
    assert (await world.author(HANGBO))["claimStatus"] == "CLAIMED"


async def test_rejected_and_withdrawn_claims_return_the_author_to_unclaimed(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    claim_id = await world.claim(ada, HANGBO)
    rejected = await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": claim_id, "approve": False}}, world.moderator.token
    )
    assert rejected["claim"]["status"] == "REJECTED"
    author = rejected["claim"]["author"]
    assert (author["claimStatus"], author["trust"]["verification"]) == ("UNCLAIMED", "L1")

    # Now Bob may claim it, and withdraw; only Bob can withdraw it.
    bobs = await world.claim(bob, HANGBO)
    not_his = await world.payload(WITHDRAW_CLAIM, {"claimId": bobs}, ada.token)
    assert errors(not_his) == [("NOT_FOUND", ["claimId"])]
    assert (await world.author(HANGBO))["claimStatus"] == "PENDING"
    withdrawn = await world.payload(WITHDRAW_CLAIM, {"claimId": bobs}, bob.token)
    assert withdrawn["userErrors"] == []
    assert withdrawn["claim"]["status"] == "WITHDRAWN"
    author = withdrawn["claim"]["author"]
    assert (author["claimStatus"], author["trust"]["verification"]) == ("UNCLAIMED", "L1")
    twice = await world.payload(WITHDRAW_CLAIM, {"claimId": bobs}, bob.token)
    assert twice["claim"] is None
    assert errors(twice) == [("CONFLICT", ["claimId"])]


async def test_claim_conflicts_and_bad_input(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    await world.claim(ada, HANGBO)

    second = await world.payload(
        CLAIM_AUTHOR, {"input": {"authorId": HANGBO, "evidence": EVIDENCE}}, bob.token
    )
    assert second["claim"] is None
    assert errors(second) == [("CONFLICT", ["input", "authorId"])]
    assert (await world.run(VIEWER, token=bob.token))["viewer"]["claims"] == []

    # A user with a verified author cannot get a second one.
    await world.verified(bob, QINGRU)
    third = await world.payload(
        CLAIM_AUTHOR, {"input": {"authorId": "author:zhibin-xiao", "evidence": EVIDENCE}}, bob.token
    )
    assert errors(third) == [("CONFLICT", ["input", "authorId"])]
    assert (await world.author("author:zhibin-xiao"))["claimStatus"] == "UNCLAIMED"

    cases = [
        ({"authorId": "author:nobody", "evidence": EVIDENCE},
         [("NOT_FOUND", ["input", "authorId"])]),
        ({"authorId": "topic:pruning", "evidence": EVIDENCE},
         [("NOT_FOUND", ["input", "authorId"])]),
        ({"authorId": HANGBO, "evidence": "   "}, [("INVALID_INPUT", ["input", "evidence"])]),
        # Too little for a moderator to check (10 characters at least).
        ({"authorId": HANGBO, "evidence": " it's me "},
         [("INVALID_INPUT", ["input", "evidence"])]),
        ({"authorId": HANGBO, "evidence": "x" * 2001},
         [("INVALID_INPUT", ["input", "evidence"])]),
    ]  # fmt: skip
    carol = await world.sign_up("Carol")
    for variables, expected in cases:
        p = await world.payload(CLAIM_AUTHOR, {"input": variables}, carol.token)
        assert p["claim"] is None
        assert errors(p) == expected, variables
    anon = await world.payload(CLAIM_AUTHOR, {"input": {"authorId": HANGBO, "evidence": EVIDENCE}})
    assert errors(anon) == [("UNAUTHENTICATED", None)]
    for bad in ("claim:nope", "author:hangbo-bao", "x"):
        w = await world.payload(WITHDRAW_CLAIM, {"claimId": bad}, carol.token)
        assert errors(w) == [("NOT_FOUND", ["claimId"])]
        r = await world.payload(
            REVIEW_CLAIM, {"input": {"claimId": bad, "approve": True}}, world.moderator.token
        )
        assert errors(r) == [("NOT_FOUND", ["input", "claimId"])]


async def test_a_claim_is_seen_by_its_claimant_and_moderators_only(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    claim_id = await world.claim(ada, HANGBO, evidence="ada@university.example")
    assert (await world.run(NODE, {"id": claim_id}, ada.token))["node"]["evidence"] == (
        "ada@university.example"
    )
    assert (await world.run(NODE, {"id": claim_id}, world.moderator.token))["node"] is not None
    assert (await world.run(NODE, {"id": claim_id}, bob.token))["node"] is None
    assert (await world.run(NODE, {"id": claim_id}))["node"] is None


async def test_concurrent_claims_on_one_author_leave_one_pending(world: World) -> None:
    users = [await world.sign_up(f"User{i}") for i in range(6)]
    results = await asyncio.gather(
        *(
            world.payload(
                CLAIM_AUTHOR, {"input": {"authorId": QINGRU, "evidence": EVIDENCE}}, u.token
            )
            for u in users
        )
    )
    ok = [r for r in results if r["userErrors"] == []]
    assert len(ok) == 1
    assert all(errors(r) == [("CONFLICT", ["input", "authorId"])] for r in results if r not in ok)
    assert (await world.author(QINGRU))["claimStatus"] == "PENDING"


async def test_concurrent_approvals_give_a_user_one_verified_author(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    first = await world.claim(ada, HANGBO)
    second = await world.claim(ada, QINGRU)  # two pending claims are allowed
    results = await asyncio.gather(
        *(
            world.payload(
                REVIEW_CLAIM, {"input": {"claimId": c, "approve": True}}, world.moderator.token
            )
            for c in (first, second)
        )
    )
    assert sorted(len(r["userErrors"]) for r in results) == [0, 1]
    failed = next(r for r in results if r["userErrors"])
    assert errors(failed) == [("CONFLICT", ["input", "approve"])]
    statuses = sorted([(await world.author(a))["claimStatus"] for a in (HANGBO, QINGRU)])
    assert statuses == ["CLAIMED", "PENDING"]


async def test_authors_query_of_the_claimed_author_is_the_same(world: World) -> None:
    ada = await world.sign_up("Ada")
    await world.verified(ada, HANGBO)
    data = await world.run(AUTHOR, {"id": HANGBO})
    assert data["author"]["claimStatus"] == "CLAIMED"
