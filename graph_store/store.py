"""The GraphStore protocol: everything above the store talks to this.

Rules for every backend:
- Reads that take a list of ids are batch reads: one database round trip for
  the whole list, whatever its length, and every id asked for is a key of the
  answer (an empty list where there is nothing), except ``get_*`` which leave
  unknown ids out.
- Every write method is one transaction. Conditional writes check their rule
  inside that transaction and raise ``RuleViolation`` with nothing written.
- Driver/engine errors are re-raised as ``StoreError``/``StoreUnavailable``
  (``raise ... from e``); no backend exception type leaks out.
- Lists come back in display order: papers by ``PaperRecord.sort_key``,
  authors by ``AuthorRecord.sort_key``, topics by slug, unless a method says
  otherwise. Keyset paging: ``after`` is the ``sort_key`` of the last item of
  the previous page (None for the first page).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from graph_store.decisions import MAX_PENDING_CLAIMS, AuthorSettings
from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    AuthorStatsRecord,
    ClaimDecision,
    ClaimRecord,
    CoauthorRecord,
    CollaborationProfileRecord,
    CorrectionRecord,
    CorrectionStatus,
    GraphEdgeRecord,
    ImportBatch,
    InstitutionRecord,
    InvitationRecord,
    InvitationStatus,
    Page,
    PaperFilterSpec,
    PaperRecord,
    RevisionRecord,
    SearchHitRecord,
    SourceRecord,
    TopicRecord,
    TopicWeightRecord,
    TrustChangeRecord,
    UserRecord,
)


class GraphStore(Protocol):
    # --- lifecycle ------------------------------------------------------------
    async def initialize(self) -> None:
        """Create tables/constraints/indexes; idempotent; called at start-up."""

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Return when the database answers; raise StoreUnavailable otherwise."""

    # --- import ---------------------------------------------------------------
    async def import_batch(self, batch: ImportBatch) -> None:
        """Write one import in one transaction (see ImportBatch for merge rules),
        with the trust changes it makes to authors holding a claim (see
        ``follow``)."""

    async def bulk_import(self, batch: ImportBatch) -> None:
        """``import_batch`` for big imports, through the engine's bulk path, with
        the same merge rules: new rows by LadybugDB ``COPY`` on the embedded
        store (not one transaction there: see embedded/bulk.py), batched
        ``UNWIND`` on Neo4j. For one writer at a time (the import command).
        A new paper of an author holding a claim goes through ``import_batch``,
        which records the author's trust change."""

    async def finish_bulk_import(self) -> None:
        """After the last ``bulk_import``: fold the load into the store
        (embedded: a checkpoint; Neo4j: fresh index statistics)."""

    async def find_authors_by_name(self, names: Sequence[str]) -> dict[str, AuthorRecord]:
        """Existing authors whose name equals one of ``names`` case-insensitively.

        Keys are ``name.casefold()``.
        """

    async def existing_slugs(self, slugs: Sequence[str]) -> set[str]:
        """Which of these author slugs are taken."""

    async def existing_author_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of these author ids exist (cheaper than ``get_authors``)."""

    async def find_papers_by_title(self, titles: Sequence[str]) -> dict[str, PaperRecord]:
        """Existing papers whose title equals one of ``titles`` case-insensitively.

        Keys are ``title.casefold()``.
        """

    async def author_count(self) -> int: ...

    # --- batch reads by id ----------------------------------------------------
    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]: ...
    async def get_authors_by_slug(self, slugs: Sequence[str]) -> dict[str, AuthorRecord]: ...
    async def get_papers(self, ids: Sequence[str]) -> dict[str, PaperRecord]: ...
    async def get_topics(self, ids: Sequence[str]) -> dict[str, TopicRecord]: ...
    async def get_topics_by_slug(self, slugs: Sequence[str]) -> dict[str, TopicRecord]: ...
    async def get_institutions(self, ids: Sequence[str]) -> dict[str, InstitutionRecord]: ...
    async def get_users(self, ids: Sequence[str]) -> dict[str, UserRecord]: ...
    async def get_claims(self, ids: Sequence[str]) -> dict[str, ClaimRecord]: ...
    async def get_invitations(self, ids: Sequence[str]) -> dict[str, InvitationRecord]: ...
    async def get_corrections(self, ids: Sequence[str]) -> dict[str, CorrectionRecord]: ...

    # --- lists (keyset pages) -----------------------------------------------------
    # Each page is ``first`` items after ``after`` and before ``before`` (sort
    # keys, each optional), or with ``from_end`` the last ``first`` of that
    # range (graph_store/paging.py), cut in the store.
    async def list_authors(
        self,
        spec: AuthorFilterSpec,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[AuthorRecord]: ...

    async def list_papers(
        self,
        spec: PaperFilterSpec,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[PaperRecord]: ...

    async def list_topics(
        self, first: int, after: str | None, *, before: str | None = None, from_end: bool = False
    ) -> Page[TopicRecord]: ...

    # --- relations, batched by the id of the "from" side ----------------------
    async def paper_pages_of_authors(
        self,
        author_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        """One keyset page of each author's papers (sort_key order, after
        ``after``, at most ``first``), paged in the store: a hub author's other
        papers never leave the database. ``total`` counts all the author's papers."""

    async def paper_pages_of_topics(
        self,
        topic_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        """As ``paper_pages_of_authors``, for the papers tagged with each topic."""

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        """Authors of each paper in author order (position, then name)."""

    async def topics_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[TopicRecord]]: ...

    async def authors_of_topics(
        self, topic_ids: Sequence[str], first: int, offset: int = 0
    ) -> dict[str, list[AuthorRecord]]:
        """``first`` authors with papers on each topic from rank ``offset`` on
        (0: the top), most such papers first, then by sort_key, ranked in the store."""

    async def author_counts_of_topics(self, topic_ids: Sequence[str]) -> dict[str, int]:
        """How many distinct authors have papers on each topic (0 for unknown ids)."""

    async def topic_weights_of_authors(
        self, author_ids: Sequence[str]
    ) -> dict[str, list[TopicWeightRecord]]:
        """Topics of each author's papers with paper counts, highest count first, then slug."""

    async def coauthors_of_authors(
        self, author_ids: Sequence[str], first: int, offset: int = 0
    ) -> dict[str, list[CoauthorRecord]]:
        """``first`` of those sharing a paper with each author (never the
        author) from rank ``offset`` on (0: the top), most shared papers first,
        then by author sort_key, ranked in the store."""

    async def collaboration_profiles(
        self, author_ids: Sequence[str]
    ) -> dict[str, CollaborationProfileRecord]:
        """Each author's close co-authors (papers shared in teams of at most
        ``coauthors.TEAM_LIMIT``, kept as COAUTHOR weights), topics and venues
        (with paper counts), read in the store; empty maps for unknown ids."""

    async def coauthor_weights(self, author_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Each author's close co-authors alone (``collaboration_profiles``'
        ``coauthors``, without topics and venues); empty for unknown ids."""

    async def coauthored(self, author_id: str, candidate_ids: Sequence[str]) -> set[str]:
        """The candidates who wrote a paper with the author (any team size)."""

    async def profile_generation(self) -> str:
        """A token that changes whenever a write may have changed what
        ``collaboration_profiles``, ``coauthor_weights`` or ``work_counts``
        answer (imports, bulk loads and their co-author counts, decided
        corrections), by the time the write is acknowledged, and never
        comes back; the social writes leave it. Read it before those reads:
        their answers hold for that token at least (domain/fit_cache.py keeps
        them while it stays)."""

    async def work_counts(self, author_ids: Sequence[str]) -> dict[str, int]:
        """How many papers each author wrote (0 for unknown ids)."""

    async def existing_venues(self, names: Sequence[str]) -> set[str]:
        """Which of these venue names some paper carries (exact match)."""

    async def author_stats(self, author_ids: Sequence[str]) -> dict[str, AuthorStatsRecord]:
        """works = papers, followers = follows, topics = distinct topics of the
        papers, collaborators = distinct co-authors; all counted in the graph."""

    async def node_labels(self, ids: Sequence[str]) -> dict[str, str]:
        """Display label of any graph node (author/institution name, paper title,
        topic name); unknown ids are left out."""

    async def graph_edges(self, node_ids: Sequence[str]) -> list[GraphEdgeRecord]:
        """Every AUTHORED/TAGGED/AFFILIATED edge touching one of these nodes.

        AUTHORED: source=author, target=paper. TAGGED: source=paper,
        target=topic. AFFILIATED: source=author, target=institution.
        Each edge once.
        """

    async def search(self, query: str, first: int) -> list[SearchHitRecord]:
        """Authors (name), papers (title, abstract) and topics (name) matching
        the words of ``query`` case-insensitively; best first, score > 0.
        A name/title match ranks above an abstract-only match."""

    # --- provenance (shared_rules: TRACKED fields, import and correction revisions) --
    async def sources_of(self, ids: Sequence[str]) -> dict[str, SourceRecord]:
        """The recorded origin of each author or paper; others are left out."""

    async def revisions_of(
        self, ids: Sequence[str], field: str, first: int
    ) -> dict[str, list[RevisionRecord]]:
        """The newest ``first`` revisions of record field ``field`` (``code_url``)
        of each author or paper, newest first (``RevisionRecord.sort_key``)."""

    async def overridden_revisions(
        self,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[RevisionRecord]:
        """Import values a correction kept from being applied (``overridden``),
        for the moderators: oldest first by ``RevisionRecord.sort_key``."""

    # --- accounts -------------------------------------------------------------
    async def create_user(self, user: UserRecord) -> UserRecord:
        """Rule EMAIL_TAKEN when ``email.casefold()`` is taken."""

    async def get_user_by_email(self, email: str) -> UserRecord | None:
        """Case-insensitive lookup."""

    # Sessions and suspension: each reads the user in its write transaction
    # and lets ``graph_store.decisions`` decide; each bumps ``token_version``
    # but unsuspend_user, so every token issued before stops working.
    async def revoke_sessions(self, user_id: str) -> UserRecord:
        """The user, every token revoked (log out). Rule NOT_FOUND."""

    async def change_password(self, user_id: str, checked_hash: str, new_hash: str) -> UserRecord:
        """Store ``new_hash`` and revoke every token, if the stored hash is
        still ``checked_hash`` (the one the current password was verified
        against). Rules NOT_FOUND, PASSWORD_CHANGED."""

    async def suspend_user(
        self, user_id: str, moderator_id: str, reason: str, at: datetime
    ) -> UserRecord:
        """Suspend a member and revoke every token. Rules NOT_FOUND,
        SELF_SUSPENSION, TARGET_IS_MODERATOR, ALREADY_SUSPENDED."""

    async def unsuspend_user(self, user_id: str) -> UserRecord:
        """Lift a suspension (old tokens stay revoked); a user who is not
        suspended is answered unchanged. Rule NOT_FOUND."""

    # --- follow -----------------------------------------------------------------
    async def follow(self, user_id: str, author_id: str, at: datetime) -> None:
        """Idempotent: at most one follow per pair, even under concurrency.
        Rule NOT_FOUND if the user or author does not exist.

        Trust history: a store given a trust model (``StoreConfig.trust_model``)
        records a ``TrustChangeRecord`` in the transaction of each follow,
        unfollow, claim creation, withdrawal and decision that moves the
        author's score (``decisions.trust_change``), and in the transaction
        of each import (``import_batch``, ``bulk_import``) that moves the
        score of an author holding a claim (``decisions.import_watch``).
        Corrections record none (no correctable field feeds the score)."""

    async def unfollow(self, user_id: str, author_id: str, at: datetime | None = None) -> None:
        """Idempotent; no error when there was no follow. ``at``: when (for
        the trust history; now when not given)."""

    async def followed_among(self, user_id: str, author_ids: Sequence[str]) -> set[str]: ...

    async def following_page(
        self,
        user_id: str,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[AuthorRecord]:
        """Followed authors in author sort_key order."""

    # --- claims -----------------------------------------------------------------
    async def create_claim(
        self, claim: ClaimRecord, max_pending: int = MAX_PENDING_CLAIMS
    ) -> ClaimRecord:
        """Insert a PENDING claim and set the author PENDING.

        Rules, checked in this order: NOT_FOUND (author or user),
        AUTHOR_ALREADY_CLAIMED (the author has a PENDING or VERIFIED claim),
        USER_ALREADY_VERIFIED (the user holds a verified author),
        PENDING_CLAIMS_LIMIT (the user already holds ``max_pending`` PENDING
        claims).
        """

    async def withdraw_claim(self, claim_id: str, user_id: str, at: datetime) -> ClaimRecord:
        """PENDING → WITHDRAWN by its claimant; author back to UNCLAIMED.
        Rules: NOT_FOUND, NOT_CLAIMANT, CLAIM_NOT_PENDING."""

    async def decide_claim(
        self, claim_id: str, approve: bool, note: str | None, at: datetime
    ) -> ClaimRecord:
        """PENDING → VERIFIED (author CLAIMED) or REJECTED (author UNCLAIMED).
        Rules: NOT_FOUND, CLAIM_NOT_PENDING, USER_ALREADY_VERIFIED (approving
        would give the user a second verified author)."""

    async def claims_of_users(self, user_ids: Sequence[str]) -> dict[str, list[ClaimRecord]]:
        """Newest first."""

    async def verified_authors_of_users(self, user_ids: Sequence[str]) -> dict[str, AuthorRecord]:
        """The author each user holds a VERIFIED claim on; users without one
        are left out."""

    async def verified_claimants_of_authors(self, author_ids: Sequence[str]) -> dict[str, str]:
        """author id → user id of its verified claimant; others left out."""

    async def claims_by_status(
        self,
        status: ClaimDecision,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[ClaimRecord]:
        """For the moderators' queue: oldest first; ``after`` is a claim id's
        sort key ``f"{created_at micros:020d}|{id}"``."""

    # --- invitations ----------------------------------------------------------
    async def create_invitation(
        self, invitation: InvitationRecord, daily_limit: int, window_start: datetime
    ) -> InvitationRecord:
        """Insert a PENDING invitation; the stored ``sender_author_id`` is the
        sender's verified author, read in the same transaction.

        Rules, checked in this order: SENDER_NOT_VERIFIED, NOT_FOUND
        (recipient), SELF_INVITATION, RECIPIENT_NOT_CLAIMED,
        RECIPIENT_NOT_OPEN (the recipient is not open to collaborate),
        INVITATION_PENDING_EXISTS (same sender → same recipient, PENDING),
        RATE_LIMITED (``daily_limit`` invitations by this sender created at or
        after ``window_start`` already exist).
        """

    async def respond_invitation(
        self, invitation_id: str, user_id: str, status: InvitationStatus, at: datetime
    ) -> InvitationRecord:
        """ACCEPTED/DECLINED by the recipient author's verified claimant,
        WITHDRAWN by the sender; only from PENDING.
        Rules: NOT_FOUND, NOT_A_PARTY (the user is not the party who may do
        this), INVITATION_NOT_PENDING."""

    async def invitations_sent(self, user_ids: Sequence[str]) -> dict[str, list[InvitationRecord]]:
        """Newest first."""

    async def invitations_received(
        self, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        """Invitations to the author each user holds a verified claim on; newest first."""

    async def pending_invitation_recipients(
        self, user_id: str, author_ids: Sequence[str]
    ) -> set[str]:
        """Which of these authors have a PENDING invitation from this user."""

    async def count_invitations_since(self, user_id: str, since: datetime) -> int: ...

    # --- the claimant's settings, trust history ------------------------------------
    async def set_author_settings(self, user_id: str, settings: AuthorSettings) -> AuthorRecord:
        """Set openToCollaborate and/or suggestible (``None`` keeps one) on the
        author ``user_id`` holds a VERIFIED claim on, read in the same
        transaction; answers the author as written. Rule NO_VERIFIED_AUTHOR."""

    async def trust_history(
        self, author_id: str, first: int, after: str | None
    ) -> Page[TrustChangeRecord]:
        """The author's trust changes, newest first (``TrustChangeRecord.sort_key``)."""

    # --- corrections ------------------------------------------------------------
    async def create_correction(self, correction: CorrectionRecord) -> CorrectionRecord:
        """Rule NOT_FOUND when the target author/paper does not exist."""

    async def decide_correction(
        self,
        correction_id: str,
        status: CorrectionStatus,
        reviewer_id: str,
        note: str | None,
        at: datetime,
        update: tuple[str, str | int | None] | None,
    ) -> CorrectionRecord:
        """OPEN → APPLIED (setting ``update = (property, value)`` on the target,
        keeping derived keys such as sort_key in step) or REJECTED.
        Properties: author ``name``; paper ``title``, ``year``, ``venue``,
        ``abstract``, ``code_url``. Rules: NOT_FOUND, CORRECTION_NOT_OPEN."""

    async def corrections_by_status(
        self,
        status: CorrectionStatus,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[CorrectionRecord]:
        """Oldest first; keyset as in claims_by_status."""
