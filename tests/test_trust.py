"""The trust model reproduces the four profile pages and responds to events."""

from __future__ import annotations

import pytest

from domain.trust import Tier, Verification, compute, tier_for, work_points
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
