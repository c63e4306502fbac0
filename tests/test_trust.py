"""The trust model reproduces the four profile pages and responds to events."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.trust import (
    PUBLIC_RECORD_POINTS,
    Action,
    Tier,
    Verification,
    compute,
    next_steps,
    points_to_next_tier,
    tier_for,
    work_points,
)
from graph_store.records import AuthorRecord, AuthorStatsRecord, ClaimStatus, ImportedFigures


def _owner(works: int, topics: int, score: int, tier: str) -> AuthorRecord:
    figures = ImportedFigures(works, 0, topics, 4, score, tier, "L1", "page.txt")
    return AuthorRecord("author:x", "x", "X", imported=figures)


@pytest.mark.parametrize(
    ("works", "graph_collaborators", "printed_topics", "score", "tier"),
    [
        (3, 1, 5, 15, Tier.UNVERIFIED),  # Binxing Jiao (THE-X gives one co-author in the graph)
        (2, 0, 4, 13, Tier.UNVERIFIED),  # Zhibin Xiao
        (7, 1, 4, 21, Tier.EMERGING),  # Hangbo Bao
        (2, 0, 2, 13, Tier.UNVERIFIED),  # Qingru Zhang
    ],
)
def test_profile_pages_are_reproduced(
    works: int, graph_collaborators: int, printed_topics: int, score: int, tier: Tier
) -> None:
    author = _owner(works, printed_topics, score, tier.value)
    snapshot = compute(author, AuthorStatsRecord(works, 0, 3, graph_collaborators))
    assert (snapshot.score, snapshot.tier, snapshot.verification) == (score, tier, Verification.L1)
    assert sum(c.points for c in snapshot.components) == snapshot.score


def test_components_explain_and_respond_to_events() -> None:
    author = _owner(2, 4, 13, "UNVERIFIED")
    base = compute(author, AuthorStatsRecord(2, 0, 4, 0))
    followed = compute(author, AuthorStatsRecord(2, 1, 4, 0))
    more_work = compute(author, AuthorStatsRecord(3, 0, 4, 0))
    more_collab = compute(author, AuthorStatsRecord(2, 0, 4, 6))
    pending = compute(
        AuthorRecord("author:x", "x", "X", ClaimStatus.PENDING, imported=author.imported),
        AuthorStatsRecord(2, 0, 4, 0),
    )
    verified = compute(
        AuthorRecord("author:x", "x", "X", ClaimStatus.CLAIMED, imported=author.imported),
        AuthorStatsRecord(2, 0, 4, 0),
    )
    assert followed.score == base.score + 1
    assert more_work.score == base.score + 2
    assert more_collab.score == base.score + 2  # 6 graph co-authors beat the printed 4
    assert (pending.score, pending.verification) == (13, Verification.L2)
    assert (verified.score, verified.verification, verified.tier) == (
        33,
        Verification.L3,
        Tier.EMERGING,
    )
    claim = next(c for c in verified.components if c.name == "Verified claim")
    assert claim.explanation == "Verified claim: +20"
    assert (
        "next adds +2"
        in next(c for c in base.components if c.name == "Published works").explanation
    )


def test_tiers_and_caps() -> None:
    assert [tier_for(s) for s in (0, 19, 20, 39, 40, 69, 70, 100)] == [
        Tier.UNVERIFIED, Tier.UNVERIFIED, Tier.EMERGING, Tier.EMERGING,
        Tier.ESTABLISHED, Tier.ESTABLISHED, Tier.TRUSTED, Tier.TRUSTED,
    ]  # fmt: skip
    assert [work_points(n) for n in (0, 1, 2, 3, 5, 7, 30, 500)] == [0, 3, 6, 8, 12, 14, 37, 37]
    huge = AuthorRecord("author:x", "x", "X", ClaimStatus.CLAIMED)
    snapshot = compute(huge, AuthorStatsRecord(500, 500, 50, 500))
    assert snapshot.score == 3 + 37 + 20 + 10 + 20 == 90
    assert snapshot.tier is Tier.TRUSTED


# --- next steps (issue 10) ---------------------------------------------------------

claim_statuses = st.sampled_from(list(ClaimStatus))
figures = st.none() | st.builds(
    lambda works, followers, collaborators: ImportedFigures(
        works, followers, 0, collaborators, 0, "UNVERIFIED", "L1", "page.txt"
    ),
    st.integers(0, 60),
    st.integers(0, 30),
    st.integers(0, 40),
)
stats_records = st.builds(
    AuthorStatsRecord, st.integers(0, 60), st.integers(0, 30), st.integers(0, 5),
    st.integers(0, 40),
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(claim_statuses, figures, stats_records)
def test_every_step_is_the_model_run_on_the_changed_record(
    status: ClaimStatus, printed: ImportedFigures | None, stats: AuthorStatsRecord
) -> None:
    author = AuthorRecord("author:x", "x", "X", claim_status=status, imported=printed)
    now = compute(author, stats)
    steps = next_steps(author, stats)
    assert [s.delta for s in steps] == sorted((s.delta for s in steps), reverse=True)
    for step in steps:
        assert step.new_score - now.score == step.delta >= 0
        assert step.new_tier == tier_for(step.new_score)
        assert (step.delta == 0) == ("cap is reached" in step.why), step
    actions = {s.action for s in steps}
    assert (Action.VERIFY_CLAIM in actions) == (status is not ClaimStatus.CLAIMED)
    assert {Action.ADD_WORK, Action.NEW_COLLABORATOR, Action.NEW_FOLLOWER} <= actions
    # Followers and co-authors are described, never asked for.
    for step in steps:
        assert not re.search(r"\b(get|gain|earn|ask|invite|more followers)\b", step.why, re.I)
    gap = points_to_next_tier(now.score)
    assert (gap is None) == (now.tier is Tier.TRUSTED)
    if gap is not None:
        assert tier_for(now.score + gap) != now.tier and tier_for(now.score + gap - 1) == now.tier


def _scored(score: int) -> tuple[AuthorRecord, AuthorStatsRecord]:
    """A pending claimant's record scoring ``score``: 3 for the record, two or
    three works, then collaborators (up to 20) and followers make up the rest."""
    author = AuthorRecord("author:x", "x", "X", claim_status=ClaimStatus.PENDING)
    works = 2 if score < 40 else 3
    collaborators = score - PUBLIC_RECORD_POINTS - work_points(works)
    followers = max(0, collaborators - 20)
    stats = AuthorStatsRecord(works, followers, 1, min(collaborators, 20))
    assert compute(author, stats).score == score
    return author, stats


@pytest.mark.parametrize(
    ("score", "gap", "crossing"),
    [
        (19, 1, Tier.EMERGING),
        (20, 20, Tier.EMERGING),
        (39, 1, Tier.ESTABLISHED),
        (40, 30, Tier.ESTABLISHED),
    ],
)
def test_tier_boundaries(score: int, gap: int, crossing: Tier) -> None:
    author, stats = _scored(score)
    assert points_to_next_tier(score) == gap
    by_action = {s.action: s for s in next_steps(author, stats)}
    # One more work (+2: the second band) moves 19 to 21, 39 to 41 and 40 to 42.
    work = by_action[Action.ADD_WORK]
    assert (work.delta, work.new_score) == (2, score + 2)
    assert work.new_tier == crossing
    verify = by_action[Action.VERIFY_CLAIM]
    assert (verify.delta, verify.new_score) == (20, score + 20)
    assert verify.why == "When a moderator verifies your pending claim: +20."


def test_the_top_boundary_and_caps() -> None:
    # 69: a verified claim (20), 3, works 2+3 bands (12), 20 collaborators, 10 followers = 65,
    # plus 4 more works at 1 each = 69; the next work crosses 70.
    author = AuthorRecord("author:x", "x", "X", claim_status=ClaimStatus.CLAIMED)
    stats = AuthorStatsRecord(9, 10, 1, 20)
    assert compute(author, stats).score == 69 and points_to_next_tier(69) == 1
    steps = next_steps(author, stats)
    assert [s.action for s in steps] == [
        Action.ADD_WORK, Action.NEW_COLLABORATOR, Action.NEW_FOLLOWER,
    ]  # fmt: skip
    work, collaborator, follower = steps
    assert (work.delta, work.new_score, work.new_tier) == (1, 70, Tier.TRUSTED)
    assert collaborator.delta == follower.delta == 0
    assert "cap is reached" in collaborator.why and "cap is reached" in follower.why
    assert points_to_next_tier(70) is None
    done = AuthorStatsRecord(30, 10, 1, 20)
    assert next_steps(author, done)[0].delta == 0  # works capped too: every step is 0
