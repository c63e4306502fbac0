"""Collaboration fit and suggested collaborators (domain/collaboration_fit.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import strawberry

from api.context import Info
from api.types.author import Author
from api.types.enums import FitKind
from api.types.node import Node
from api.types.topic import Topic
from domain import collaboration_fit as fitting
from graph_store.records import AuthorRecord, NodeKind, TopicRecord, kind_of


@strawberry.type(
    description="A venue (journal, conference, preprint server) papers were published at, "
    "as imported: a property of papers, named by its exact name."
)
class Venue(Node):
    id: strawberry.ID = strawberry.field(
        description="venue: followed by the exact name, percent-encoded (venue:Venue%2012)."
    )
    name: str = strawberry.field(description="The venue's name as imported.")

    @classmethod
    def named(cls, name: str) -> Venue:
        return cls(id=strawberry.ID(fitting.venue_id(name)), name=name)


@strawberry.type(description="One reason two researchers would fit, with its part of the score.")
class FitReason:
    kind: FitKind = strawberry.field(description="What the reason rests on.")
    weight: float = strawberry.field(
        description="Its part of the score (above 0); the reasons' weights add up to the score."
    )
    text: str = strawberry.field(
        description='One English line, e.g. "2 co-authors in common: Ana Li and Ben Kim".'
    )
    via: list[Node] = strawberry.field(
        description="The nodes it rests on, strongest first, at most 10: the common "
        "co-authors (Author), each path's two co-authors in turn (Author: the first's side, "
        "then the second's), the shared topics (Topic) or venues (Venue)."
    )


@strawberry.type(
    description="Why two researchers would work well together: the score and its reasons, "
    "computed from public co-authorship, topics and venues only."
)
class CollaborationFit:
    score: float = strawberry.field(
        description="0 or more, higher is a better fit: the sum of the reasons' weights."
    )
    reasons: list[FitReason] = strawberry.field(
        description="Highest weight first; empty when nothing connects the two."
    )


@strawberry.type(description="An author the viewer has not written with, and why they fit.")
class CollaboratorSuggestion:
    author: Author = strawberry.field(description="The suggested author.")
    fit: CollaborationFit = strawberry.field(description="The fit between the two.")


async def present(info: Info, fits: Sequence[fitting.Fit]) -> list[CollaborationFit]:
    """The GraphQL objects of these fits: their via nodes read in two batches."""
    ids = list(dict.fromkeys(n for f in fits for r in f.reasons for n in r.via))
    loaders = info.context.loaders
    author_ids = [i for i in ids if kind_of(i) is NodeKind.AUTHOR]
    topic_ids = [i for i in ids if kind_of(i) is NodeKind.TOPIC]
    authors, topics = await asyncio.gather(
        loaders.author.load_many(author_ids), loaders.topic.load_many(topic_ids)
    )
    nodes: dict[str, Node] = {}
    labels: dict[str, str] = {}
    for a in authors:
        if isinstance(a, AuthorRecord):
            nodes[a.id], labels[a.id] = Author.from_record(a), a.name
    for t in topics:
        if isinstance(t, TopicRecord):
            nodes[t.id], labels[t.id] = Topic.from_record(t), t.name
    for i in ids:
        name = fitting.venue_name(i)
        if name is not None:
            nodes[i], labels[i] = Venue.named(name), name
    return [
        CollaborationFit(
            score=f.score,
            reasons=[
                FitReason(
                    kind=r.kind,
                    weight=r.weight,
                    text=fitting.explain(r, lambda i: labels.get(i, i)),
                    via=[nodes[n] for n in r.via if n in nodes],
                )
                for r in f.reasons
            ],
        )
        for f in fits
    ]
