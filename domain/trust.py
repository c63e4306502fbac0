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

import dataclasses
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


# The version of this model: every recorded score change names the model
# that computed it (graph_store TrustChangeRecord). Change it with the rules.
MODEL_VERSION = "2026-12"


def tier_for(score: int) -> Tier:
    return next(tier for floor, tier in TIER_FLOORS if score >= floor)


def points_to_next_tier(score: int) -> int | None:
    """Points still missing to the next tier's floor; None at the top tier."""
    above = [floor for floor, _ in TIER_FLOORS if floor > score]
    return min(above) - score if above else None


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


class Model:
    """This model as the store's ``decisions.TrustModel``: the store scores an
    author before and after each event, in the event's transaction, and
    records the change."""

    @property
    def version(self) -> str:
        return MODEL_VERSION

    def score(self, author: AuthorRecord, stats: AuthorStatsRecord) -> int:
        return compute(author, stats).score


MODEL = Model()


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


class Action(enum.StrEnum):
    """What one more piece of evidence would be; the last two are shown as
    information about the model, never as something to chase."""

    VERIFY_CLAIM = "VERIFY_CLAIM"
    ADD_WORK = "ADD_WORK"
    NEW_COLLABORATOR = "NEW_COLLABORATOR"
    NEW_FOLLOWER = "NEW_FOLLOWER"


@dataclass(frozen=True, slots=True)
class Step:
    action: Action
    delta: int
    new_score: int
    new_tier: Tier
    why: str


def _counted(author: AuthorRecord, stats: AuthorStatsRecord) -> AuthorStatsRecord:
    """The counts compute() scores (the larger of the graph's and the page's)."""
    printed = author.imported
    return dataclasses.replace(
        stats,
        works=max(stats.works, printed.works if printed else 0),
        collaborators=max(stats.collaborators, printed.collaborators if printed else 0),
        followers=max(stats.followers, printed.followers if printed else 0),
    )


def next_steps(author: AuthorRecord, stats: AuthorStatsRecord) -> tuple[Step, ...]:
    """What each next piece of evidence would change, by running ``compute`` on
    the record as it would then be (never a second formula), so ``new_score -
    score == delta`` always. Largest delta first; a step whose points are
    capped shows delta 0 and says so. No step at L3 for the claim."""
    now = compute(author, stats)
    counted = _counted(author, stats)
    candidates: list[tuple[Action, AuthorRecord, AuthorStatsRecord]] = [
        (Action.ADD_WORK, author, dataclasses.replace(counted, works=counted.works + 1)),
        (
            Action.NEW_COLLABORATOR,
            author,
            dataclasses.replace(counted, collaborators=counted.collaborators + 1),
        ),
        (
            Action.NEW_FOLLOWER,
            author,
            dataclasses.replace(counted, followers=counted.followers + 1),
        ),
    ]
    if author.claim_status is not ClaimStatus.CLAIMED:
        verified = dataclasses.replace(author, claim_status=ClaimStatus.CLAIMED)
        candidates.insert(0, (Action.VERIFY_CLAIM, verified, counted))
    steps = []
    for action, record, counts in candidates:
        then = compute(record, counts)
        delta = then.score - now.score
        steps.append(Step(action, delta, then.score, then.tier, _why(action, delta, now)))
    order = list(Action)
    return tuple(sorted(steps, key=lambda s: (-s.delta, order.index(s.action))))


def _why(action: Action, delta: int, now: TrustSnapshot) -> str:
    if action is Action.VERIFY_CLAIM:
        if now.verification is Verification.L2:
            return f"When a moderator verifies your pending claim: +{delta}."
        return f"A claim verified by a moderator: +{delta}."
    if action is Action.ADD_WORK:
        if delta == 0:
            return "Published works: the cap is reached; more works add no points."
        return (
            f"Another published work in the graph (imported, or added through a "
            f"correction): +{delta}."
        )
    if action is Action.NEW_COLLABORATOR:
        if delta == 0:
            return (
                f"How collaborators count: 1 point each, up to {COLLABORATOR_POINTS_CAP}; "
                "the cap is reached."
            )
        return (
            f"How collaborators count: each distinct co-author adds 1 point, up to "
            f"{COLLABORATOR_POINTS_CAP}; one more would add +{delta}."
        )
    if delta == 0:
        return (
            f"How followers count: 1 point each, up to {FOLLOWER_POINTS_CAP}; the cap is reached."
        )
    return (
        f"How followers count: each follower adds 1 point, up to {FOLLOWER_POINTS_CAP}; "
        f"one more would add +{delta}."
    )
