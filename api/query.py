"""The Query root: the read side of the graph."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry

from api import access
from api.context import Info
from api.errors import BadRequest
from api.types.author import Author
from api.types.claim import Claim
from api.types.collaboration import CollaborationFit, Venue, present
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
from api.types.correction import Correction
from api.types.enums import ClaimStatus, PaperKind
from api.types.graph import ResearchGraph
from api.types.institution import Institution
from api.types.invitation import Invitation
from api.types.node import Node
from api.types.paper import Paper
from api.types.search import SearchHit, hit_results, search_hits
from api.types.topic import Topic
from api.types.user import User
from domain import collaboration_fit, visibility
from domain.research_graph import research_slice
from graph_store import records as rec
from graph_store.records import NodeKind, kind_of
from graph_store.shared_rules import SEARCH_CANDIDATES

# Hits a searchConnection ranks and pages through: the store's candidate cap
# (500 per column), so it ranks the same candidates as `search` does.
SEARCH_WINDOW = SEARCH_CANDIDATES

T = TypeVar("T")


@strawberry.input(description="All given conditions must hold; text matches ignore case.")
class AuthorFilter:
    name_contains: str | None = strawberry.field(
        default=strawberry.UNSET, description='Part of the name, e.g. "li".'
    )
    topic_slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only authors with at least one paper tagged with this topic (its slug).",
    )
    claim_status: ClaimStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Only authors with this claim status."
    )


@strawberry.input(description="All given conditions must hold; text matches ignore case.")
class PaperFilter:
    title_contains: str | None = strawberry.field(
        default=strawberry.UNSET, description="Part of the title."
    )
    topic_slug: str | None = strawberry.field(
        default=strawberry.UNSET, description="Only papers tagged with this topic (its slug)."
    )
    year_from: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only papers of this year or later; papers without a year are left out.",
    )
    year_to: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only papers of this year or earlier; papers without a year are left out.",
    )
    kind: PaperKind | None = strawberry.field(
        default=strawberry.UNSET, description="Only papers of this kind."
    )


def _given(value: T | None) -> T | None:
    """None for an argument the client left out (UNSET) or sent as null."""
    return None if value is strawberry.UNSET else value


@strawberry.type
class Query:
    @strawberry.field(
        description="Any object by its global id; null if unknown, malformed or not the "
        "viewer's to see (claims, invitations, corrections)."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id, e.g. author:hangbo-bao."),
        ],
    ) -> Node | None:
        return await load_node(info, str(id))

    @strawberry.field(description="The signed-in user, or null for anonymous requests.")
    def viewer(self, info: Info) -> User | None:
        viewer = info.context.viewer
        return User.from_record(viewer) if viewer else None

    @strawberry.field(
        description="An author by id or by slug: give exactly one (else a BAD_USER_INPUT "
        "error). Null when no author has it."
    )
    async def author(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The author's global id.")
        ] = strawberry.UNSET,
        slug: Annotated[
            str | None, strawberry.argument(description="The author's slug, e.g. hangbo-bao.")
        ] = strawberry.UNSET,
    ) -> Author | None:
        id, slug = _given(id), _given(slug)
        if (id is None) == (slug is None):
            raise BadRequest("author: give exactly one of id or slug")
        loaders = info.context.loaders
        found = (
            await loaders.author.load(str(id)) if id is not None
            else await loaders.author_by_slug.load(str(slug))
        )  # fmt: skip
        return Author.from_record(found) if found else None

    @strawberry.field(description="Authors by name (ignoring case), optionally filtered.")
    async def authors(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "authors")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
        filter: Annotated[
            AuthorFilter | None,
            strawberry.argument(description="Conditions the authors must meet; omit for all."),
        ] = strawberry.UNSET,
    ) -> Connection[Author]:
        f = filter or AuthorFilter()
        spec = rec.AuthorFilterSpec(
            name_contains=_given(f.name_contains),
            topic_slug=_given(f.topic_slug),
            claim_status=_given(f.claim_status),
        )
        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.store.list_authors(
            spec, cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Author.from_record, cut.after)

    @strawberry.field(description="A paper by id; null when no paper has it.")
    async def paper(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The paper's global id.")],
    ) -> Paper | None:
        found = await info.context.loaders.paper.load(str(id))
        return Paper.from_record(found) if found else None

    @strawberry.field(
        description="Papers, newest first (by year, then title; papers without a year last), "
        "optionally filtered."
    )
    async def papers(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(20, "papers")] = 20,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
        filter: Annotated[
            PaperFilter | None,
            strawberry.argument(description="Conditions the papers must meet; omit for all."),
        ] = strawberry.UNSET,
    ) -> Connection[Paper]:
        f = filter or PaperFilter()
        spec = rec.PaperFilterSpec(
            title_contains=_given(f.title_contains),
            topic_slug=_given(f.topic_slug),
            year_from=_given(f.year_from),
            year_to=_given(f.year_to),
            kind=_given(f.kind),
        )
        cut = keyset_cut(first, after, last, before, 20)
        page = await info.context.store.list_papers(
            spec, cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Paper.from_record, cut.after)

    @strawberry.field(
        description="A topic by id or by slug: give exactly one (else a BAD_USER_INPUT "
        "error). Null when no topic has it."
    )
    async def topic(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The topic's global id.")
        ] = strawberry.UNSET,
        slug: Annotated[
            str | None,
            strawberry.argument(description="The topic's slug, e.g. knowledge-distillation."),
        ] = strawberry.UNSET,
    ) -> Topic | None:
        id, slug = _given(id), _given(slug)
        if (id is None) == (slug is None):
            raise BadRequest("topic: give exactly one of id or slug")
        loaders = info.context.loaders
        found = (
            await loaders.topic.load(str(id)) if id is not None
            else await loaders.topic_by_slug.load(str(slug))
        )  # fmt: skip
        return Topic.from_record(found) if found else None

    @strawberry.field(description="The topic vocabulary, by slug.")
    async def topics(
        self,
        info: Info,
        first: Annotated[int | None, first_arg(50, "topics")] = 50,
        after: Annotated[str | None, after_arg()] = strawberry.UNSET,
        last: KeysetLastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[Topic]:
        cut = keyset_cut(first, after, last, before, 50)
        page = await info.context.store.list_topics(
            cut.size, cut.after, before=cut.before, from_end=cut.from_end
        )
        return connection_from_page(page, Topic.from_record, cut.after)

    @strawberry.field(
        description="Authors (by name), papers (by title and abstract) and topics (by name) "
        "matching the words, ignoring case, best first. Not paged."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="Words to look for; the first 16 distinct words count. A query "
                "without words gives an empty list."
            ),
        ],
        first: Annotated[int | None, first_arg(10, "hits")] = 10,
    ) -> list[SearchHit]:
        return await search_hits(info, query, page_size(first, 10))

    @strawberry.field(
        description="Search as a cursor connection: the same hits and order as `search`, "
        f"of the best {SEARCH_WINDOW} at most (totalCount counts them). first/after "
        "forward, last/before backward (1-100 each; 10 by default); cursors are ranks."
    )
    async def search_connection(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description="Words to look for, as for `search`. A query without words gives "
                "an empty connection."
            ),
        ],
        first: FirstArg = strawberry.UNSET,
        after: AfterArg = strawberry.UNSET,
        last: LastArg = strawberry.UNSET,
        before: BeforeArg = strawberry.UNSET,
    ) -> Connection[SearchHit]:
        hits = await info.context.store.search(query, SEARCH_WINDOW) if query.strip() else []
        window = ranked_window(len(hits), first, after, last, before, default=10)
        results = await hit_results(info, hits[window.start : window.end])
        return window_connection(results, window, rank_cursor)

    @strawberry.field(
        description="The slice of the graph around a centre, for an explorer view: the nodes "
        "within `depth` hops, at most `limit` of them. Public."
    )
    async def research_graph(
        self,
        info: Info,
        center: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The id of an Author, Paper, Topic or Institution (not a GraphNode "
                "id). Any other id gives an empty graph."
            ),
        ],
        depth: Annotated[
            int | None,
            strawberry.argument(
                description="How many hops out: 1 or 2, default 1 (null means the default). "
                "Another value refuses the query with BAD_USER_INPUT."
            ),
        ] = 1,
        limit: Annotated[
            int | None,
            strawberry.argument(
                description="At most this many nodes, the centre included: 1-500, default "
                "50 (null means the default). Another value refuses the query with "
                "BAD_USER_INPUT."
            ),
        ] = 50,
    ) -> ResearchGraph:
        found = await research_slice(
            info.context.store, str(center), page_size(depth, 1), page_size(limit, 50)
        )
        return ResearchGraph.from_slice(found)

    @strawberry.field(
        description="Why two authors would work well together: a score and the reasons that "
        "make it up (common co-authors, paths through close co-authors, shared topics and "
        "venues), from public data only. Null when either id names no author, or both name "
        "the same one. Public."
    )
    async def collaboration_fit(
        self,
        info: Info,
        a: Annotated[strawberry.ID, strawberry.argument(description="One author's global id.")],
        b: Annotated[
            strawberry.ID, strawberry.argument(description="The other author's global id.")
        ],
    ) -> CollaborationFit | None:
        ids = [str(a), str(b)]
        if ids[0] == ids[1] or any(kind_of(i) is not NodeKind.AUTHOR for i in ids):
            return None
        if None in await info.context.loaders.author.load_many(ids):
            return None
        reads = await info.context.fit_cache.reads(info.context.store)
        found = await collaboration_fit.pair_fit(reads, ids[0], ids[1])
        (presented,) = await present(info, [found])
        return presented


async def load_node(info: Info, node_id: str) -> Node | None:
    """The object a global id names, or None (unknown, or not the viewer's to see)."""
    kind = kind_of(node_id)
    loaders = info.context.loaders
    viewer = info.context.viewer
    if kind is NodeKind.AUTHOR:
        a = await loaders.author.load(node_id)
        return Author.from_record(a) if a else None
    if kind is NodeKind.PAPER:
        p = await loaders.paper.load(node_id)
        return Paper.from_record(p) if p else None
    if kind is NodeKind.TOPIC:
        t = await loaders.topic.load(node_id)
        return Topic.from_record(t) if t else None
    if kind is NodeKind.INSTITUTION:
        i = await loaders.institution.load(node_id)
        return Institution.from_record(i) if i else None
    if kind is NodeKind.USER:
        u = await loaders.user.load(node_id)
        return User.from_record(u) if u else None
    if kind is NodeKind.CLAIM:
        c = await loaders.claim.load(node_id)
        return Claim.from_record(c) if c and visibility.can_see_claim(viewer, c) else None
    if kind is NodeKind.INVITATION:
        inv = await access.visible_invitation(info, node_id)
        return Invitation.from_record(inv) if inv else None
    if kind is NodeKind.VENUE:
        name = collaboration_fit.venue_name(node_id)
        found = await info.context.store.existing_venues([name]) if name else set()
        return Venue.named(name) if name and name in found else None
    if kind is NodeKind.CORRECTION:
        k = await loaders.correction.load(node_id)
        return Correction.from_record(k) if k and visibility.can_see_correction(viewer, k) else None
    return None
