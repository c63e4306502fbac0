"""User.suggestedCollaborators: the owner of a verified claim sees people
their author has not written with, best first; nobody else sees anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.app import create_app
from tests.api.conftest import GraphQLClient, client_for
from tests.api.social.helpers import World
from tests.api.social.test_profile import SET_SUGGESTIBLE
from tests.api.test_batching import CountingStore

SUGGESTED = """
query Suggested($id: ID!, $first: Int) {
  node(id: $id) {
    ... on User {
      suggestedCollaborators(first: $first) {
        author { id }
        fit { score reasons { kind weight text via { id } } }
      }
    }
  }
}"""

ME = "author:guangrun-wang"
# Guangrun Wang's co-authors in the seed pages.
COAUTHORS = {"author:xiaodan-liang", "author:chenhe-dong", "author:hang-xu",
             "author:jiefeng-peng", "author:xiaozhe-ren"}  # fmt: skip


async def suggestions(w: World, user_id: str, token: str | None, first: int = 10) -> object:
    data = await w.run(SUGGESTED, {"id": user_id, "first": first}, token)
    return data["node"]["suggestedCollaborators"]


async def test_the_owner_sees_people_not_yet_written_with_best_first(world: World) -> None:
    me = await world.sign_up("Guangrun")
    assert await suggestions(world, me.user_id, me.token) is None  # no verified claim yet
    await world.verified(me, ME)
    rows = await suggestions(world, me.user_id, me.token)
    assert isinstance(rows, list) and rows
    ids = [r["author"]["id"] for r in rows]
    assert ME not in ids and not COAUTHORS & set(ids)
    scores = [r["fit"]["score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and min(scores) > 0
    for r in rows:
        assert r["fit"]["score"] == pytest.approx(
            sum(x["weight"] for x in r["fit"]["reasons"]), abs=1e-6
        )
    # The best ones share Chenhe Dong as a co-author, and the reason says so.
    best = rows[0]["fit"]["reasons"][0]
    assert best["kind"] == "COMMON_COAUTHOR" and best["via"] == [{"id": "author:chenhe-dong"}]
    # first cuts the list.
    assert len(await suggestions(world, me.user_id, me.token, first=2)) == 2  # type: ignore[arg-type]


async def test_nobody_else_sees_them(world: World) -> None:
    me = await world.sign_up("Guangrun")
    other = await world.sign_up("Stranger")
    await world.verified(me, ME)
    assert await suggestions(world, me.user_id, other.token) is None
    assert await suggestions(world, me.user_id, None) is None
    assert world.moderator is not None
    assert await suggestions(world, me.user_id, world.moderator.token) is None
    viewer = await world.run("{ viewer { suggestedCollaborators { author { id } } } }", None,
                             me.token)  # fmt: skip
    assert viewer["viewer"]["suggestedCollaborators"]


async def test_a_suggestion_list_is_a_few_store_calls(world: World, tmp_path: Path) -> None:
    me = await world.sign_up("Guangrun")
    await world.verified(me, ME)
    counting = CountingStore(world.store)
    app = create_app(world.settings, counting)  # type: ignore[arg-type]
    async with client_for(app) as http:
        data = await GraphQLClient(http).data(SUGGESTED, {"id": me.user_id, "first": 10},
                                              me.token)  # fmt: skip
        assert data["node"]["suggestedCollaborators"]
        # Each a batch; none is read per candidate, per reason or per node.
        first = {k: v for k, v in counting.calls.items() if k not in {"get_users"}}
        counting.calls.clear()
        again = await GraphQLClient(http).data(SUGGESTED, {"id": me.user_id, "first": 10},
                                               me.token)  # fmt: skip
    assert again == data
    # The same graph: profiles, weights and paper counts are kept (fit_cache).
    kept = {"collaboration_profiles", "coauthor_weights", "work_counts"}
    assert kept.isdisjoint(counting.calls) and counting.calls["profile_generation"] == 1
    assert first == {
        "profile_generation": 1,  # which profiles kept in this process still hold
        "verified_authors_of_users": 1,
        # The author's, then the candidates'; the bridges' co-author lists alone.
        "collaboration_profiles": 2,
        # The bridges' co-author lists; the author's side of two-hop paths is
        # among them here, so its lists come from the cache.
        "coauthor_weights": 1,
        "work_counts": 2,  # which co-authors are bridges; the weights of the reasons
        "paper_pages_of_topics": 1,  # the top topics' newest papers (few co-authors)
        "authors_of_papers": 1,
        "coauthored": 1,  # which candidates the author wrote with in a big team
        "get_authors": 2,  # the candidates kept, then the co-authors named in via
        "get_topics": 1,
    }, first


async def test_an_author_who_opted_out_is_never_suggested(world: World) -> None:
    me = await world.sign_up("Guangrun")
    other = await world.sign_up("Minghui")
    await world.verified(me, ME)
    await world.verified(other, "author:minghui-qiu")

    async def suggested() -> list[str]:
        rows = await suggestions(world, me.user_id, me.token, first=20)
        assert isinstance(rows, list)
        return [r["author"]["id"] for r in rows]

    assert "author:minghui-qiu" in await suggested()
    p = await world.payload(SET_SUGGESTIBLE, {"suggestible": False}, other.token)
    assert p["userErrors"] == []
    assert "author:minghui-qiu" not in await suggested()
