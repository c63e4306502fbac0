"""Sessions that can end, over HTTP on both stores: logOut and
changePassword revoke every token, a moderator's suspension stops a live
token at once, and new passwords follow NIST SP 800-63B (issue 9)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.accounts import create_user_command
from tests.api.social.helpers import (
    FOLLOW,
    LOG_IN,
    PASSWORD,
    SIGN_UP,
    VIEWER,
    World,
    errors,
)

LOG_OUT = "mutation LogOut { logOut { userErrors { field message code } } }"
CHANGE_PASSWORD = """
mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    token
    user { id email }
    userErrors { field message code }
  }
}"""
SUSPEND = """
mutation SuspendUser($input: SuspendUserInput!) {
  suspendUser(input: $input) {
    user { id displayName suspendedAt suspensionReason }
    userErrors { field message code }
  }
}"""
UNSUSPEND = """
mutation UnsuspendUser($userId: ID!) {
  unsuspendUser(userId: $userId) {
    user { id suspendedAt suspensionReason }
    userErrors { field message code }
  }
}"""
USER_SUSPENSION = """
query UserSuspension($id: ID!) {
  node(id: $id) { ... on User { suspendedAt suspensionReason } }
}"""
FOLLOWED = "author:hangbo-bao"


async def _viewer_id(world: World, token: str) -> str | None:
    viewer = (await world.run(VIEWER, token=token))["viewer"]
    return None if viewer is None else str(viewer["id"])


async def _log_in(world: World, email: str, password: str) -> dict[str, Any]:
    return await world.payload(LOG_IN, {"input": {"email": email, "password": password}})


async def _follow_errors(world: World, token: str) -> list[tuple[str, list[str] | None]]:
    return errors(await world.payload(FOLLOW, {"authorId": FOLLOWED}, token))


# --- passwords -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    # The three (accepted before), then common, repeated and personal ones.
    ["password", "12345678", " " * 8, "1234567890", "Password123", "z" * 16, "ada-2024-ada!"],
)
async def test_weak_passwords_are_refused_at_sign_up(world: World, password: str) -> None:
    p = await world.payload(
        SIGN_UP, {"input": {"email": "ada@example.org", "password": password, "displayName": "Ada"}}
    )
    assert (p["token"], p["user"]) == (None, None)
    assert errors(p) == [("INVALID_INPUT", ["input", "password"])]
    assert p["userErrors"][0]["message"].startswith(("The password", "This password"))
    # Nothing was written: a good password still gets the e-mail.
    ok = await world.payload(
        SIGN_UP, {"input": {"email": "ada@example.org", "password": PASSWORD, "displayName": "Ada"}}
    )
    assert ok["userErrors"] == []


async def test_the_command_line_refuses_weak_passwords(world: World) -> None:
    with pytest.raises(ValueError, match="password: This password is too common"):
        await create_user_command(world.store, "mod@example.org", "qwertyuiop", "Mod", True)
    assert await world.store.get_user_by_email("mod@example.org") is None


# --- logOut ----------------------------------------------------------------------------


async def test_log_out_revokes_every_token_of_the_user(world: World) -> None:
    ada, bob = await world.sign_up("Ada"), await world.sign_up("Bob")
    other_device = await _log_in(world, "ada@example.org", PASSWORD)
    assert await _viewer_id(world, str(other_device["token"])) == ada.user_id

    p = await world.payload(LOG_OUT, token=ada.token)
    assert p == {"userErrors": []}
    # Both of Ada's tokens are anonymous now; mutations answer UNAUTHENTICATED.
    for token in (ada.token, str(other_device["token"])):
        assert await _viewer_id(world, token) is None
        assert await _follow_errors(world, token) == [("UNAUTHENTICATED", None)]
    # Logging out again with the dead token, or with none, is UNAUTHENTICATED.
    again = await world.payload(LOG_OUT, token=ada.token)
    assert errors(again) == [("UNAUTHENTICATED", None)]
    assert errors(await world.payload(LOG_OUT)) == [("UNAUTHENTICATED", None)]
    # Bob's session is untouched, and Ada can sign in again.
    assert await _viewer_id(world, bob.token) == bob.user_id
    fresh = await _log_in(world, "ada@example.org", PASSWORD)
    assert await _viewer_id(world, str(fresh["token"])) == ada.user_id


# --- changePassword --------------------------------------------------------------------


async def test_change_password_revokes_old_tokens_and_signs_this_client_in(world: World) -> None:
    ada = await world.sign_up("Ada")
    other_device = str((await _log_in(world, "ada@example.org", PASSWORD))["token"])
    new_password = "a much better passphrase"

    wrong = await world.payload(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": "not the password", "newPassword": new_password}},
        ada.token,
    )
    assert (wrong["token"], wrong["user"]) == (None, None)
    assert errors(wrong) == [("INVALID_INPUT", ["input", "currentPassword"])]
    weak = await world.payload(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": PASSWORD, "newPassword": "iloveyou12"}},
        ada.token,
    )
    assert errors(weak) == [("INVALID_INPUT", ["input", "newPassword"])]
    # Neither wrote anything: the tokens still work.
    assert await _viewer_id(world, ada.token) == ada.user_id

    p = await world.payload(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": PASSWORD, "newPassword": new_password}},
        ada.token,
    )
    assert p["userErrors"] == []
    assert p["user"] == {"id": ada.user_id, "email": "ada@example.org"}
    # The new token works; every earlier one (this request's included) does not.
    assert await _viewer_id(world, p["token"]) == ada.user_id
    assert await _follow_errors(world, p["token"]) == []
    for token in (ada.token, other_device):
        assert await _viewer_id(world, token) is None
        assert await _follow_errors(world, token) == [("UNAUTHENTICATED", None)]
    # The old password no longer logs in; the new one does.
    old = await _log_in(world, "ada@example.org", PASSWORD)
    assert errors(old) == [("INVALID_INPUT", ["input"])]
    new = await _log_in(world, "ada@example.org", new_password)
    assert await _viewer_id(world, str(new["token"])) == ada.user_id

    anonymous = await world.payload(
        CHANGE_PASSWORD, {"input": {"currentPassword": PASSWORD, "newPassword": new_password}}
    )
    assert errors(anonymous) == [("UNAUTHENTICATED", None)]


# --- suspension ------------------------------------------------------------------------


async def test_a_suspension_stops_a_live_token_at_once(world: World) -> None:
    assert world.moderator is not None
    mod = world.moderator
    ada, bob = await world.sign_up("Ada"), await world.sign_up("Bob")
    assert await _follow_errors(world, ada.token) == []

    p = await world.payload(
        SUSPEND, {"input": {"userId": ada.user_id, "reason": " Spam claims "}}, mod.token
    )
    assert p["userErrors"] == []
    assert p["user"]["id"] == ada.user_id
    assert p["user"]["suspensionReason"] == "Spam claims"
    assert p["user"]["suspendedAt"] is not None
    # Ada's token is anonymous from the next request on.
    assert await _viewer_id(world, ada.token) is None
    assert await _follow_errors(world, ada.token) == [("UNAUTHENTICATED", None)]
    # logIn answers FORBIDDEN whatever the password: it tells nothing about it.
    right = await _log_in(world, "ada@example.org", PASSWORD)
    wrong = await _log_in(world, "ada@example.org", "not the password")
    assert right == wrong
    assert (right["token"], right["user"]) == (None, None)
    assert errors(right) == [("FORBIDDEN", None)]
    # Moderators see why; nobody else does.
    seen = (await world.run(USER_SUSPENSION, {"id": ada.user_id}, mod.token))["node"]
    assert seen["suspensionReason"] == "Spam claims" and seen["suspendedAt"]
    hidden = (await world.run(USER_SUSPENSION, {"id": ada.user_id}, bob.token))["node"]
    assert hidden == {"suspendedAt": None, "suspensionReason": None}

    twice = await world.payload(
        SUSPEND, {"input": {"userId": ada.user_id, "reason": "again"}}, mod.token
    )
    assert errors(twice) == [("CONFLICT", ["input", "userId"])]

    back = await world.payload(UNSUSPEND, {"userId": ada.user_id}, mod.token)
    assert back["userErrors"] == []
    assert back["user"] == {"id": ada.user_id, "suspendedAt": None, "suspensionReason": None}
    # The token the suspension revoked stays dead; logging in works again.
    assert await _viewer_id(world, ada.token) is None
    again = await _log_in(world, "ada@example.org", PASSWORD)
    assert await _viewer_id(world, str(again["token"])) == ada.user_id


async def test_only_moderators_suspend_and_never_themselves_or_a_moderator(
    world: World,
) -> None:
    assert world.moderator is not None
    mod = world.moderator
    ada, bob = await world.sign_up("Ada"), await world.sign_up("Bob")
    other = await create_user_command(
        world.store, "max@peergraph.example", "another moderator pass", "Max", True
    )

    def suspend(user_id: str, reason: str = "Abuse") -> dict[str, Any]:
        return {"input": {"userId": user_id, "reason": reason}}

    member = await world.payload(SUSPEND, suspend(bob.user_id), ada.token)
    assert errors(member) == [("FORBIDDEN", None)]
    assert errors(await world.payload(UNSUSPEND, {"userId": bob.user_id}, ada.token)) == [
        ("FORBIDDEN", None)
    ]
    assert errors(await world.payload(SUSPEND, suspend(bob.user_id))) == [("UNAUTHENTICATED", None)]
    itself = await world.payload(SUSPEND, suspend(mod.user_id), mod.token)
    assert errors(itself) == [("INVALID_INPUT", ["input", "userId"])]
    peer = await world.payload(SUSPEND, suspend(other.id), mod.token)
    assert errors(peer) == [("FORBIDDEN", ["input", "userId"])]
    for missing in ("user:nobody", "author:hangbo-bao", "junk"):
        p = await world.payload(SUSPEND, suspend(missing), mod.token)
        assert errors(p) == [("NOT_FOUND", ["input", "userId"])]
    no_reason = await world.payload(SUSPEND, suspend(bob.user_id, " \u200b "), mod.token)
    assert errors(no_reason) == [("INVALID_INPUT", ["input", "reason"])]
    # None of it wrote anything: every session still works.
    for session in (ada, bob, mod):
        assert await _viewer_id(world, session.token) == session.user_id
