"""Search hits over authors, papers and topics."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated

import strawberry

from api.context import Info
from api.types.author import Author
from api.types.paper import Paper
from api.types.topic import Topic
from graph_store.records import NodeKind, SearchHitRecord, kind_of

SearchResult = Annotated[
    Author | Paper | Topic,
    strawberry.union(
        "SearchResult", description="What a search found: an author, a paper or a topic."
    ),
]


@strawberry.type(description="One search result with its relevance.")
class SearchHit:
    score: float = strawberry.field(
        description="Relevance, above 0 and at most 4: 4 for an exact name or title (punctuation "
        "aside), 1 to 2.75 when words hit a name or title, below 0.5 when they hit only an "
        "abstract. Equal scores list authors, then topics, then papers."
    )
    result: SearchResult = strawberry.field(description="The author, paper or topic found.")


async def search_hits(info: Info, query: str, first: int) -> list[SearchHit]:
    if not query.strip():
        return []
    return await hit_results(info, await info.context.store.search(query, first))


async def hit_results(info: Info, hits: Sequence[SearchHitRecord]) -> list[SearchHit]:
    """The GraphQL hits of store hits, their entities loaded in one call per kind."""
    loaders = info.context.loaders
    wanted = [(h, kind_of(h.node_id)) for h in hits]
    # Gathered, so each kind's loader makes one batched store call.
    authors, papers, topics = await asyncio.gather(
        loaders.author.load_many([h.node_id for h, k in wanted if k is NodeKind.AUTHOR]),
        loaders.paper.load_many([h.node_id for h, k in wanted if k is NodeKind.PAPER]),
        loaders.topic.load_many([h.node_id for h, k in wanted if k is NodeKind.TOPIC]),
    )
    found: dict[str, Author | Paper | Topic] = {}
    found.update({a.id: Author.from_record(a) for a in authors if a})
    found.update({p.id: Paper.from_record(p) for p in papers if p})
    found.update({t.id: Topic.from_record(t) for t in topics if t})
    return [SearchHit(score=h.score, result=found[h.node_id]) for h in hits if h.node_id in found]
