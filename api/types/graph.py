"""The explorer's graph slice: nodes and edges around a centre."""

from __future__ import annotations

import strawberry

from api.types.enums import GraphNodeKind
from domain.research_graph import Slice
from graph_store.records import NodeKind

_KIND = {
    NodeKind.AUTHOR: GraphNodeKind.AUTHOR,
    NodeKind.PAPER: GraphNodeKind.PAPER,
    NodeKind.TOPIC: GraphNodeKind.TOPIC,
    NodeKind.INSTITUTION: GraphNodeKind.INSTITUTION,
}


@strawberry.type
class GraphNode:
    id: strawberry.ID
    kind: GraphNodeKind
    label: str


@strawberry.type(description="AUTHORED (author→paper), TAGGED (paper→topic), AFFILIATED.")
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    kind: str
    weight: int


@strawberry.type
class ResearchGraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool

    @classmethod
    def from_slice(cls, s: Slice) -> ResearchGraph:
        return cls(
            nodes=[GraphNode(id=strawberry.ID(n.id), kind=_KIND[n.kind], label=n.label)
                   for n in s.nodes],
            edges=[GraphEdge(source=strawberry.ID(e.source), target=strawberry.ID(e.target),
                             kind=e.kind, weight=e.weight) for e in s.edges],
            truncated=s.truncated,
        )  # fmt: skip
