"""Token versions and suspensions: each change is one transaction on the
stored user, read back whole by ``get_users`` (what every request's
sign-in reads)."""

from __future__ import annotations

import asyncio

import pytest

from graph_store.errors import Rule, RuleViolation
from graph_store.records import Role, UserRecord
from graph_store.store import GraphStore
from tests.contract.conftest import at, make_user


async def _stored(store: GraphStore, user_id: str) -> UserRecord:
    return (await store.get_users([user_id]))[user_id]


async def _rule(call: object) -> Rule:
    with pytest.raises(RuleViolation) as err:
        await call  # type: ignore[misc]
    return err.value.rule


async def test_a_new_user_has_version_0_and_no_suspension(store: GraphStore) -> None:
    user = await store.create_user(make_user(1))
    stored = await _stored(store, user.id)
    assert (stored.token_version, stored.suspended_at, stored.suspended) == (0, None, False)
    assert stored == user


async def test_revoking_bumps_the_version_once_per_call(store: GraphStore) -> None:
    user = await store.create_user(make_user(1))
    assert (await store.revoke_sessions(user.id)).token_version == 1
    # Concurrent log-outs each count: none is lost.
    await asyncio.gather(*(store.revoke_sessions(user.id) for _ in range(5)))
    stored = await _stored(store, user.id)
    assert stored.token_version == 6
    assert (stored.email, stored.password_hash, stored.role) == (
        user.email,
        user.password_hash,
        user.role,
    )
    assert await _rule(store.revoke_sessions("user:nobody")) is Rule.NOT_FOUND


async def test_change_password_is_a_compare_and_set(store: GraphStore) -> None:
    user = await store.create_user(make_user(1))
    changed = await store.change_password(user.id, user.password_hash, "hash-new")
    assert (changed.password_hash, changed.token_version) == ("hash-new", 1)
    assert await _stored(store, user.id) == changed
    # The same request retried (its commit acknowledgement lost): answered, not bumped again.
    assert await store.change_password(user.id, user.password_hash, "hash-new") == changed
    # Checked against a hash that is no longer stored: refused, nothing written.
    rule = await _rule(store.change_password(user.id, user.password_hash, "hash-other"))
    assert rule is Rule.PASSWORD_CHANGED
    assert await _stored(store, user.id) == changed
    assert await _rule(store.change_password("user:nobody", "h", "h2")) is Rule.NOT_FOUND


async def test_two_concurrent_changes_from_one_password_one_wins(store: GraphStore) -> None:
    user = await store.create_user(make_user(1))
    results = await asyncio.gather(
        *(store.change_password(user.id, user.password_hash, f"hash-{n}") for n in range(4)),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, UserRecord)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 3
    assert all(isinstance(e, RuleViolation) and e.rule is Rule.PASSWORD_CHANGED for e in lost)
    assert await _stored(store, user.id) == won[0]


async def test_suspension_and_reinstatement(store: GraphStore) -> None:
    member = await store.create_user(make_user(1))
    mod = await store.create_user(make_user(2, Role.MODERATOR))
    other_mod = await store.create_user(make_user(3, Role.MODERATOR))

    suspended = await store.suspend_user(member.id, mod.id, "Spam claims", at(10))
    assert suspended.suspended and suspended.suspended_at == at(10)
    assert (suspended.suspended_by, suspended.suspension_reason) == (mod.id, "Spam claims")
    assert suspended.token_version == member.token_version + 1
    assert await _stored(store, member.id) == suspended
    # The same request retried is answered; another suspension is a CONFLICT rule.
    assert await store.suspend_user(member.id, mod.id, "Spam claims", at(10)) == suspended
    again = store.suspend_user(member.id, other_mod.id, "Again", at(11))
    assert await _rule(again) is Rule.ALREADY_SUSPENDED

    assert await _rule(store.suspend_user(mod.id, mod.id, "x", at(12))) is Rule.SELF_SUSPENSION
    moderator = store.suspend_user(other_mod.id, mod.id, "x", at(12))
    assert await _rule(moderator) is Rule.TARGET_IS_MODERATOR
    nobody = store.suspend_user("user:nobody", mod.id, "x", at(12))
    assert await _rule(nobody) is Rule.NOT_FOUND
    assert not (await _stored(store, other_mod.id)).suspended

    reinstated = await store.unsuspend_user(member.id)
    assert not reinstated.suspended
    assert (reinstated.suspended_by, reinstated.suspension_reason) == (None, None)
    # Tokens revoked by the suspension stay revoked.
    assert reinstated.token_version == suspended.token_version
    assert await _stored(store, member.id) == reinstated
    assert await store.unsuspend_user(member.id) == reinstated  # nothing to lift
    assert await _rule(store.unsuspend_user("user:nobody")) is Rule.NOT_FOUND
