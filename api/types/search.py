"""Search hits over authors, papers and topics."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from api.context import Info
from api.types.author import Author
from api.types.paper import Paper
from api.types.topic import Topic
from graph_store.records import NodeKind, kind_of

SearchResult = Annotated[Author | Paper | Topic, strawberry.union("SearchResult")]


@strawberry.type
class SearchHit:
    score: float
    result: SearchResult


async def search_hits(info: Info, query: str, first: int) -> list[SearchHit]:
    if not query.strip():
        return []
    hits = await info.context.store.search(query, first)
    loaders = info.context.loaders
    loader_of = {NodeKind.AUTHOR: loaders.author, NodeKind.PAPER: loaders.paper,
                 NodeKind.TOPIC: loaders.topic}  # fmt: skip
    convert = {NodeKind.AUTHOR: Author.from_record, NodeKind.PAPER: Paper.from_record,
               NodeKind.TOPIC: Topic.from_record}  # fmt: skip
    wanted = [(h, k) for h in hits if (k := kind_of(h.node_id)) in loader_of]
    # Gathered, so the three loaders each make one batched store call.
    records = await asyncio.gather(*(loader_of[k].load(h.node_id) for h, k in wanted))
    return [
        SearchHit(score=h.score, result=convert[k](r))  # type: ignore[arg-type]
        for (h, k), r in zip(wanted, records, strict=True)
        if r is not None
    ]
