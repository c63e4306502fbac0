"""The moderators' queues (Query.pendingClaims, Query.openCorrections)."""

from __future__ import annotations

from tests.api.social.helpers import (
    REVIEW_CLAIM,
    SUGGEST,
    World,
)

QUEUES = """query($after: String) {
  pendingClaims(first: 1, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status evidence author { id } claimant { id } } }
  }
  openCorrections(first: 10) { totalCount edges { node { id status field } } }
}"""


async def test_moderators_see_the_queues_and_nobody_else(world: World) -> None:
    assert world.moderator is not None
    mod = world.moderator.token
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    first = await world.claim(ada, "author:hangbo-bao")
    second = await world.claim(bob, "author:qingru-zhang")
    suggested = await world.payload(
        SUGGEST,
        {"input": {"targetId": "author:hangbo-bao", "field": "name", "proposedValue": "Hangbo B.",
                   "reason": "Preferred spelling"}},
        ada.token,
    )  # fmt: skip
    corr_id = suggested["correction"]["id"]

    page1 = await world.run(QUEUES, {"after": None}, mod)
    claims = page1["pendingClaims"]
    assert claims["totalCount"] == 2
    assert [e["node"]["id"] for e in claims["edges"]] == [first]  # oldest first
    assert claims["pageInfo"]["hasNextPage"] is True
    page2 = await world.run(QUEUES, {"after": claims["pageInfo"]["endCursor"]}, mod)
    assert [e["node"]["id"] for e in page2["pendingClaims"]["edges"]] == [second]
    assert [e["node"]["id"] for e in page1["openCorrections"]["edges"]] == [corr_id]

    for token in (ada.token, None):
        seen = await world.run(QUEUES, {"after": None}, token)
        assert seen == {"pendingClaims": None, "openCorrections": None}

    await world.payload(REVIEW_CLAIM, {"input": {"claimId": first, "approve": True}}, mod)
    after = await world.run(QUEUES, {"after": None}, mod)
    assert after["pendingClaims"]["totalCount"] == 1
