"""The viewer's own lists as cursor connections, and followAuthor's edge for
Relay's @appendEdge, on both stores."""

from __future__ import annotations

from tests.api.social.helpers import SEND_INVITATION, World

ADA_AUTHOR = "author:hangbo-bao"
BOB_AUTHOR = "author:qingru-zhang"

FOLLOWING = "query { viewer { following(first: 100) { edges { cursor node { id } } } } }"
FOLLOW_EDGE = """
mutation($authorId: ID!) {
  followAuthor(authorId: $authorId) { followingEdge { cursor node { id } } userErrors { code } }
}"""
UNFOLLOW_EDGE = """
mutation($authorId: ID!) { unfollowAuthor(authorId: $authorId) { followingEdge { cursor } } }"""

CLAIMS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  viewer {
    claims { id }
    claimsConnection(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { node { id } }
    }
  }
}"""


async def test_follow_author_returns_the_edge_of_following(world: World) -> None:
    fan = await world.sign_up("Fan")
    for author in ("author:zhibin-xiao", ADA_AUTHOR, "author:binxing-jiao"):
        p = await world.payload(FOLLOW_EDGE, {"authorId": author}, fan.token)
        assert p["userErrors"] == [] and p["followingEdge"]["node"]["id"] == author
        edges = (await world.run(FOLLOWING, token=fan.token))["viewer"]["following"]["edges"]
        # The same cursor the connection gives that author: Relay files it in place.
        assert {"cursor": p["followingEdge"]["cursor"], "node": {"id": author}} in edges
    gone = await world.payload(UNFOLLOW_EDGE, {"authorId": ADA_AUTHOR}, fan.token)
    assert gone["followingEdge"] is None


async def test_claims_connection_pages_the_viewers_claims(world: World) -> None:
    ada = await world.sign_up("Ada")
    for author in ("author:zhibin-xiao", "author:binxing-jiao", BOB_AUTHOR):
        claim_id = await world.claim(ada, author)
        await world.payload(
            "mutation($id: ID!) { withdrawClaim(claimId: $id) { claim { id } } }",
            {"id": claim_id},
            ada.token,
        )
    await world.claim(ada, ADA_AUTHOR)
    everything = (await world.run(CLAIMS, {"first": 100}, ada.token))["viewer"]
    newest_first = [c["id"] for c in everything["claims"]]
    assert len(newest_first) == 4 and everything["claimsConnection"]["totalCount"] == 4
    seen, after = [], None
    while True:
        page = (await world.run(CLAIMS, {"first": 3, "after": after}, ada.token))["viewer"]
        conn = page["claimsConnection"]
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == newest_first
    back = (await world.run(CLAIMS, {"last": 3}, ada.token))["viewer"]["claimsConnection"]
    assert [e["node"]["id"] for e in back["edges"]] == newest_first[1:]
    assert back["pageInfo"]["hasPreviousPage"] and not back["pageInfo"]["hasNextPage"]


async def test_invitation_connections_are_the_parties_own(world: World) -> None:
    ada, bob, eve = (
        await world.sign_up("Ada"),
        await world.sign_up("Bob"),
        await world.sign_up("Eve"),
    )
    await world.verified(ada, ADA_AUTHOR)
    await world.verified(bob, BOB_AUTHOR)
    sent = await world.payload(
        SEND_INVITATION, {"input": {"recipientId": BOB_AUTHOR, "message": "Hi"}}, ada.token
    )
    inv = sent["invitation"]["id"]
    query = """query($id: ID!) { node(id: $id) { ... on User {
      invitationsSentConnection { totalCount edges { node { id } } }
      invitationsReceivedConnection { totalCount edges { node { id } } } } } }"""
    mine = (await world.run(query, {"id": ada.user_id}, ada.token))["node"]
    assert mine["invitationsSentConnection"] == {"totalCount": 1, "edges": [{"node": {"id": inv}}]}
    theirs = (await world.run(query, {"id": bob.user_id}, bob.token))["node"]
    assert theirs["invitationsReceivedConnection"]["edges"] == [{"node": {"id": inv}}]
    # Someone else's lists are empty connections, as the plain lists are.
    peek = (await world.run(query, {"id": ada.user_id}, eve.token))["node"]
    assert peek["invitationsSentConnection"] == {"totalCount": 0, "edges": []}
    assert (await world.run(query, {"id": ada.user_id}))["node"]["invitationsSentConnection"] == {
        "totalCount": 0,
        "edges": [],
    }
