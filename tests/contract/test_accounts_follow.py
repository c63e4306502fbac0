"""Accounts (unique e-mail, case-insensitive) and follows (idempotent, concurrent)."""

from __future__ import annotations

import asyncio

import pytest

from graph_store.errors import Rule, RuleViolation
from graph_store.store import GraphStore
from tests.contract.conftest import AUTHOR_ORDER, BAO, DONG, LONELY, WEI, ZOE, at, make_user


async def test_create_user_and_lookup_by_email(store: GraphStore) -> None:
    user = make_user(1, email="Ada.Lovelace@Example.org")
    assert await store.create_user(user) == user
    assert await store.get_user_by_email("ada.lovelace@example.ORG") == user
    assert await store.get_user_by_email("nobody@example.org") is None
    assert (await store.get_users([user.id]))[user.id].email == "Ada.Lovelace@Example.org"


async def test_email_taken_case_insensitively_and_nothing_written(store: GraphStore) -> None:
    await store.create_user(make_user(1, email="Ada@Example.org"))
    with pytest.raises(RuleViolation) as err:
        await store.create_user(make_user(2, email="ada@EXAMPLE.org"))
    assert err.value.rule is Rule.EMAIL_TAKEN
    assert await store.get_users(["user:u2"]) == {}


async def test_concurrent_signups_with_one_email(store: GraphStore) -> None:
    results = await asyncio.gather(
        *(store.create_user(make_user(n, email="same@example.org")) for n in range(1, 7)),
        return_exceptions=True,
    )
    created = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(created) == 1
    assert all(isinstance(e, RuleViolation) and e.rule is Rule.EMAIL_TAKEN for e in errors)
    assert len(await store.get_users([f"user:u{n}" for n in range(1, 7)])) == 1


async def test_follow_is_idempotent(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    await graph.follow(user.id, BAO, at(1))
    await graph.follow(user.id, BAO, at(2))
    assert (await graph.author_stats([BAO]))[BAO].followers == 1
    assert await graph.followed_among(user.id, [BAO, DONG, "author:nobody"]) == {BAO}
    page = await graph.following_page(user.id, 10, None)
    assert [a.id for a in page.items] == [BAO] and page.total == 1


async def test_sixteen_concurrent_follows_leave_one(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    await asyncio.gather(*(graph.follow(user.id, WEI, at(n)) for n in range(16)))
    assert (await graph.author_stats([WEI]))[WEI].followers == 1
    assert (await graph.following_page(user.id, 10, None)).total == 1


async def test_follow_unknown_user_or_author_is_not_found(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    for user_id, author_id in ((user.id, "author:nobody"), ("user:nobody", BAO)):
        with pytest.raises(RuleViolation) as err:
            await graph.follow(user_id, author_id, at(1))
        assert err.value.rule is Rule.NOT_FOUND
    assert (await graph.author_stats([BAO]))[BAO].followers == 0
    assert await graph.followed_among(user.id, [BAO]) == set()


async def test_unfollow_is_idempotent(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    await graph.unfollow(user.id, BAO)  # never followed: no error
    await graph.follow(user.id, BAO, at(1))
    await graph.follow(user.id, DONG, at(2))
    await graph.unfollow(user.id, BAO)
    await graph.unfollow(user.id, BAO)
    assert await graph.followed_among(user.id, [BAO, DONG]) == {DONG}
    assert (await graph.author_stats([BAO, DONG]))[DONG].followers == 1
    assert (await graph.author_stats([BAO]))[BAO].followers == 0


async def test_following_page_in_author_order(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    other = await graph.create_user(make_user(2))
    for n, author in enumerate((ZOE, BAO, LONELY, WEI)):
        await graph.follow(user.id, author, at(n))
    await graph.follow(other.id, DONG, at(9))
    expected = [a for a in AUTHOR_ORDER if a in {ZOE, BAO, LONELY, WEI}]
    first = await graph.following_page(user.id, 3, None)
    assert [a.id for a in first.items] == expected[:3]
    assert first.has_next is True and first.total == 4
    second = await graph.following_page(user.id, 3, first.items[-1].sort_key)
    assert [a.id for a in second.items] == expected[3:]
    assert second.has_next is False and second.total == 4
    empty = await graph.following_page("user:nobody", 3, None)
    assert empty.items == () and empty.total == 0 and empty.has_next is False
