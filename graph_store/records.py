"""Frozen records the graph store speaks in.

Both backends return exactly these types, so nothing above the store knows
which engine answered. Times are timezone-aware UTC datetimes; backends store
them as epoch microseconds (INT64), which both engines compare natively.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


class PaperKind(enum.StrEnum):
    PREPRINT = "PREPRINT"
    CONFERENCE = "CONFERENCE"
    JOURNAL = "JOURNAL"


class ClaimStatus(enum.StrEnum):
    """Status of an author record (not of a claim)."""

    UNCLAIMED = "UNCLAIMED"
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"


class ClaimDecision(enum.StrEnum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class InvitationStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"


class CorrectionStatus(enum.StrEnum):
    OPEN = "OPEN"
    APPLIED = "APPLIED"
    REJECTED = "REJECTED"


class SourceKind(enum.StrEnum):
    """Where a value came from."""

    SEED_PAGE = "SEED_PAGE"
    OPENALEX = "OPENALEX"
    CORRECTION = "CORRECTION"


class Role(enum.StrEnum):
    MEMBER = "MEMBER"
    MODERATOR = "MODERATOR"


class NodeKind(enum.StrEnum):
    """Kinds of graph nodes; the prefix of every id names its kind."""

    AUTHOR = "author"
    PAPER = "paper"
    TOPIC = "topic"
    INSTITUTION = "inst"
    USER = "user"
    CLAIM = "claim"
    INVITATION = "inv"
    CORRECTION = "corr"
    VENUE = "venue"  # venue:<the name, percent-encoded>; venues are paper properties


def kind_of(node_id: str) -> NodeKind | None:
    """The kind an id names (``author:hangbo-bao`` → AUTHOR), or None."""
    prefix, sep, rest = node_id.partition(":")
    if not sep or not rest:
        return None
    try:
        return NodeKind(prefix)
    except ValueError:
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_micros(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


# --- keyset sort keys -------------------------------------------------------
# Each listable node stores a precomputed ``sort_key`` (unique, ascending =
# display order), so every backend pages with ``WHERE n.sort_key > $after
# ORDER BY n.sort_key LIMIT $n``: no OFFSET, stable under inserts.


def author_sort_key(name: str, author_id: str) -> str:
    return f"{name.casefold()}\x1f{author_id}"


def paper_sort_key(year: int | None, title: str, paper_id: str) -> str:
    # Newest first, then by title; papers without a year go last.
    inverted_year = 9999 - year if year is not None else 9999
    return f"{inverted_year:04d}\x1f{title.casefold()}\x1f{paper_id}"


def topic_sort_key(slug: str) -> str:
    return slug


def event_sort_key(created_at: datetime, record_id: str) -> str:
    """Claims, invitations, corrections: oldest first, then id."""
    return f"{to_micros(created_at):020d}|{record_id}"


_MAX_MICROS = 10**19


def newest_first_sort_key(at: datetime, record_id: str) -> str:
    """Trust changes: newest first, then id."""
    return f"{_MAX_MICROS - to_micros(at):020d}|{record_id}"


# --- graph records ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedFigures:
    """What a profile page printed about its owner, kept as evidence."""

    works: int
    followers: int
    topics: int
    collaborators: int
    trust_score: int
    trust_tier: str
    verification: str
    source: str  # seed file name


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    id: str
    slug: str
    name: str
    claim_status: ClaimStatus = ClaimStatus.UNCLAIMED
    affiliation_id: str | None = None
    imported: ImportedFigures | None = None
    orcid: str | None = None  # external id, e.g. "0000-0002-1825-0097"
    # The profile header a seed page prints ("Researcher · Affiliation not
    # imported · Open to collaborate"): the role and the affiliation note as
    # printed, None when no source printed one. An import row with a role
    # read a header, so its ``open_to_collaborate`` is what the page said.
    role: str | None = None
    affiliation_note: str | None = None
    # Whether invitations may be sent to the author: imported where a page
    # says so, false where nothing is known; then set by the verified
    # claimant alone (an import never undoes that: shared_rules.refresh_author).
    open_to_collaborate: bool = False
    # Whether the author may be suggested as a collaborator (the claimant's
    # opt-out); no import sets it.
    suggestible: bool = True

    @property
    def sort_key(self) -> str:
        return author_sort_key(self.name, self.id)


@dataclass(frozen=True, slots=True)
class PaperRecord:
    id: str
    title: str
    kind: PaperKind
    year: int | None = None
    venue: str | None = None
    abstract: str | None = None
    code_url: str | None = None
    doi: str | None = None  # external id, e.g. "10.48550/arXiv.2106.08254"

    @property
    def sort_key(self) -> str:
        return paper_sort_key(self.year, self.title, self.id)


@dataclass(frozen=True, slots=True)
class TopicRecord:
    id: str
    slug: str
    name: str

    @property
    def sort_key(self) -> str:
        return topic_sort_key(self.slug)


@dataclass(frozen=True, slots=True)
class InstitutionRecord:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class AuthorStatsRecord:
    """Counts of what the graph holds for one author."""

    works: int
    followers: int
    topics: int
    collaborators: int


@dataclass(frozen=True, slots=True)
class TopicWeightRecord:
    topic: TopicRecord
    paper_count: int


@dataclass(frozen=True, slots=True)
class CoauthorRecord:
    author: AuthorRecord
    shared_paper_ids: tuple[str, ...]  # in paper display order


@dataclass(frozen=True, slots=True)
class CollaborationProfileRecord:
    """The public record of one author that collaboration fit reads: whom
    they wrote with, on what and where (never follows, claims or invitations)."""

    coauthors: dict[str, int]  # co-author id -> papers shared
    topics: dict[str, int]  # topic id -> papers tagged with it
    venues: dict[str, int]  # venue name -> papers published there


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One keyset page: ``items`` in display order, ``total`` over all pages."""

    items: tuple[T, ...]
    total: int
    has_next: bool
    # Whether items come before the page: exact for a page read from the end,
    # else whether it was asked for after a cursor.
    has_previous: bool = False


@dataclass(frozen=True, slots=True)
class GraphEdgeRecord:
    """An undirected edge of the research graph, by node ids.

    kind: AUTHORED (author to paper), TAGGED (paper to topic), AFFILIATED
    (author to institution).
    """

    source: str
    target: str
    kind: str
    weight: int = 1


@dataclass(frozen=True, slots=True)
class SearchHitRecord:
    node_id: str
    score: float


# --- provenance ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """Where an imported author or paper came from: one per record, written
    when the import creates it (its origin; later imports that change a value
    leave revisions instead)."""

    entity_id: str
    kind: SourceKind
    locator: str  # "000_ab.txt:42" (seed page and line) or "https://openalex.org/W123"
    snapshot_date: str | None = None  # ISO date of the source's snapshot, when it has one
    retrieved_at: datetime | None = None  # when we imported it; None: not recorded

    @property
    def id(self) -> str:
        """Stored under its record's id (one origin per record)."""
        return self.entity_id


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    """One value a tracked field of an author or paper took (or, ``overridden``,
    an import's value that a correction kept from being applied)."""

    id: str
    entity_id: str
    field: str  # the record field (``code_url``), as corrections set it
    value: str | None  # as text (a year "2021"); None: cleared
    at: datetime
    kind: SourceKind
    locator: str  # as SourceRecord.locator; a correction's: its id
    snapshot_date: str | None = None
    reason: str | None = None  # a correction's reason; None for imports
    overridden: bool = False  # an import's value not applied: a correction holds

    @property
    def sort_key(self) -> str:
        return event_sort_key(self.at, self.id)


# --- import batch -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorshipRow:
    author_id: str
    paper_id: str
    position: int  # 1-based order on the paper; 0 = unknown (listed after the known)


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """Everything one import writes, in one transaction.

    Writing is idempotent: nodes are merged on their id, relationships on
    their ends; an existing authorship keeps its position, an existing
    author keeps its claim status.
    """

    authors: tuple[AuthorRecord, ...] = ()
    papers: tuple[PaperRecord, ...] = ()
    topics: tuple[TopicRecord, ...] = ()
    institutions: tuple[InstitutionRecord, ...] = ()
    authorships: tuple[AuthorshipRow, ...] = ()
    paper_topics: tuple[tuple[str, str], ...] = ()  # (paper_id, topic_id)
    # Where the authors and papers come from (recorded for those the import
    # creates, and on the revisions of values it changes); the first per id wins.
    sources: tuple[SourceRecord, ...] = ()


# --- social records -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: str
    email: str  # as typed; uniqueness is on email.casefold()
    display_name: str
    password_hash: str
    role: Role
    created_at: datetime
    # Bumped to revoke every token issued before (log out, password change,
    # suspension): a token carries the version it was issued at.
    token_version: int = 0
    suspended_at: datetime | None = None  # None: not suspended
    suspended_by: str | None = None  # the moderator's user id
    suspension_reason: str | None = None

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: str
    author_id: str
    user_id: str
    status: ClaimDecision
    evidence: str
    created_at: datetime
    decided_at: datetime | None = None
    note: str | None = None

    @property
    def sort_key(self) -> str:
        return event_sort_key(self.created_at, self.id)


@dataclass(frozen=True, slots=True)
class InvitationRecord:
    id: str
    sender_id: str  # user id
    sender_author_id: str | None  # the sender's verified author when sent
    recipient_author_id: str
    message: str
    status: InvitationStatus
    created_at: datetime
    responded_at: datetime | None = None

    @property
    def sort_key(self) -> str:
        return event_sort_key(self.created_at, self.id)


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    id: str
    target_id: str  # an author or paper id
    field: str
    proposed_value: str
    reason: str
    status: CorrectionStatus
    created_by: str  # user id
    created_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    note: str | None = None

    @property
    def sort_key(self) -> str:
        return event_sort_key(self.created_at, self.id)


class TrustCause(enum.StrEnum):
    """The event that moved an author's trust score."""

    FOLLOWED = "FOLLOWED"
    UNFOLLOWED = "UNFOLLOWED"
    CLAIM_SUBMITTED = "CLAIM_SUBMITTED"
    CLAIM_WITHDRAWN = "CLAIM_WITHDRAWN"
    CLAIM_VERIFIED = "CLAIM_VERIFIED"
    CLAIM_REJECTED = "CLAIM_REJECTED"
    # Recorded for authors holding a claim only (README, "Trust-score history").
    IMPORT = "IMPORT"
    # Never recorded: no correctable field feeds the score.
    CORRECTION = "CORRECTION"


@dataclass(frozen=True, slots=True)
class TrustChangeRecord:
    """One change of an author's trust score, written in the transaction of
    the event that caused it."""

    id: str
    author_id: str
    at: datetime
    old_score: int
    new_score: int
    cause: TrustCause
    model_version: str  # the trust model that computed both scores

    @property
    def sort_key(self) -> str:
        return newest_first_sort_key(self.at, self.id)


@dataclass(frozen=True, slots=True)
class AuthorFilterSpec:
    name_contains: str | None = None  # case-insensitive
    topic_slug: str | None = None
    claim_status: ClaimStatus | None = None


@dataclass(frozen=True, slots=True)
class PaperFilterSpec:
    title_contains: str | None = None  # case-insensitive
    topic_slug: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    kind: PaperKind | None = None
