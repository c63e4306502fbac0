"""Claims that cannot be squatted (issue 9): an account holds at most two
pending claims, and moderators see how old a claimant's account is and what
else it has pending."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

from api.app import create_app
from graph_store.records import ClaimDecision, ClaimRecord, Role, UserRecord, utcnow
from tests.api.conftest import GraphQLClient, client_for
from tests.api.social.helpers import CLAIM_AUTHOR, REVIEW_CLAIM, WITHDRAW_CLAIM, World, errors
from tests.api.test_batching import CountingStore

UNCLAIMED = """query {
  authors(first: 100, filter: {claimStatus: UNCLAIMED}) { edges { node { id } } }
}"""

# What a moderator reviewing the queue asks about each claimant.
QUEUE = """query {
  pendingClaims(first: 20) { edges { node {
    id author { id }
    claimant {
      id createdAt accountAgeSeconds pendingClaimCount
      pendingClaims { id status author { id } }
    }
  } } }
}"""

STANDING = """query($id: ID!) {
  node(id: $id) {
    ... on User { createdAt accountAgeSeconds pendingClaimCount pendingClaims { id } }
  }
}"""

EVIDENCE = "ORCID 0000-0002-1825-0097"
CAP_MESSAGE = (
    "You already have as many pending claims as an account may hold at once: withdraw one "
    "(withdrawClaim) or wait until a moderator has reviewed one, then claim again."
)


async def claim(world: World, token: str, author_id: str) -> dict[str, Any]:
    return await world.payload(
        CLAIM_AUTHOR, {"input": {"authorId": author_id, "evidence": EVIDENCE}}, token
    )


async def unclaimed(world: World) -> list[str]:
    edges = (await world.run(UNCLAIMED))["authors"]["edges"]
    return [e["node"]["id"] for e in edges]


async def test_a_new_account_cannot_squat_the_unclaimed_authors(world: World) -> None:
    """The cap is a product rule: it holds with the abuse throttles off."""
    settings = dataclasses.replace(world.settings, rate_limits_enabled=False)
    async with client_for(create_app(settings, world.store)) as http:
        await _squat(dataclasses.replace(world, gql=GraphQLClient(http)))


async def test_with_the_throttles_on_claim_attempts_are_limited_too(world: World) -> None:
    """Both defences at their defaults: two claims land, refused attempts
    still count toward the 10 claim attempts an hour, then RATE_LIMITED."""
    authors = await unclaimed(world)
    mallory = await world.sign_up("Mallory")
    answers = [errors(await claim(world, mallory.token, a)) for a in authors]
    assert answers[:2] == [[], []]
    assert answers[2:10] == [[("CONFLICT", None)]] * 8
    assert answers[10:] == [[("RATE_LIMITED", None)]] * 5


async def _squat(world: World) -> None:
    authors = await unclaimed(world)
    assert len(authors) == 15  # every seed author starts unclaimed
    mallory = await world.sign_up("Mallory")
    answers = [await claim(world, mallory.token, a) for a in authors]
    assert [a["userErrors"] for a in answers[:2]] == [[], []]
    for refused in answers[2:]:
        assert refused["claim"] is None
        assert errors(refused) == [("CONFLICT", None)]
        assert refused["userErrors"][0]["message"] == CAP_MESSAGE
    # Only the two claims landed: every other author is still free, and a
    # real researcher claims one at once.
    assert await unclaimed(world) == authors[2:]
    bob = await world.sign_up("Bob")
    bobs = await claim(world, bob.token, authors[2])
    assert bobs["userErrors"] == [] and bobs["claim"]["status"] == "PENDING"

    # Withdrawing one frees a slot; so does a moderator's rejection.
    assert world.moderator is not None
    first, second = (a["claim"]["id"] for a in answers[:2])
    withdrawn = await world.payload(WITHDRAW_CLAIM, {"claimId": first}, mallory.token)
    assert withdrawn["userErrors"] == []
    assert (await claim(world, mallory.token, authors[3]))["userErrors"] == []
    assert errors(await claim(world, mallory.token, authors[4])) == [("CONFLICT", None)]
    rejected = await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": second, "approve": False}}, world.moderator.token
    )
    assert rejected["userErrors"] == []
    assert (await claim(world, mallory.token, authors[4]))["userErrors"] == []
    assert errors(await claim(world, mallory.token, authors[5])) == [("CONFLICT", None)]


async def test_concurrent_claims_by_one_account_stop_at_the_cap(world: World) -> None:
    authors = (await unclaimed(world))[:6]
    mallory = await world.sign_up("Mallory")
    answers = await asyncio.gather(*(claim(world, mallory.token, a) for a in authors))
    assert sum(a["userErrors"] == [] for a in answers) == 2
    assert sorted(errors(a) for a in answers if a["userErrors"]) == [[("CONFLICT", None)]] * 4
    landed = {a["claim"]["author"]["id"] for a in answers if a["claim"]}
    still_free = set(await unclaimed(world))
    assert landed.isdisjoint(still_free) and set(authors) - landed <= still_free


async def test_moderators_see_a_claimants_account_age_and_pending_claims(world: World) -> None:
    assert world.moderator is not None
    authors = await unclaimed(world)
    # A researcher whose account is a year old, with one claim.
    old = await world.store.create_user(
        UserRecord(
            id="user:veteran",
            email="veteran@example.org",
            display_name="Vera",
            password_hash="not used",
            role=Role.MEMBER,
            created_at=utcnow() - timedelta(days=365),
        )
    )
    await world.store.create_claim(
        ClaimRecord("claim:veteran", authors[0], old.id, ClaimDecision.PENDING, EVIDENCE, utcnow())
    )
    mallory = await world.sign_up("Mallory")
    squatted = [(await claim(world, mallory.token, a))["claim"]["id"] for a in authors[1:3]]

    rows = (await world.run(QUEUE, token=world.moderator.token))["pendingClaims"]["edges"]
    by_claim = {e["node"]["id"]: e["node"]["claimant"] for e in rows}
    vera = by_claim["claim:veteran"]
    assert vera["id"] == old.id
    assert vera["accountAgeSeconds"] >= 365 * 24 * 3600
    assert vera["createdAt"].startswith(str(old.created_at.year))
    assert vera["pendingClaimCount"] == 1
    assert [c["id"] for c in vera["pendingClaims"]] == ["claim:veteran"]
    for claim_id in squatted:
        m = by_claim[claim_id]
        assert m["id"] == mallory.user_id
        assert 0 <= m["accountAgeSeconds"] < 600  # made during this test
        assert m["pendingClaimCount"] == 2
        # Oldest first, each with its author: the moderator sees the pattern.
        assert [(c["id"], c["author"]["id"]) for c in m["pendingClaims"]] == list(
            zip(squatted, authors[1:3], strict=True)
        )
        assert {c["status"] for c in m["pendingClaims"]} == {"PENDING"}

    # A decided claim leaves the count.
    await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": squatted[0], "approve": False}}, world.moderator.token
    )
    seen = await world.run(STANDING, {"id": mallory.user_id}, world.moderator.token)
    assert seen["node"]["pendingClaimCount"] == 1
    assert [c["id"] for c in seen["node"]["pendingClaims"]] == [squatted[1]]

    # The account itself sees its own standing; other members and visitors do not.
    own = (await world.run(STANDING, {"id": mallory.user_id}, mallory.token))["node"]
    assert own["pendingClaimCount"] == 1 and own["createdAt"] is not None
    bob = await world.sign_up("Bob")
    hidden = {"createdAt": None, "accountAgeSeconds": None, "pendingClaimCount": None,
              "pendingClaims": None}  # fmt: skip
    for token in (bob.token, None):
        for user_id in (mallory.user_id, old.id):
            assert (await world.run(STANDING, {"id": user_id}, token))["node"] == hidden


async def test_the_claimant_view_is_batched(world: World) -> None:
    """A page of claims asks the store once for the claimants and once for their claims."""
    assert world.moderator is not None
    authors = await unclaimed(world)
    for n, name in enumerate(("Ada", "Bob", "Cy")):
        who = await world.sign_up(name)
        for a in authors[2 * n : 2 * n + 2]:
            assert (await claim(world, who.token, a))["userErrors"] == []
    counting = CountingStore(world.store)
    app = create_app(world.settings, counting)  # type: ignore[arg-type]
    async with client_for(app) as http:
        data = await GraphQLClient(http).data(QUEUE, token=world.moderator.token)
    assert len(data["pendingClaims"]["edges"]) == 6
    # The viewer, then the claimants; their claims; the claims' authors (the
    # pending claims' authors are the same ones, already loaded).
    assert dict(counting.calls) == {
        "get_users": 2,
        "claims_by_status": 1,
        "claims_of_users": 1,
        "get_authors": 1,
    }


async def test_the_server_setting_sets_the_cap(world: World) -> None:
    authors = await unclaimed(world)
    settings = dataclasses.replace(world.settings, max_pending_claims=3)
    async with client_for(create_app(settings, world.store)) as http:
        three = World(gql=GraphQLClient(http), store=world.store, settings=settings)
        ada = await three.sign_up("Ada")
        answers = [await claim(three, ada.token, a) for a in authors[:4]]
    assert [errors(a) for a in answers] == [[], [], [], [("CONFLICT", None)]]
