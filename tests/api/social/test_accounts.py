"""Accounts over HTTP: sign up, log in, the viewer, and bad tokens."""

from __future__ import annotations

from datetime import timedelta

import jwt

from api.auth import issue_token
from graph_store.records import utcnow
from tests.api.social.helpers import (
    FOLLOW,
    LOG_IN,
    NODE,
    PASSWORD,
    SIGN_UP,
    VIEWER,
    World,
    errors,
)


async def test_sign_up_then_the_token_names_the_viewer(world: World) -> None:
    p = await world.payload(
        SIGN_UP,
        {"input": {"email": "Ada@Example.org", "password": PASSWORD, "displayName": " Ada "}},
    )
    assert p["userErrors"] == []
    assert p["user"]["email"] == "Ada@Example.org"
    assert p["user"]["displayName"] == "Ada"
    assert p["user"]["id"].startswith("user:")
    viewer = (await world.run(VIEWER, token=p["token"]))["viewer"]
    assert viewer["id"] == p["user"]["id"]
    assert viewer["email"] == "Ada@Example.org"
    assert viewer["claimedAuthor"] is None
    assert viewer["following"]["totalCount"] == 0
    assert viewer["claims"] == viewer["invitationsSent"] == viewer["invitationsReceived"] == []


async def test_anonymous_viewer_is_null(world: World) -> None:
    assert (await world.run(VIEWER))["viewer"] is None


async def test_log_in_ignores_e_mail_case_and_gives_a_working_token(world: World) -> None:
    ada = await world.sign_up("Ada")
    p = await world.payload(LOG_IN, {"input": {"email": " ADA@example.ORG ", "password": PASSWORD}})
    assert p["userErrors"] == []
    assert p["user"]["id"] == ada.user_id
    viewer = (await world.run(VIEWER, token=p["token"]))["viewer"]
    assert viewer["id"] == ada.user_id


async def test_wrong_password_and_unknown_e_mail_get_the_same_error(world: World) -> None:
    await world.sign_up("Ada")
    wrong = await world.payload(
        LOG_IN, {"input": {"email": "ada@example.org", "password": "not-the-password"}}
    )
    unknown = await world.payload(
        LOG_IN, {"input": {"email": "nobody@example.org", "password": PASSWORD}}
    )
    assert wrong == unknown
    assert wrong["token"] is None and wrong["user"] is None
    assert errors(wrong) == [("INVALID_INPUT", ["input"])]


async def test_e_mails_are_unique_ignoring_case(world: World) -> None:
    await world.sign_up("Ada")
    p = await world.payload(
        SIGN_UP,
        {"input": {"email": "ADA@EXAMPLE.ORG", "password": PASSWORD, "displayName": "Other"}},
    )
    assert p["token"] is None and p["user"] is None
    assert errors(p) == [("CONFLICT", ["input", "email"])]


async def test_sign_up_reports_every_bad_field(world: World) -> None:
    p = await world.payload(
        SIGN_UP, {"input": {"email": "not-an-email", "password": "short", "displayName": "  "}}
    )
    assert p["token"] is None and p["user"] is None
    assert errors(p) == [
        ("INVALID_INPUT", ["input", "email"]),
        ("INVALID_INPUT", ["input", "password"]),
        ("INVALID_INPUT", ["input", "displayName"]),
    ]
    long_name = await world.payload(
        SIGN_UP, {"input": {"email": "a@b.org", "password": PASSWORD, "displayName": "x" * 101}}
    )
    assert errors(long_name) == [("INVALID_INPUT", ["input", "displayName"])]
    # Nothing was written: the e-mail is still free.
    again = await world.payload(
        SIGN_UP, {"input": {"email": "a@b.org", "password": PASSWORD, "displayName": "A"}}
    )
    assert again["userErrors"] == []


async def test_bad_expired_or_forged_tokens_make_an_anonymous_request(world: World) -> None:
    ada = await world.sign_up("Ada")
    record = (await world.store.get_users([ada.user_id]))[ada.user_id]
    expired = issue_token(record, world.settings, now=utcnow() - timedelta(days=2))
    claims = {"sub": ada.user_id, "iat": utcnow(), "exp": utcnow() + timedelta(hours=1),
              "iss": "peergraph"}  # fmt: skip
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    unsigned = jwt.encode({"sub": ada.user_id, "iss": "peergraph"}, None, algorithm="none")
    for token in ("garbage", expired, forged, unsigned):
        assert (await world.run(VIEWER, token=token))["viewer"] is None
        p = await world.payload(FOLLOW, {"authorId": "author:hangbo-bao"}, token)
        assert p["author"] is None
        assert errors(p) == [("UNAUTHENTICATED", None)]
    # A non-Bearer scheme is ignored too.
    response = await world.gql.http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Basic {ada.token}"}
    )
    assert response.json()["data"]["viewer"] is None


async def test_other_users_see_a_name_but_not_the_private_parts(world: World) -> None:
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    query = """query($id: ID!) { node(id: $id) { ... on User {
        id displayName email claims { id } invitationsSent { id } invitationsReceived { id }
        following { totalCount } } } }"""
    seen_by_bob = (await world.run(query, {"id": ada.user_id}, bob.token))["node"]
    assert seen_by_bob["displayName"] == "Ada"
    assert seen_by_bob["email"] is None
    assert seen_by_bob["claims"] == seen_by_bob["invitationsSent"] == []
    assert seen_by_bob["invitationsReceived"] == []
    assert seen_by_bob["following"]["totalCount"] == 0
    seen_by_self = (await world.run(NODE, {"id": ada.user_id}, ada.token))["node"]
    assert seen_by_self["email"] == "ada@example.org"
    assert (await world.run(NODE, {"id": "user:doesnotexist"}))["node"] is None
