"""Corrections ("Fix data") over HTTP: suggest, review, and the record changes."""

from __future__ import annotations

from typing import Any

from graph_store.records import CorrectionStatus
from tests.api.social.helpers import (
    NODE,
    REVIEW_CORRECTION,
    SUGGEST,
    Session,
    World,
    errors,
)

PAPERS = """query { papers(first: 1, filter: {titleContains: "THE-X"}) {
  edges { node { id title year venue codeUrl } } } }"""
PAPER = "query($id: ID!) { paper(id: $id) { id title year venue abstract codeUrl } }"


async def _a_paper(world: World) -> dict[str, Any]:
    edges = (await world.run(PAPERS))["papers"]["edges"]
    assert edges, "the seed has THE-X"
    paper: dict[str, Any] = edges[0]["node"]
    return paper


async def _suggest(
    world: World, who: Session | None, target: str, field: str, value: str, reason: str = "typo"
) -> dict[str, Any]:
    return await world.payload(
        SUGGEST,
        {"input": {"targetId": target, "field": field, "proposedValue": value, "reason": reason}},
        who.token if who else None,
    )


async def test_suggest_and_apply_a_paper_fix(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    paper = await _a_paper(world)
    p = await _suggest(world, ada, paper["id"], "title", "  THE-X: Privacy-Preserving  ")
    assert p["userErrors"] == []
    corr = p["correction"]
    assert (corr["status"], corr["field"], corr["proposedValue"]) == (
        "OPEN", "title", "THE-X: Privacy-Preserving"
    )  # fmt: skip
    assert corr["target"]["id"] == paper["id"]
    assert corr["target"]["title"] == paper["title"]  # unchanged until applied

    member = await world.payload(
        REVIEW_CORRECTION, {"input": {"correctionId": corr["id"], "apply": True}}, ada.token
    )
    assert member["correction"] is None
    assert errors(member) == [("FORBIDDEN", None)]
    assert (await world.run(PAPER, {"id": paper["id"]}))["paper"]["title"] == paper["title"]

    applied = await world.payload(
        REVIEW_CORRECTION,
        {"input": {"correctionId": corr["id"], "apply": True, "note": "checked"}},
        world.moderator.token,
    )
    assert applied["userErrors"] == []
    assert applied["correction"]["status"] == "APPLIED"
    assert applied["correction"]["target"]["title"] == "THE-X: Privacy-Preserving"
    assert (await world.run(PAPER, {"id": paper["id"]}))["paper"]["title"] == (
        "THE-X: Privacy-Preserving"
    )
    twice = await world.payload(
        REVIEW_CORRECTION, {"input": {"correctionId": corr["id"], "apply": False}},
        world.moderator.token,
    )  # fmt: skip
    assert errors(twice) == [("CONFLICT", ["input", "correctionId"])]


async def test_typed_fields_and_clearing(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    paper = await _a_paper(world)
    for field, value, expected in (
        ("year", "2021", 2021),
        ("codeUrl", "https://github.com/example/the-x", "https://github.com/example/the-x"),
        ("venue", "", None),
    ):
        corr = (await _suggest(world, ada, paper["id"], field, value))["correction"]
        applied = await world.payload(
            REVIEW_CORRECTION, {"input": {"correctionId": corr["id"], "apply": True}},
            world.moderator.token,
        )  # fmt: skip
        assert applied["userErrors"] == [], applied
        assert (await world.run(PAPER, {"id": paper["id"]}))["paper"][field] == expected


async def test_an_author_rename_shows_everywhere(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    corr = (await _suggest(world, ada, "author:zhibin-xiao", "name", "Zhibin X. Xiao"))[
        "correction"
    ]
    assert corr["target"] == {"id": "author:zhibin-xiao", "name": "Zhibin Xiao"}
    applied = await world.payload(
        REVIEW_CORRECTION, {"input": {"correctionId": corr["id"], "apply": True}},
        world.moderator.token,
    )  # fmt: skip
    assert applied["correction"]["target"]["name"] == "Zhibin X. Xiao"
    assert (await world.author("author:zhibin-xiao"))["name"] == "Zhibin X. Xiao"
    found = await world.run(
        'query { authors(filter: {nameContains: "x. xiao"}) { edges { node { id } } } }'
    )
    assert [e["node"]["id"] for e in found["authors"]["edges"]] == ["author:zhibin-xiao"]


async def test_rejecting_changes_nothing(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    corr = (await _suggest(world, ada, "author:zhibin-xiao", "name", "Someone Else"))["correction"]
    rejected = await world.payload(
        REVIEW_CORRECTION, {"input": {"correctionId": corr["id"], "apply": False}},
        world.moderator.token,
    )  # fmt: skip
    assert rejected["correction"]["status"] == "REJECTED"
    assert (await world.author("author:zhibin-xiao"))["name"] == "Zhibin Xiao"


async def test_bad_suggestions(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    paper = await _a_paper(world)
    author = "author:zhibin-xiao"
    cases: list[tuple[str, str, str, str, list[tuple[str, list[str] | None]]]] = [
        (author, "title", "x", "r", [("INVALID_INPUT", ["input", "field"])]),
        (author, "slug", "x", "r", [("INVALID_INPUT", ["input", "field"])]),
        (paper["id"], "name", "x", "r", [("INVALID_INPUT", ["input", "field"])]),
        (author, "name", "  ", "r", [("INVALID_INPUT", ["input", "proposedValue"])]),
        (paper["id"], "year", "last year", "r", [("INVALID_INPUT", ["input", "proposedValue"])]),
        (paper["id"], "codeUrl", "javascript:alert(1)", "r",
         [("INVALID_INPUT", ["input", "proposedValue"])]),
        (paper["id"], "title", "ok", " ", [("INVALID_INPUT", ["input", "reason"])]),
        (paper["id"], "title", "ok", "r" * 2001, [("INVALID_INPUT", ["input", "reason"])]),
        ("paper:nope", "title", "ok", "r", [("NOT_FOUND", ["input", "targetId"])]),
        ("topic:pruning", "name", "ok", "r", [("NOT_FOUND", ["input", "targetId"])]),
        ("bogus", "name", "ok", "r", [("NOT_FOUND", ["input", "targetId"])]),
    ]  # fmt: skip
    for target, field, value, reason, expected in cases:
        p = await _suggest(world, ada, target, field, value, reason)
        assert p["correction"] is None
        assert errors(p) == expected, (target, field, value)
    anon = await _suggest(world, None, author, "name", "x")
    assert errors(anon) == [("UNAUTHENTICATED", None)]
    for bad in ("corr:nope", "author:zhibin-xiao", "x"):
        r = await world.payload(
            REVIEW_CORRECTION, {"input": {"correctionId": bad, "apply": True}},
            world.moderator.token,
        )  # fmt: skip
        assert errors(r) == [("NOT_FOUND", ["input", "correctionId"])]
    queue = await world.store.corrections_by_status(CorrectionStatus.OPEN, 10, None)
    assert queue.total == 0  # nothing written


async def test_a_correction_is_seen_by_its_author_and_moderators(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    bob = await world.sign_up("Bob")
    corr = (await _suggest(world, ada, "author:zhibin-xiao", "name", "Z. Xiao"))["correction"]
    assert (await world.run(NODE, {"id": corr["id"]}, ada.token))["node"]["correctionStatus"] == (
        "OPEN"
    )
    assert (await world.run(NODE, {"id": corr["id"]}, world.moderator.token))["node"] is not None
    assert (await world.run(NODE, {"id": corr["id"]}, bob.token))["node"] is None
    assert (await world.run(NODE, {"id": corr["id"]}))["node"] is None
