"""GraphQL enums: the records' and the domain's own enums, described for clients.

The enum a record holds is the GraphQL enum itself, so nothing converts
between twins and the members are listed once, where they are defined. Only
the descriptions are written here; ``described`` refuses an enum with a
member left undescribed (or a description for no member), so a member added
to a record's enum fails at import until it is documented. (strawberry marks
the source class as its GraphQL enum, as it does any enum a field returns.)
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from domain.collaboration_fit import FitKind
from domain.problems import Code
from domain.profile import AffiliationState
from domain.trust import Action, Tier, Verification
from graph_store.records import (
    ClaimDecision,
    ClaimStatus,
    CorrectionStatus,
    InvitationStatus,
    PaperKind,
    SourceKind,
    TrustCause,
)

__all__ = [
    "AffiliationState",
    "ClaimDecision",
    "ClaimStatus",
    "CorrectionStatus",
    "ErrorCode",
    "FitKind",
    "GraphNodeKind",
    "InvitationStatus",
    "PaperKind",
    "SourceKind",
    "TrustAction",
    "TrustChangeCause",
    "TrustTier",
    "VerificationLevel",
]

E = TypeVar("E", bound=enum.Enum)


def described(
    source: type[E], description: str, values: Mapping[E, str], *, name: str | None = None
) -> None:
    """``source`` as a GraphQL enum (named ``name``, else as the class), every
    member with its description."""
    if set(values) != set(source):
        raise TypeError(f"{source.__name__}: describe exactly its members")
    by_name = {member.name: text for member, text in values.items()}
    strawberry.enum(source, name=name, description=description)
    assert has_enum_definition(source)
    definition = source.__strawberry_definition__
    definition.values = [
        dataclasses.replace(v, description=by_name[v.name]) for v in definition.values
    ]


described(
    ClaimStatus,
    "Whether an author record has an owner (a status of the author).",
    {
        ClaimStatus.UNCLAIMED: "Nobody has a pending or verified claim on it (verification L1).",
        ClaimStatus.PENDING: "A claim on it waits for a moderator (verification L2).",
        ClaimStatus.CLAIMED: "A moderator verified a user's claim on it (verification L3).",
    },
)

# The domain's names are the trust model's; the schema's say what they are to a client.
VerificationLevel = Verification
TrustTier = Tier
TrustAction = Action
ErrorCode = Code
TrustChangeCause = TrustCause

described(
    Verification,
    "How far an author's identity has been checked; follows claimStatus.",
    {
        Verification.L1: "Public record only: unclaimed.",
        Verification.L2: "A claim is pending a moderator's review.",
        Verification.L3: "A moderator verified a claim.",
    },
    name="VerificationLevel",
)

described(
    Tier,
    "A band of the trust score.",
    {
        Tier.UNVERIFIED: "Score 0-19.",
        Tier.EMERGING: "Score 20-39.",
        Tier.ESTABLISHED: "Score 40-69.",
        Tier.TRUSTED: "Score 70 or more.",
    },
    name="TrustTier",
)

described(
    Action,
    "What one more piece of evidence would be, in a trust next step.",
    {
        Action.VERIFY_CLAIM: "A moderator verifies the claim on this author record.",
        Action.ADD_WORK: "One more published work in the graph (imported, or added through a "
        "correction).",
        Action.NEW_COLLABORATOR: "One more distinct co-author. Information about the model, "
        "not a goal.",
        Action.NEW_FOLLOWER: "One more follower. Information about the model, not a goal.",
    },
    name="TrustAction",
)

described(
    TrustCause,
    "The event that moved an author's trust score.",
    {
        TrustCause.FOLLOWED: "A user followed the author.",
        TrustCause.UNFOLLOWED: "A user stopped following the author.",
        TrustCause.CLAIM_SUBMITTED: "A claim on the author was submitted (pending review).",
        TrustCause.CLAIM_WITHDRAWN: "The claimant withdrew their pending claim.",
        TrustCause.CLAIM_VERIFIED: "A moderator verified a claim on the author.",
        TrustCause.CLAIM_REJECTED: "A moderator rejected a claim on the author.",
        TrustCause.IMPORT: "An import added works or co-authors (or newly printed figures). "
        "Recorded only while the author has a pending or verified claim: earlier imports "
        "moved the score unrecorded.",
        TrustCause.CORRECTION: "A moderator applied a correction. No correctable field feeds "
        "the score today, so none is recorded.",
    },
    name="TrustChangeCause",
)

described(
    AffiliationState,
    "What is known of an author's affiliation.",
    {
        AffiliationState.IMPORTED: "An institution is known: see Author.affiliation.",
        AffiliationState.NOT_IMPORTED: 'The source page printed "Affiliation not imported": '
        "it has one, which was not imported.",
        AffiliationState.UNKNOWN: "No source said anything about it.",
    },
)

described(
    PaperKind,
    "How a paper was published, as classified at import from the source's publication type "
    "and venue name.",
    {
        PaperKind.PREPRINT: "A preprint (arXiv and the like).",
        PaperKind.CONFERENCE: "Published in conference or workshop proceedings.",
        PaperKind.JOURNAL: "Published in a journal. OpenAlex works of other publication types "
        "count as JOURNAL too.",
    },
)

described(
    ClaimDecision,
    "Where a claim is in its review.",
    {
        ClaimDecision.PENDING: "Waiting for a moderator.",
        ClaimDecision.VERIFIED: "A moderator approved it: the claimant owns the author record.",
        ClaimDecision.REJECTED: "A moderator rejected it.",
        ClaimDecision.WITHDRAWN: "The claimant took it back before a decision.",
    },
)

described(
    InvitationStatus,
    "Where an invitation stands.",
    {
        InvitationStatus.PENDING: "Sent, not answered yet.",
        InvitationStatus.ACCEPTED: "The recipient accepted it.",
        InvitationStatus.DECLINED: "The recipient declined it.",
        InvitationStatus.WITHDRAWN: "The sender withdrew it before an answer.",
    },
)

described(
    CorrectionStatus,
    "Where a suggested correction stands.",
    {
        CorrectionStatus.OPEN: "Waiting for a moderator.",
        CorrectionStatus.APPLIED: "A moderator applied it: the proposed value was written.",
        CorrectionStatus.REJECTED: "A moderator rejected it; the record is unchanged.",
    },
)

described(
    FitKind,
    "What a reason of a collaboration fit rests on.",
    {
        FitKind.COMMON_COAUTHOR: "Both have written with the same co-authors (via: them). "
        "Each counts 1 / ln(1 + that co-author's papers): one of few papers says more. Of "
        "many, the 25 with the strongest ties to both count.",
        FitKind.TWO_HOP_PATH: "A close co-author of one has written with a close co-author of "
        "the other (via: the two, in turn); the three strongest co-authors of each side count.",
        FitKind.SHARED_TOPIC: "Both write on the same topics (via: them), weighted by the "
        "smaller of the two authors' shares of papers on each.",
        FitKind.COMPLEMENTARY_VENUE: "Both publish at the same venues, so their work reaches "
        "the same readers (via: the venues), weighted as topics are.",
    },
)

described(
    SourceKind,
    "Where a value came from.",
    {
        SourceKind.SEED_PAGE: "A seed page (seeds/pages): the locator is its file name and line.",
        SourceKind.OPENALEX: "An OpenAlex record: the locator is its URL, e.g. "
        "https://openalex.org/W2741809807.",
        SourceKind.CORRECTION: "A correction a moderator applied: the locator is the "
        "correction's id, the reason the suggester's (never who suggested or reviewed it).",
    },
)

described(
    Code,
    "Why a mutation did not happen.",
    {
        Code.INVALID_INPUT: "The input breaks a rule: a format or length (e-mail shape, "
        "password 10-1024 characters and not a common one, display name 1-100, evidence "
        "10-2000, message and reason 1-2000 after trimming, a correction's value), a field "
        "that cannot be corrected, an unclaimed or own recipient, suspending yourself, a wrong "
        "current password, or a wrong e-mail or password at logIn.",
        Code.NOT_FOUND: "No such record: an unknown or malformed id, or one the viewer may not "
        "see.",
        Code.UNAUTHENTICATED: "No valid token: sign in (again) and send Authorization: Bearer "
        "<token>.",
        Code.FORBIDDEN: "Signed in but not allowed: a member reviewing a claim or correction "
        "or suspending an account, suspending a moderator, the wrong party answering an "
        "invitation, sending one without a verified claim or to a researcher not open to "
        "collaborate, changing author settings without a verified claim, or logIn to a "
        "suspended account.",
        Code.CONFLICT: "Clashes with the current state: a taken e-mail, an author already "
        "claimed, a second verified author, one pending claim more than an account may hold "
        "(field null), a duplicate pending invitation, a password changed meanwhile, or "
        "something already decided.",
        Code.RATE_LIMITED: "Too many attempts: invitations sent in the last 24 hours (the "
        "server's PEERGRAPH_INVITATIONS_PER_DAY, 20 by default), or an abuse throttle (failed "
        "sign-ins per account or address, sign-ups per address, claims, corrections or "
        "invitation attempts per user, a full password-checking queue); retryAfterSeconds "
        "says when to try again.",
    },
    name="ErrorCode",
)


# Not derived: the explorer draws four of NodeKind's eight kinds
# (domain.research_graph.GRAPH_KINDS), and mypy cannot type an enum built by a loop.
@strawberry.enum(description="What a node of the research graph stands for.")
class GraphNodeKind(enum.Enum):
    AUTHOR = strawberry.enum_value("AUTHOR", description="An Author.")
    PAPER = strawberry.enum_value("PAPER", description="A Paper.")
    TOPIC = strawberry.enum_value("TOPIC", description="A Topic.")
    INSTITUTION = strawberry.enum_value("INSTITUTION", description="An Institution.")
