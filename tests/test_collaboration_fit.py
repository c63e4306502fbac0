"""The collaboration fit as a plain function: each reason, its via nodes, and
the weights adding up to the score."""

from __future__ import annotations

import math
import random

import pytest

from bench.linkpred import TrainGraph, Work
from domain import collaboration_fit as F
from graph_store import coauthors
from graph_store.records import AuthorRecord, CollaborationProfileRecord


def profile(
    coauthors: dict[str, int] | None = None,
    topics: dict[str, int] | None = None,
    venues: dict[str, int] | None = None,
) -> CollaborationProfileRecord:
    return CollaborationProfileRecord(coauthors or {}, topics or {}, venues or {})


def by_kind(fit: F.Fit) -> dict[F.FitKind, F.FitReason]:
    return {r.kind: r for r in fit.reasons}


def test_common_coauthors_weigh_more_when_they_wrote_less() -> None:
    a = profile({"author:c": 2, "author:hub": 1, "author:x": 1})
    b = profile({"author:c": 1, "author:hub": 3})
    fit = F.fit("author:a", a, "author:b", b, {"author:c": 2, "author:hub": 2000}, {})
    (reason,) = fit.reasons
    assert reason.kind is F.FitKind.COMMON_COAUTHOR and reason.count == 2
    assert reason.via == ("author:c", "author:hub")  # the one of fewer papers first
    # Each weighed by its ties to both: sqrt(2 · 1) and sqrt(1 · 3) shared papers.
    expected = math.sqrt(2) / math.log(3) + math.sqrt(3) / math.log(2001)
    assert reason.weight == pytest.approx(expected, abs=1e-6)
    assert fit.score == reason.weight


def test_a_two_hop_path_joins_close_coauthors_who_are_close_coauthors() -> None:
    a = profile({"author:c": 5})
    b = profile({"author:d": 4})
    # c's close co-authors (papers of at most TEAM_LIMIT authors) include d.
    links = {"author:c": {"author:d": 1, "author:e": 2}}
    works = {"author:c": 2, "author:d": 3}
    assert F.path_ends("author:a", a, "author:b", b) == (["author:c"], ["author:d"])
    fit = F.fit("author:a", a, "author:b", b, works, links)
    (reason,) = fit.reasons
    assert reason.kind is F.FitKind.TWO_HOP_PATH
    assert reason.via == ("author:c", "author:d") and reason.count == 1
    assert reason.weight == pytest.approx(0.5 / math.log(3) / math.log(4), abs=1e-6)
    # Not close co-authors (a consortium paper alone is no tie): no path.
    links = {"author:c": {"author:e": 2}}
    assert F.fit("author:a", a, "author:b", b, works, links).reasons == ()


def test_shared_topics_and_venues_weigh_the_smaller_share() -> None:
    a = profile(topics={"topic:nlp": 3, "topic:vision": 1}, venues={"ACL": 2, "CVPR": 2})
    b = profile(topics={"topic:nlp": 1, "topic:graphs": 1}, venues={"ACL": 1})
    fit = F.fit("author:a", a, "author:b", b, {}, {})
    reasons = by_kind(fit)
    assert set(reasons) == {F.FitKind.SHARED_TOPIC, F.FitKind.COMPLEMENTARY_VENUE}
    topic, venue = reasons[F.FitKind.SHARED_TOPIC], reasons[F.FitKind.COMPLEMENTARY_VENUE]
    assert topic.via == ("topic:nlp",) and topic.weight == pytest.approx(0.3 * 0.5)
    assert venue.via == (F.venue_id("ACL"),) and venue.weight == pytest.approx(0.3 * 0.5)
    assert [r.weight for r in fit.reasons] == sorted((r.weight for r in fit.reasons), reverse=True)


def test_nothing_in_common_is_a_zero_score_without_reasons() -> None:
    fit = F.fit("author:a", profile({"author:x": 1}), "author:b", profile({"author:y": 1}), {}, {})
    assert fit.score == 0 and fit.reasons == ()


def test_weights_add_up_to_the_score_over_many_random_pairs() -> None:
    rng = random.Random(7)
    people = [f"author:{i}" for i in range(30)]
    for _ in range(300):
        a = profile(
            {p: rng.randint(1, 5) for p in rng.sample(people, rng.randint(0, 12))},
            {f"topic:{t}": rng.randint(1, 4) for t in rng.sample(range(8), rng.randint(0, 5))},
            {f"V{v}": rng.randint(1, 4) for v in rng.sample(range(6), rng.randint(0, 4))},
        )
        b = profile(
            {p: rng.randint(1, 5) for p in rng.sample(people, rng.randint(0, 12))},
            {f"topic:{t}": rng.randint(1, 4) for t in rng.sample(range(8), rng.randint(0, 5))},
            {f"V{v}": rng.randint(1, 4) for v in rng.sample(range(6), rng.randint(0, 4))},
        )
        works = {p: rng.randint(1, 500) for p in people}
        links: dict[str, dict[str, int]] = {p: {} for p in people}
        for _ in range(60):
            c, d = rng.sample(people, 2)
            links[c][d] = links[d][c] = rng.randint(1, 3)
        fit = F.fit("author:a", a, "author:b", b, works, links)
        assert fit.score == pytest.approx(sum(r.weight for r in fit.reasons), abs=1e-6)
        assert all(r.weight > 0 and r.via and len(r.via) <= F.VIA_LIMIT for r in fit.reasons)
        assert len({r.kind for r in fit.reasons}) == len(fit.reasons)
        # Symmetric: the fit of b and a is the same score.
        assert F.fit("author:b", b, "author:a", a, works, links).score == pytest.approx(
            fit.score, abs=1e-5
        )


def test_venue_ids_keep_the_exact_name() -> None:
    name = "Findings of the ACL: EMNLP 2021 / 50% off"
    assert F.venue_id(name).startswith("venue:") and F.venue_name(F.venue_id(name)) == name
    assert F.venue_name("topic:x") is None and F.venue_name("venue:") is None


def test_candidates_are_never_the_author_or_a_coauthor_and_rank_by_links() -> None:
    me = profile({"author:friend": 3, "author:pal": 1})
    pool = F.rank_candidates(
        "author:me",
        me,
        [("author:friend", ["author:me", "author:pal", "author:x", "author:x", "author:z"]),
         ("author:pal", ["author:friend", "author:z"])],
        ["author:y", "author:x", "author:y"],
        10,
    )  # fmt: skip
    # z: two co-authors lead there; x: one (counted once), and a topic; y: topics only.
    assert pool == ["author:z", "author:x", "author:y"]
    assert F.rank_candidates("author:me", me, [], ["author:y", "author:x"], 1) == ["author:x"]


async def test_a_suggestion_is_never_someone_written_with_in_a_big_team() -> None:
    # me wrote with friend in a small team and with x in a team too big to be
    # close; friend wrote with x and y. Only y may be suggested.
    team = [f"author:t{i:02d}" for i in range(coauthors.TEAM_LIMIT - 1)]
    works = [
        Work("paper:1", 2010, "One", "V", ("topic:nlp",), ("author:me", "author:friend")),
        Work("paper:2", 2011, "Two", "V", ("topic:nlp",), ("author:friend", "author:x")),
        Work("paper:3", 2012, "Three", "V", ("topic:nlp",), ("author:friend", "author:y")),
        Work("paper:4", 2013, "Big", "V", ("topic:nlp",), ("author:me", "author:x", *team)),
    ]
    graph = TrainGraph(works)
    assert graph.profile("author:me").coauthors == {"author:friend": 1}  # x is not close
    assert await graph.coauthored("author:me", ["author:x", "author:y"]) == {"author:x"}
    suggested = [x.id for x, _ in await F.suggest(graph, "author:me", 10)]
    assert "author:y" in suggested
    assert not {"author:me", "author:friend", "author:x", *team} & set(suggested)


def test_an_author_who_opted_out_is_not_suggestible() -> None:
    assert F.suggestible(AuthorRecord("author:a", "a", "A"))
    assert not F.suggestible(AuthorRecord("author:q", "q", "Q", suggestible=False))


def test_explanations_name_what_they_rest_on() -> None:
    names = {"author:c": "Ana Li", "author:d": "Ben Kim", "topic:nlp": "NLP"}
    common = F.FitReason(F.FitKind.COMMON_COAUTHOR, 1.0, ("author:c",), 1)
    assert F.explain(common, names.__getitem__) == "1 co-author in common: Ana Li"
    many = F.FitReason(F.FitKind.COMMON_COAUTHOR, 1.0, ("author:c", "author:d"), 12)
    assert (
        F.explain(many, names.__getitem__) == "12 co-authors in common: Ana Li, Ben Kim and 10 more"
    )
    path = F.FitReason(F.FitKind.TWO_HOP_PATH, 0.1, ("author:c", "author:d"), 1)
    assert "Ana Li with Ben Kim" in F.explain(path, names.__getitem__)
    topic = F.FitReason(F.FitKind.SHARED_TOPIC, 0.1, ("topic:nlp",), 1)
    assert F.explain(topic, names.__getitem__) == "Both write on NLP"


def test_only_the_strongest_common_coauthors_count_but_all_are_told() -> None:
    many = {f"author:c{i:02d}": 1 + (i % 3) for i in range(40)}
    fit = F.fit("author:a", profile(many), "author:b", profile(dict(many)), {}, {})
    (reason,) = fit.reasons
    assert reason.count == 40 and len(reason.via) == F.VIA_LIMIT
    counted = F.common_coauthors("author:a", profile(many), "author:b", profile(dict(many)))
    assert len(counted) == F.COMMON_LIMIT and all(many[c] == 3 for c in counted[:13])
    # The 13 of 3 shared papers with each side and 12 of the 2 (works unknown: 1).
    assert reason.weight == pytest.approx((13 * 3 + 12 * 2) / math.log(2), abs=1e-5)
