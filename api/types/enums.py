"""GraphQL enums; values equal the store's so conversion is by value."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum
class ClaimStatus(enum.Enum):
    UNCLAIMED = "UNCLAIMED"
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"


@strawberry.enum
class VerificationLevel(enum.Enum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


@strawberry.enum
class TrustTier(enum.Enum):
    UNVERIFIED = "UNVERIFIED"
    EMERGING = "EMERGING"
    ESTABLISHED = "ESTABLISHED"
    TRUSTED = "TRUSTED"


@strawberry.enum
class PaperKind(enum.Enum):
    PREPRINT = "PREPRINT"
    CONFERENCE = "CONFERENCE"
    JOURNAL = "JOURNAL"


@strawberry.enum
class ClaimDecision(enum.Enum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.enum
class InvitationStatus(enum.Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.enum
class CorrectionStatus(enum.Enum):
    OPEN = "OPEN"
    APPLIED = "APPLIED"
    REJECTED = "REJECTED"


@strawberry.enum
class GraphNodeKind(enum.Enum):
    AUTHOR = "AUTHOR"
    PAPER = "PAPER"
    TOPIC = "TOPIC"
    INSTITUTION = "INSTITUTION"
