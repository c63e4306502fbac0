"""GraphQL enums; names and values equal the store's, so conversion is by either.

Each member is a strawberry.enum_value (for its description): mypy then types
``.value`` as the definition, so code reading a member converts by ``.name``.
"""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Whether an author record has an owner (a status of the author).")
class ClaimStatus(enum.Enum):
    UNCLAIMED = strawberry.enum_value(
        "UNCLAIMED",
        description="Nobody has a pending or verified claim on it (verification L1).",
    )
    PENDING = strawberry.enum_value(
        "PENDING", description="A claim on it waits for a moderator (verification L2)."
    )
    CLAIMED = strawberry.enum_value(
        "CLAIMED", description="A moderator verified a user's claim on it (verification L3)."
    )


@strawberry.enum(description="How far an author's identity has been checked; follows claimStatus.")
class VerificationLevel(enum.Enum):
    L1 = strawberry.enum_value("L1", description="Public record only: unclaimed.")
    L2 = strawberry.enum_value("L2", description="A claim is pending a moderator's review.")
    L3 = strawberry.enum_value("L3", description="A moderator verified a claim.")


@strawberry.enum(description="A band of the trust score.")
class TrustTier(enum.Enum):
    UNVERIFIED = strawberry.enum_value("UNVERIFIED", description="Score 0-19.")
    EMERGING = strawberry.enum_value("EMERGING", description="Score 20-39.")
    ESTABLISHED = strawberry.enum_value("ESTABLISHED", description="Score 40-69.")
    TRUSTED = strawberry.enum_value("TRUSTED", description="Score 70 or more.")


@strawberry.enum(
    description="How a paper was published, as classified at import from the source's "
    "publication type and venue name."
)
class PaperKind(enum.Enum):
    PREPRINT = strawberry.enum_value("PREPRINT", description="A preprint (arXiv and the like).")
    CONFERENCE = strawberry.enum_value(
        "CONFERENCE", description="Published in conference or workshop proceedings."
    )
    JOURNAL = strawberry.enum_value(
        "JOURNAL",
        description="Published in a journal. OpenAlex works of other publication types "
        "count as JOURNAL too.",
    )


@strawberry.enum(description="Where a claim is in its review.")
class ClaimDecision(enum.Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for a moderator.")
    VERIFIED = strawberry.enum_value(
        "VERIFIED", description="A moderator approved it: the claimant owns the author record."
    )
    REJECTED = strawberry.enum_value("REJECTED", description="A moderator rejected it.")
    WITHDRAWN = strawberry.enum_value(
        "WITHDRAWN", description="The claimant took it back before a decision."
    )


@strawberry.enum(description="Where an invitation stands.")
class InvitationStatus(enum.Enum):
    PENDING = strawberry.enum_value("PENDING", description="Sent, not answered yet.")
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="The recipient accepted it.")
    DECLINED = strawberry.enum_value("DECLINED", description="The recipient declined it.")
    WITHDRAWN = strawberry.enum_value(
        "WITHDRAWN", description="The sender withdrew it before an answer."
    )


@strawberry.enum(description="Where a suggested correction stands.")
class CorrectionStatus(enum.Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for a moderator.")
    APPLIED = strawberry.enum_value(
        "APPLIED", description="A moderator applied it: the proposed value was written."
    )
    REJECTED = strawberry.enum_value(
        "REJECTED", description="A moderator rejected it; the record is unchanged."
    )


@strawberry.enum(description="What a node of the research graph stands for.")
class GraphNodeKind(enum.Enum):
    AUTHOR = strawberry.enum_value("AUTHOR", description="An Author.")
    PAPER = strawberry.enum_value("PAPER", description="A Paper.")
    TOPIC = strawberry.enum_value("TOPIC", description="A Topic.")
    INSTITUTION = strawberry.enum_value("INSTITUTION", description="An Institution.")
