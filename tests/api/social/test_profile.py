"""The profile header over HTTP: what the seed pages print (role, affiliation
state, open to collaborate), the verified claimant's two settings, invitations
refused by a closed researcher, and the trust history only the claimant sees
(an import's change included)."""

from __future__ import annotations

from typing import Any

from domain.trust import MODEL_VERSION
from graph_store.records import AuthorRecord, AuthorshipRow, ImportBatch, PaperKind, PaperRecord
from seeds.loader import default_seed_paths, load_pages
from tests.api.social.helpers import FOLLOW, REVIEW_CLAIM, SEND_INVITATION, World, errors

PROFILE_AUTHORS = (
    "author:binxing-jiao",
    "author:zhibin-xiao",
    "author:hangbo-bao",
    "author:qingru-zhang",
)
ADA_AUTHOR, BOB_AUTHOR = "author:hangbo-bao", "author:qingru-zhang"

HEADER = """
query Header($id: ID!) {
  author(id: $id) { id role affiliationState openToCollaborate suggestible viewerCanInvite }
}"""

SETTINGS_FIELDS = """
    author { id openToCollaborate suggestible }
    userErrors { field message code }
"""
SET_OPEN = f"""
mutation SetOpen($open: Boolean!) {{
  setOpenToCollaborate(open: $open) {{ {SETTINGS_FIELDS} }}
}}"""
SET_SUGGESTIBLE = f"""
mutation SetSuggestible($suggestible: Boolean!) {{
  setSuggestible(suggestible: $suggestible) {{ {SETTINGS_FIELDS} }}
}}"""

TRUST_HISTORY = """
query TrustHistory($id: ID!, $first: Int, $after: String) {
  author(id: $id) {
    trust { score }
    trustHistory(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { at oldScore newScore delta cause modelVersion } }
    }
  }
}"""


async def header(world: World, author_id: str, token: str | None = None) -> dict[str, Any]:
    data = await world.run(HEADER, {"id": author_id}, token)
    author: dict[str, Any] = data["author"]
    return author


async def test_the_seed_pages_header_is_kept(world: World) -> None:
    for author_id in PROFILE_AUTHORS:
        assert await header(world, author_id) == {
            "id": author_id,
            "role": "Researcher",
            "affiliationState": "NOT_IMPORTED",
            "openToCollaborate": True,
            "suggestible": True,
            "viewerCanInvite": False,
        }
    # The anthology page prints no header; its co-authors are known by name only.
    for author_id in ("author:chenhe-dong", "author:yaliang-li"):
        got = await header(world, author_id)
        assert (got["role"], got["affiliationState"], got["openToCollaborate"]) == (
            None,
            "UNKNOWN",
            False,
        )
        assert got["suggestible"] is True


async def test_only_the_verified_claimant_sets_the_flags(world: World) -> None:
    anonymous = await world.payload(SET_OPEN, {"open": False})
    assert errors(anonymous) == [("UNAUTHENTICATED", None)] and anonymous["author"] is None
    ada = await world.sign_up("Ada")
    for mutation, variables in (
        (SET_OPEN, {"open": False}),
        (SET_SUGGESTIBLE, {"suggestible": False}),
    ):
        refused = await world.payload(mutation, variables, ada.token)
        assert errors(refused) == [("FORBIDDEN", None)]
        assert "verified claimant" in refused["userErrors"][0]["message"]
    # A pending claim is not enough.
    claim_id = await world.claim(ada, ADA_AUTHOR)
    assert errors(await world.payload(SET_OPEN, {"open": False}, ada.token)) == [
        ("FORBIDDEN", None)
    ]
    assert world.moderator is not None
    await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": claim_id, "approve": True}}, world.moderator.token
    )
    closed = await world.payload(SET_OPEN, {"open": False}, ada.token)
    assert closed == {
        "author": {"id": ADA_AUTHOR, "openToCollaborate": False, "suggestible": True},
        "userErrors": [],
    }
    hidden = await world.payload(SET_SUGGESTIBLE, {"suggestible": False}, ada.token)
    assert hidden["author"] == {"id": ADA_AUTHOR, "openToCollaborate": False, "suggestible": False}
    # Everyone reads them; the page's role stays.
    got = await header(world, ADA_AUTHOR)
    assert (got["openToCollaborate"], got["suggestible"], got["role"]) == (
        False,
        False,
        "Researcher",
    )
    # Importing the seed pages again (they print "Open to collaborate") keeps her choice.
    await load_pages(world.store, default_seed_paths())
    assert await header(world, ADA_AUTHOR) == got


async def test_a_closed_researcher_gets_no_invitations(world: World) -> None:
    ada, bob = await world.sign_up("Ada"), await world.sign_up("Bob")
    await world.verified(ada, ADA_AUTHOR)
    await world.verified(bob, BOB_AUTHOR)
    assert (await header(world, BOB_AUTHOR, ada.token))["viewerCanInvite"] is True
    await world.payload(SET_OPEN, {"open": False}, bob.token)
    assert (await header(world, BOB_AUTHOR, ada.token))["viewerCanInvite"] is False
    invite = {"input": {"recipientId": BOB_AUTHOR, "message": "Shall we?"}}
    refused = await world.payload(SEND_INVITATION, invite, ada.token)
    assert refused["invitation"] is None
    assert errors(refused) == [("FORBIDDEN", ["input", "recipientId"])]
    assert "not open to collaboration" in refused["userErrors"][0]["message"]
    # Bob opens again: Ada can invite him.
    await world.payload(SET_OPEN, {"open": True}, bob.token)
    assert (await header(world, BOB_AUTHOR, ada.token))["viewerCanInvite"] is True
    sent = await world.payload(SEND_INVITATION, invite, ada.token)
    assert sent["userErrors"] == [] and sent["invitation"]["recipient"]["id"] == BOB_AUTHOR


async def test_the_trust_history_is_the_claimants_alone(world: World) -> None:
    ada, fan = await world.sign_up("Ada"), await world.sign_up("Fan")
    # Nobody's to see before a claim.
    for token in (None, ada.token, fan.token):
        data = await world.run(TRUST_HISTORY, {"id": ADA_AUTHOR}, token)
        assert data["author"]["trustHistory"] is None
    claim_id = await world.claim(ada, ADA_AUTHOR)
    # The pending claimant sees it: the pending claim moved no point.
    data = await world.run(TRUST_HISTORY, {"id": ADA_AUTHOR}, ada.token)
    assert data["author"]["trustHistory"]["edges"] == []
    start = data["author"]["trust"]["score"]

    assert (await world.payload(FOLLOW, {"authorId": ADA_AUTHOR}, fan.token))["userErrors"] == []
    assert world.moderator is not None
    await world.payload(
        REVIEW_CLAIM, {"input": {"claimId": claim_id, "approve": True}}, world.moderator.token
    )
    data = await world.run(TRUST_HISTORY, {"id": ADA_AUTHOR, "first": 1}, ada.token)
    history = data["author"]["trustHistory"]
    assert history["totalCount"] == 2 and history["pageInfo"]["hasNextPage"] is True
    (newest,) = [e["node"] for e in history["edges"]]
    assert (newest["cause"], newest["oldScore"], newest["newScore"], newest["delta"]) == (
        "CLAIM_VERIFIED",
        start + 1,
        start + 21,
        20,
    )
    assert newest["newScore"] == data["author"]["trust"]["score"]
    assert newest["modelVersion"] == MODEL_VERSION
    after = history["pageInfo"]["endCursor"]
    data = await world.run(TRUST_HISTORY, {"id": ADA_AUTHOR, "after": after}, ada.token)
    (older,) = [e["node"] for e in data["author"]["trustHistory"]["edges"]]
    assert (older["cause"], older["oldScore"], older["newScore"]) == ("FOLLOWED", start, start + 1)
    assert older["at"] < newest["at"]
    # Anyone else: null, the follower and the moderator too.
    for token in (None, fan.token, world.moderator.token):
        data = await world.run(TRUST_HISTORY, {"id": ADA_AUTHOR}, token)
        assert data["author"]["trustHistory"] is None


async def test_the_claimant_sees_the_change_an_import_made(world: World) -> None:
    bob, fan = await world.sign_up("Bob"), await world.sign_up("Fan")
    await world.claim(bob, BOB_AUTHOR)  # pending: enough for imports to be recorded
    start = (await world.run(TRUST_HISTORY, {"id": BOB_AUTHOR}, bob.token))["author"]["trust"]
    # A new paper of Bob's with a new co-author arrives (an OpenAlex-like import).
    newcomer = AuthorRecord("author:newcomer", "newcomer", "New Comer")
    paper = PaperRecord("paper:new-one", "A New One", PaperKind.PREPRINT, year=2025)
    batch = ImportBatch(
        authors=(newcomer,),
        papers=(paper,),
        authorships=(
            AuthorshipRow(BOB_AUTHOR, paper.id, 1),
            AuthorshipRow(newcomer.id, paper.id, 2),
        ),
    )
    await world.store.import_batch(batch)
    await world.store.import_batch(batch)  # the same again moves nothing

    data = await world.run(TRUST_HISTORY, {"id": BOB_AUTHOR}, bob.token)
    history, now = data["author"]["trustHistory"], data["author"]["trust"]["score"]
    (change,) = [e["node"] for e in history["edges"]]
    assert (change["cause"], change["oldScore"], change["newScore"]) == (
        "IMPORT",
        start["score"],
        now,
    )
    assert change["delta"] == now - start["score"] > 0 and change["modelVersion"] == MODEL_VERSION
    # Still the claimant's alone.
    data = await world.run(TRUST_HISTORY, {"id": BOB_AUTHOR}, fan.token)
    assert data["author"]["trustHistory"] is None
