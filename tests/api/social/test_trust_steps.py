"""Trust next steps over HTTP: for the author's claimant alone, computed by the model."""

from __future__ import annotations

from tests.api.social.helpers import REVIEW_CLAIM, World

BINXING = "author:binxing-jiao"

TRUST = """
query Trust($id: ID!) {
  author(id: $id) {
    trust {
      score
      tier
      pointsToNextTier
      nextSteps { action delta newScore newTier why }
    }
  }
}"""


async def _trust(world: World, token: str | None) -> dict[str, object]:
    data = await world.run(TRUST, {"id": BINXING}, token)
    trust: dict[str, object] = data["author"]["trust"]
    return trust


async def test_only_the_claimant_sees_next_steps(world: World) -> None:
    ada, bob = await world.sign_up("Ada"), await world.sign_up("Bob")
    anonymous = await _trust(world, None)
    # The page prints 15 Unverified for Binxing Jiao: 5 points to EMERGING.
    assert (anonymous["score"], anonymous["tier"]) == (15, "UNVERIFIED")
    assert anonymous["pointsToNextTier"] == 5 and anonymous["nextSteps"] is None
    claim_id = await world.claim(ada, BINXING)
    pending = await _trust(world, ada.token)
    assert pending["nextSteps"] == [
        {
            "action": "VERIFY_CLAIM",
            "delta": 20,
            "newScore": 35,
            "newTier": "EMERGING",
            "why": "When a moderator verifies your pending claim: +20.",
        },
        {
            "action": "ADD_WORK",
            "delta": 2,
            "newScore": 17,
            "newTier": "UNVERIFIED",
            "why": "Another published work in the graph (imported, or added through a "
            "correction): +2.",
        },
        {
            "action": "NEW_COLLABORATOR",
            "delta": 1,
            "newScore": 16,
            "newTier": "UNVERIFIED",
            "why": "How collaborators count: each distinct co-author adds 1 point, up to 20; "
            "one more would add +1.",
        },
        {
            "action": "NEW_FOLLOWER",
            "delta": 1,
            "newScore": 16,
            "newTier": "UNVERIFIED",
            "why": "How followers count: each follower adds 1 point, up to 10; one more would "
            "add +1.",
        },
    ]
    # Another member and the moderator see the score, not the steps.
    assert (await _trust(world, bob.token))["nextSteps"] is None
    assert world.moderator is not None
    assert (await _trust(world, world.moderator.token))["nextSteps"] is None
    # Verified: the step the model promised is what the score did.
    p = await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": claim_id, "approve": True}}, world.moderator.token
    )
    assert p["userErrors"] == []
    verified = await _trust(world, ada.token)
    assert (verified["score"], verified["tier"], verified["pointsToNextTier"]) == (
        35,
        "EMERGING",
        5,
    )
    steps = verified["nextSteps"]
    assert isinstance(steps, list)
    assert [s["action"] for s in steps] == ["ADD_WORK", "NEW_COLLABORATOR", "NEW_FOLLOWER"]
    assert all(s["newScore"] - 35 == s["delta"] for s in steps)
