"""The explainable trust model: plain Python, no I/O.

Each component names its points and one line a researcher can act on; the
points add up to the score. Calibrated on the four profile pages, which this
model reproduces exactly from the imported data (tests/test_trust.py):

    Binxing Jiao   3 works, 4 collaborators, 0 followers, L1 → 15 UNVERIFIED
    Zhibin Xiao    2 works, 4 collaborators, 0 followers, L1 → 13 UNVERIFIED
    Hangbo Bao     7 works, 4 collaborators, 0 followers, L1 → 21 EMERGING
    Qingru Zhang   2 works, 4 collaborators, 0 followers, L1 → 13 UNVERIFIED

Evidence counts are the larger of what the graph holds and what the source
page printed (a page may know works or collaborators that were not imported).
Works have diminishing returns so that volume alone cannot buy trust; the
identity components weigh most because a moderator checked them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from graph_store.records import AuthorRecord, AuthorStatsRecord, ClaimStatus


class Verification(enum.StrEnum):
    L1 = "L1"  # public record only
    L2 = "L2"  # a claim is pending
    L3 = "L3"  # a claim was verified by a moderator


class Tier(enum.StrEnum):
    UNVERIFIED = "UNVERIFIED"
    EMERGING = "EMERGING"
    ESTABLISHED = "ESTABLISHED"
    TRUSTED = "TRUSTED"


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    points: int
    explanation: str


@dataclass(frozen=True, slots=True)
class TrustSnapshot:
    score: int
    tier: Tier
    verification: Verification
    components: tuple[Component, ...]


# The component counting the author's papers (api: TrustComponent.papers).
WORKS = "Published works"
PUBLIC_RECORD_POINTS = 3
VERIFIED_CLAIM_POINTS = 20
# Points per work by band: the first works count most.
WORK_BANDS: tuple[tuple[int, int], ...] = ((2, 3), (3, 2), (25, 1))  # (works in band, points each)
COLLABORATOR_POINTS_CAP = 20  # one point per distinct collaborator
FOLLOWER_POINTS_CAP = 10  # one point per follower
TIER_FLOORS: tuple[tuple[int, Tier], ...] = (
    (70, Tier.TRUSTED),
    (40, Tier.ESTABLISHED),
    (20, Tier.EMERGING),
    (0, Tier.UNVERIFIED),
)


def tier_for(score: int) -> Tier:
    return next(tier for floor, tier in TIER_FLOORS if score >= floor)


def verification_for(status: ClaimStatus) -> Verification:
    return {
        ClaimStatus.UNCLAIMED: Verification.L1,
        ClaimStatus.PENDING: Verification.L2,
        ClaimStatus.CLAIMED: Verification.L3,
    }[status]


def work_points(works: int) -> int:
    points, remaining = 0, works
    for size, each in WORK_BANDS:
        taken = min(remaining, size)
        points += taken * each
        remaining -= taken
    return points


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def compute(author: AuthorRecord, stats: AuthorStatsRecord) -> TrustSnapshot:
    printed = author.imported
    works = max(stats.works, printed.works if printed else 0)
    collaborators = max(stats.collaborators, printed.collaborators if printed else 0)
    followers = max(stats.followers, printed.followers if printed else 0)
    verification = verification_for(author.claim_status)

    next_work = work_points(works + 1) - work_points(works)
    components = [
        Component(
            "Public record",
            PUBLIC_RECORD_POINTS,
            f"Public author record: +{PUBLIC_RECORD_POINTS}",
        ),
        Component(
            WORKS,
            work_points(works),
            f"{_plural(works, 'published work')}: +{work_points(works)}"
            + (f"; the next adds +{next_work}" if next_work else "; the maximum for works"),
        ),
        Component(
            "Collaborators",
            min(collaborators, COLLABORATOR_POINTS_CAP),
            f"{_plural(collaborators, 'distinct co-author')}: "
            f"+{min(collaborators, COLLABORATOR_POINTS_CAP)} (1 each, up to "
            f"{COLLABORATOR_POINTS_CAP})",
        ),
        Component(
            "Followers",
            min(followers, FOLLOWER_POINTS_CAP),
            f"{_plural(followers, 'follower')}: +{min(followers, FOLLOWER_POINTS_CAP)} "
            f"(1 each, up to {FOLLOWER_POINTS_CAP})",
        ),
        _identity_component(verification),
    ]
    score = min(100, sum(c.points for c in components))
    return TrustSnapshot(score, tier_for(score), verification, tuple(components))


def _identity_component(verification: Verification) -> Component:
    if verification is Verification.L3:
        return Component(
            "Verified claim",
            VERIFIED_CLAIM_POINTS,
            f"Verified claim: +{VERIFIED_CLAIM_POINTS}",
        )
    if verification is Verification.L2:
        return Component(
            "Verified claim",
            0,
            f"Claim pending moderator review: +0; verification adds +{VERIFIED_CLAIM_POINTS}",
        )
    return Component(
        "Verified claim",
        0,
        f"Unclaimed record: +0; a verified claim adds +{VERIFIED_CLAIM_POINTS}",
    )
