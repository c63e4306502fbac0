"""Author and what hangs off it: stats, trust, topics, co-authors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.context import Info
from api.types import social
from api.types.connection import (
    Connection,
    connection_from_page,
    decode_cursor,
    page_size,
    rank_cursor,
    rank_of,
    select_window,
    window_connection,
)
from api.types.enums import ClaimStatus, TrustTier, VerificationLevel
from api.types.institution import Institution
from api.types.node import Node
from domain import trust as trust_model
from graph_store.records import AuthorRecord, AuthorStatsRecord, CoauthorRecord

if TYPE_CHECKING:
    from api.types.paper import Paper
    from api.types.topic import Topic

PaperRef = Annotated["Paper", strawberry.lazy("api.types.paper")]
TopicRef = Annotated["Topic", strawberry.lazy("api.types.topic")]

EMPTY_STATS = AuthorStatsRecord(0, 0, 0, 0)


@strawberry.type(description="Counts of what the graph holds for this author.")
class AuthorStats:
    works: int
    followers: int
    topics: int
    collaborators: int


@strawberry.type(description="One reason for the trust score, with the points it adds.")
class TrustComponent:
    name: str
    points: int
    explanation: str


@strawberry.type(description="The explainable trust score; components add up to the score.")
class TrustSnapshot:
    score: int
    tier: TrustTier
    verification: VerificationLevel
    components: list[TrustComponent]


@strawberry.type
class TopicWeight:
    topic: TopicRef
    paper_count: int


@strawberry.type(description="A co-author and the papers shared with them.")
class Collaboration:
    author: Author
    shared_paper_count: int
    _paper_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field
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
    id: strawberry.ID
    slug: str
    name: str
    claim_status: ClaimStatus
    orcid: str | None = strawberry.field(
        description="The researcher's ORCID iD from the imported source, or null when "
        "unknown. A later import fills it in but never replaces it."
    )
    record: strawberry.Private[AuthorRecord]

    @classmethod
    def from_record(cls, record: AuthorRecord) -> Author:
        return cls(
            id=strawberry.ID(record.id),
            slug=record.slug,
            name=record.name,
            claim_status=ClaimStatus(record.claim_status.value),
            orcid=record.orcid,
            record=record,
        )

    @strawberry.field
    async def affiliation(self, info: Info) -> Institution | None:
        if self.record.affiliation_id is None:
            return None
        found = await info.context.loaders.institution.load(self.record.affiliation_id)
        return Institution.from_record(found) if found else None

    @strawberry.field
    async def stats(self, info: Info) -> AuthorStats:
        s = await info.context.loaders.stats.load(self.record.id) or EMPTY_STATS
        return AuthorStats(
            works=s.works, followers=s.followers, topics=s.topics, collaborators=s.collaborators
        )

    @strawberry.field
    async def trust(self, info: Info) -> TrustSnapshot:
        stats = await info.context.loaders.stats.load(self.record.id) or EMPTY_STATS
        snap = trust_model.compute(self.record, stats)
        return TrustSnapshot(
            score=snap.score,
            tier=TrustTier(snap.tier.value),
            verification=VerificationLevel(snap.verification.value),
            components=[TrustComponent(name=c.name, points=c.points, explanation=c.explanation)
                        for c in snap.components],
        )  # fmt: skip

    @strawberry.field
    async def papers(
        self, info: Info, first: int | None = 20, after: str | None = strawberry.UNSET
    ) -> Connection[PaperRef]:
        from api.types.paper import Paper

        loader = info.context.loaders.paper_page((page_size(first, 20), decode_cursor(after)))
        page = await loader.load(self.record.id)
        return connection_from_page(page, Paper.from_record, after)

    @strawberry.field(description="Topics of this author's papers, most papers first.")
    async def topics(self, info: Info) -> list[TopicWeight]:
        from api.types.topic import Topic

        weights = await info.context.loaders.topic_weights.load(self.record.id)
        return [TopicWeight(topic=Topic.from_record(w.topic), paper_count=w.paper_count)
                for w in weights]  # fmt: skip

    @strawberry.field(description="Co-authors, most shared papers first.")
    async def coauthors(self, info: Info, first: int | None = 10) -> list[Collaboration]:
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
        first: int | None = strawberry.UNSET,
        after: str | None = strawberry.UNSET,
        last: int | None = strawberry.UNSET,
        before: str | None = strawberry.UNSET,
    ) -> Connection[Collaboration]:
        loaders = info.context.loaders
        stats = await loaders.stats.load(self.record.id) or EMPTY_STATS
        window = select_window(
            stats.collaborators, first, rank_of(after), last, rank_of(before), default=10
        )
        rows = (
            await loaders.top_coauthors((window.size, window.start)).load(self.record.id)
            if window.size
            else []
        )
        return window_connection([_collaboration(c) for c in rows], window, rank_cursor)

    @strawberry.field
    async def viewer_is_following(self, info: Info) -> bool:
        return await info.context.loaders.viewer_follows.load(self.record.id)

    @strawberry.field(description="Whether the viewer could send this author an invitation now.")
    async def viewer_can_invite(self, info: Info) -> bool:
        return await social.viewer_can_invite(info, self.record)
