"""Author and what hangs off it: stats, trust, topics, co-authors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from api import access
from api.context import Info
from api.types.connection import (
    AfterArg,
    BeforeArg,
    Connection,
    FirstArg,
    KeysetLastArg,
    LastArg,
    after_arg,
    connection_from_page,
    first_arg,
    keyset_cut,
    page_size,
    rank_cursor,
    ranked_window,
    window_connection,
)
from api.types.enums import (
    AffiliationState,
    ClaimStatus,
    TrustAction,
    TrustChangeCause,
    TrustTier,
    VerificationLevel,
)
from api.types.institution import Institution
from api.types.node import Node
from api.types.provenance import (
    Provenance,
    Revision,
    field_argument,
    field_history,
    field_provenance,
)
from domain import profile
from domain import trust as trust_model
from domain.visibility import is_claimant_of
from graph_store.records import (
    AuthorRecord,
    AuthorStatsRecord,
    CoauthorRecord,
    TrustChangeRecord,
)

if TYPE_CHECKING:
    from api.types.paper import Paper
    from api.types.topic import Topic

PaperRef = Annotated["Paper", strawberry.lazy("api.types.paper")]
TopicRef = Annotated["Topic", strawberry.lazy("api.types.topic")]

EMPTY_STATS = AuthorStatsRecord(0, 0, 0, 0)


@strawberry.type(description="Counts of what the graph holds for this author.")
class AuthorStats:
    works: int = strawberry.field(description="Papers in the graph this author wrote.")
    followers: int = strawberry.field(description="Users following this author.")
    topics: int = strawberry.field(description="Distinct topics of this author's papers.")
    collaborators: int = strawberry.field(
        description="Distinct co-authors: other authors sharing at least one paper."
    )


@strawberry.type(description="One reason for the trust score, with the points it adds.")
class TrustComponent:
    name: str = strawberry.field(
        description="A stable label: Public record, Published works, Collaborators, "
        "Followers or Verified claim."
    )
    points: int = strawberry.field(description="The points it adds to the score (0 or more).")
    explanation: str = strawberry.field(
        description="One English line for the researcher: what counted and what would add "
        'more, e.g. "3 published works: +8; the next adds +2".'
    )
    author_id: strawberry.Private[str]

    @strawberry.field(
        description="Published works only (null for the other components): the author's "
        "papers in the graph that it counts, newest first, each with provenance(field:) and "
        "history(field:) to show where it came from. When the author's imported profile "
        "page printed more works than the graph holds, the count is the page's (the "
        'author\'s provenance(field: "name") names the page).'
    )
    async def papers(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "papers")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
    ) -> Connection[PaperRef] | None:
        from api.types.paper import Paper

        if self.name != trust_model.WORKS:
            return None
        cut = keyset_cut(first, after, None, None, 20)
        page = await info.context.loaders.paper_page(cut.key).load(self.author_id)
        return connection_from_page(page, Paper.from_record, cut.after)


@strawberry.type(
    description="What one more piece of evidence would do to the score, computed by the "
    "trust model itself on the record as it would then be."
)
class TrustStep:
    action: TrustAction = strawberry.field(description="The evidence this step is about.")
    delta: int = strawberry.field(
        description="Points it would add: newScore minus the current score; 0 when its "
        "component's cap is reached (why says so)."
    )
    new_score: int = strawberry.field(description="The score the record would then have.")
    new_tier: TrustTier = strawberry.field(description="The tier the record would then have.")
    why: str = strawberry.field(
        description='One English line, e.g. "When a moderator verifies your pending claim: '
        '+20."; followers and collaborators are described as how the model counts, never as '
        "something to chase."
    )


@strawberry.type(
    description="The explainable trust score, computed on each request. Its counts are the "
    "larger of the graph's (AuthorStats) and those printed on the author's imported profile "
    "page if there is one, so they may exceed stats."
)
class TrustSnapshot:
    score: int = strawberry.field(description="0-100: the sum of the components' points.")
    tier: TrustTier = strawberry.field(description="The band the score falls in.")
    verification: VerificationLevel = strawberry.field(
        description="Identity check level, from the author's claimStatus."
    )
    components: list[TrustComponent] = strawberry.field(
        description="Always five, in this order: Public record, Published works, "
        "Collaborators, Followers, Verified claim."
    )
    points_to_next_tier: int | None = strawberry.field(
        description="Points still missing to the next tier (20, 40, 70); null at TRUSTED."
    )
    next_steps: list[TrustStep] | None = strawberry.field(
        description="What would raise the score and by exactly how much, largest first. Only "
        "for the author's claimant (pending or verified); null for anyone else."
    )


@strawberry.type(
    description="One change of an author's trust score: what caused it and which version "
    "of the trust model computed the scores."
)
class TrustChange:
    at: datetime = strawberry.field(description="When the event happened (UTC).")
    old_score: int = strawberry.field(description="The score just before the event.")
    new_score: int = strawberry.field(description="The score just after it.")
    delta: int = strawberry.field(description="newScore minus oldScore (never 0).")
    cause: TrustChangeCause = strawberry.field(description="The event that moved the score.")
    model_version: str = strawberry.field(
        description='The trust model that computed both scores, e.g. "2026-12".'
    )

    @classmethod
    def from_record(cls, r: TrustChangeRecord) -> TrustChange:
        return cls(
            at=r.at,
            old_score=r.old_score,
            new_score=r.new_score,
            delta=r.new_score - r.old_score,
            cause=r.cause,
            model_version=r.model_version,
        )


@strawberry.type(description="A topic of an author's papers, with how many papers have it.")
class TopicWeight:
    topic: TopicRef = strawberry.field(description="The topic.")
    paper_count: int = strawberry.field(
        description="How many of the author's papers are tagged with it (1 or more)."
    )


@strawberry.type(description="A co-author and the papers shared with them.")
class Collaboration:
    author: Author = strawberry.field(description="The co-author.")
    shared_paper_count: int = strawberry.field(
        description="How many papers the two share (1 or more)."
    )
    _paper_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="Every paper the two share, newest first (not paged).")
    async def shared_papers(self, info: Info) -> list[PaperRef]:
        from api.types.paper import Paper

        papers = await info.context.loaders.paper.load_many(list(self._paper_ids))
        return [Paper.from_record(p) for p in papers if p is not None]


def _collaboration(c: CoauthorRecord) -> Collaboration:
    return Collaboration(
        author=Author.from_record(c.author),
        shared_paper_count=len(c.shared_paper_ids),
        _paper_ids=c.shared_paper_ids,
    )


@strawberry.type(description="A researcher: an imported public record, possibly claimed.")
class Author(Node):
    id: strawberry.ID = strawberry.field(
        description="The author's global id, e.g. author:hangbo-bao or author:openalex-a123."
    )
    slug: str = strawberry.field(
        description="Unique and URL-friendly, made at import from the name: lower-case words "
        "joined by hyphens (hangbo-bao), with -2, -3 … for namesakes. A corrected name keeps "
        "its slug. Query.author(slug:) finds it."
    )
    name: str = strawberry.field(
        description="The name as imported, or as a moderator corrected it."
    )
    claim_status: ClaimStatus = strawberry.field(
        description="Whether a user has claimed this record (pending or verified)."
    )
    orcid: str | None = strawberry.field(
        description="The researcher's ORCID iD from the imported source, bare (e.g. "
        "0000-0002-1825-0097, no https://orcid.org/), or null when unknown. A later import "
        "fills it in but never replaces it."
    )
    role: str | None = strawberry.field(
        description='The role the author\'s profile page prints in its header, e.g. "Researcher"; '
        "null where no page printed one (authors known only as co-authors or from OpenAlex)."
    )
    affiliation_state: AffiliationState = strawberry.field(
        description='What is known of the affiliation: the header\'s "Affiliation not imported" '
        "is NOT_IMPORTED until an import brings an institution (IMPORTED)."
    )
    open_to_collaborate: bool = strawberry.field(
        description="Whether the researcher takes invitations: imported from a profile page that "
        'prints "Open to collaborate", false where nothing is known; from then on only the '
        "author's verified claimant changes it (setOpenToCollaborate), and a re-import never "
        "undoes that. sendInvitation to an author with false is FORBIDDEN."
    )
    suggestible: bool = strawberry.field(
        description="Whether the author may appear in collaboration suggestions; true unless "
        "the verified claimant opted out (setSuggestible)."
    )
    record: strawberry.Private[AuthorRecord]

    @classmethod
    def from_record(cls, record: AuthorRecord) -> Author:
        return cls(
            id=strawberry.ID(record.id),
            slug=record.slug,
            name=record.name,
            claim_status=record.claim_status,
            orcid=record.orcid,
            role=record.role,
            affiliation_state=profile.affiliation_state(record),
            open_to_collaborate=record.open_to_collaborate,
            suggestible=record.suggestible,
            record=record,
        )

    @strawberry.field(
        description="The institution the imported source gives for this author; null when "
        "none is known."
    )
    async def affiliation(self, info: Info) -> Institution | None:
        if self.record.affiliation_id is None:
            return None
        found = await info.context.loaders.institution.load(self.record.affiliation_id)
        return Institution.from_record(found) if found else None

    @strawberry.field(description="Counts of works, followers, topics and co-authors.")
    async def stats(self, info: Info) -> AuthorStats:
        s = await info.context.loaders.stats.load(self.record.id) or EMPTY_STATS
        return AuthorStats(
            works=s.works, followers=s.followers, topics=s.topics, collaborators=s.collaborators
        )

    @strawberry.field(
        description="The trust score with the reasons for it. Public, but for nextSteps."
    )
    async def trust(self, info: Info) -> TrustSnapshot:
        stats = await info.context.loaders.stats.load(self.record.id) or EMPTY_STATS
        snap = trust_model.compute(self.record, stats)
        viewer = info.context.viewer
        claimant = viewer is not None and is_claimant_of(
            self.record.id, await info.context.loaders.claims_of_user.load(viewer.id)
        )
        steps = trust_model.next_steps(self.record, stats) if claimant else None
        return TrustSnapshot(
            score=snap.score,
            tier=snap.tier,
            verification=snap.verification,
            components=[TrustComponent(name=c.name, points=c.points, explanation=c.explanation,
                                        author_id=self.record.id)
                        for c in snap.components],
            points_to_next_tier=trust_model.points_to_next_tier(snap.score),
            next_steps=None if steps is None else [
                TrustStep(action=s.action, delta=s.delta, new_score=s.new_score,
                          new_tier=s.new_tier, why=s.why)
                for s in steps
            ],
        )  # fmt: skip

    @strawberry.field(
        description="Every change of this author's trust score, newest first, with its cause "
        "and the model version; only for the author's claimant (pending or verified), null "
        "for anyone else. Recorded: follows, unfollows, claims submitted, withdrawn, verified "
        "and rejected (only those that moved the score). Not recorded yet: changes made by "
        "imports (new works or co-authors)."
    )
    async def trust_history(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "score changes")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
    ) -> Connection[TrustChange] | None:
        viewer = info.context.viewer
        if viewer is None or not is_claimant_of(
            self.record.id, await info.context.loaders.claims_of_user.load(viewer.id)
        ):
            return None
        cut = keyset_cut(first, after, None, None, 20)
        page = await info.context.store.trust_history(self.record.id, cut.size, cut.after)
        return connection_from_page(page, TrustChange.from_record, cut.after)

    @strawberry.field(
        description="This author's papers, newest first (by year, then title; papers "
        "without a year last)."
    )
    async def papers(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "papers")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[PaperRef]:
        from api.types.paper import Paper

        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.loaders.paper_page(cut.key).load(self.record.id)
        return connection_from_page(page, Paper.from_record, cut.after)

    @strawberry.field(
        description="Every topic of this author's papers, most papers first, then by slug "
        "(not paged)."
    )
    async def topics(self, info: Info) -> list[TopicWeight]:
        from api.types.topic import Topic

        weights = await info.context.loaders.topic_weights.load(self.record.id)
        return [TopicWeight(topic=Topic.from_record(w.topic), paper_count=w.paper_count)
                for w in weights]  # fmt: skip

    @strawberry.field(
        description="The top co-authors, most shared papers first, then by name. Never the "
        "author themself."
    )
    async def coauthors(
        self, info: Info, first: Annotated[int | None, first_arg(10, "co-authors")] = 10
    ) -> list[Collaboration]:
        rows = await info.context.loaders.top_coauthors((page_size(first, 10), 0)).load(
            self.record.id
        )
        return [_collaboration(c) for c in rows]

    @strawberry.field(
        description="Co-authors as a cursor connection, most shared papers first: page "
        "forward with first/after, backward with last/before (1-100 each; 10 by default). "
        "Cursors are ranks in that order, so a page read after new papers arrive may "
        "repeat or skip a co-author whose rank moved. totalCount is stats.collaborators."
    )
    async def coauthors_connection(
        self,
        info: Info,
        first: FirstArg = strawberry.UNSET,
        after: AfterArg = strawberry.UNSET,
        last: LastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[Collaboration]:
        loaders = info.context.loaders
        stats = await loaders.stats.load(self.record.id) or EMPTY_STATS
        window = ranked_window(stats.collaborators, first, after, last, before, default=10)
        rows = (
            await loaders.top_coauthors((window.size, window.start)).load(self.record.id)
            if window.size
            else []
        )
        return window_connection([_collaboration(c) for c in rows], window, rank_cursor)

    @strawberry.field(
        description="Whether the signed-in viewer follows this author; false when anonymous."
    )
    async def viewer_is_following(self, info: Info) -> bool:
        return await info.context.loaders.viewer_follows.load(self.record.id)

    @strawberry.field(
        description="Whether the viewer could send this author an invitation now: signed in "
        "with a verified claim, this author CLAIMED by someone else and openToCollaborate, no "
        "pending invitation from the viewer to it, and under the daily limit. False when "
        "anonymous."
    )
    async def viewer_can_invite(self, info: Info) -> bool:
        return await access.viewer_can_invite(info, self.record)

    @strawberry.field(
        description="Where a field's values came from: the distinct sources of every value "
        "it has held (seed page and line, OpenAlex record, correction), the current one "
        "first. Public."
    )
    async def provenance(
        self, info: Info, field: Annotated[str, field_argument()]
    ) -> list[Provenance]:
        return await field_provenance(info, self.record, field)

    @strawberry.field(
        description="Every value a field has held, newest first: the value imported with "
        "the author, each later import that changed it, each applied correction (with its "
        "reason), and import values a correction kept out (overridden). A field never "
        "changed has one entry. Public."
    )
    async def history(
        self,
        info: Info,
        field: Annotated[str, field_argument()],
        first: Annotated[int | None, first_arg(20, "revisions")] = 20,
    ) -> list[Revision]:
        rows = await field_history(info, self.record, field, page_size(first, 20))
        return [Revision.from_record(r) for r in rows]
