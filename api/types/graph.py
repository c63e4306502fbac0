"""The explorer's graph slice: nodes and edges around a centre."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.types.enums import GraphNodeKind
from api.types.node import Node
from domain.research_graph import Slice
from graph_store.records import NodeKind

_KIND = {
    NodeKind.AUTHOR: GraphNodeKind.AUTHOR,
    NodeKind.PAPER: GraphNodeKind.PAPER,
    NodeKind.TOPIC: GraphNodeKind.TOPIC,
    NodeKind.INSTITUTION: GraphNodeKind.INSTITUTION,
}


# A graph node's own id: its entity's id behind this prefix. Relay's store
# keys records by id across types, so the node must not reuse the Author's or
# Paper's id (its fields differ); the same entity is the same node in every slice.
GRAPH_NODE_PREFIX = "graphnode:"


def graph_node_id(entity_id: str) -> strawberry.ID:
    return strawberry.ID(GRAPH_NODE_PREFIX + entity_id)


@strawberry.type(description="One node of the explorer's graph, standing for an entity.")
class GraphNode:
    id: strawberry.ID = strawberry.field(
        description="This node's own id, unique across types: 'graphnode:' followed by its "
        "entity's id. Edges name nodes by it."
    )
    kind: GraphNodeKind = strawberry.field(description="What the entity is.")
    label: str = strawberry.field(
        description="A name to draw: an author's, topic's or institution's name, a paper's title."
    )
    entity_id: strawberry.Private[str]

    @strawberry.field(description="The Author, Paper, Topic or Institution it stands for.")
    async def entity(self, info: Info) -> Node:
        from api.query import load_node  # the root type imports this module

        found = await load_node(info, self.entity_id)
        if found is None:  # records of the graph are never deleted
            raise LookupError(f"graph node {self.entity_id} has no entity")
        return found


@strawberry.type(
    description="A relationship between two nodes of the slice: AUTHORED (author→paper), "
    "TAGGED (paper→topic) or AFFILIATED (author→institution)."
)
class GraphEdge:
    source: strawberry.ID = strawberry.field(
        description="The id of a GraphNode in `nodes`: the author (AUTHORED, AFFILIATED) or "
        "the paper (TAGGED)."
    )
    target: strawberry.ID = strawberry.field(
        description="The id of a GraphNode in `nodes`: the paper (AUTHORED), the topic "
        "(TAGGED) or the institution (AFFILIATED)."
    )
    kind: str = strawberry.field(description="AUTHORED, TAGGED or AFFILIATED.")
    weight: int = strawberry.field(description="Always 1 for now: each edge is one relationship.")


@strawberry.type(
    description="A slice of the research graph around a centre, for drawing. Empty when the "
    "centre is not an Author, Paper, Topic or Institution id that exists."
)
class ResearchGraph:
    nodes: list[GraphNode] = strawberry.field(
        description="The centre first, then its neighbours hop by hop, at most `limit` nodes."
    )
    edges: list[GraphEdge] = strawberry.field(
        description="The edges met walking out from the centre whose two ends are both in "
        "`nodes`, each once. Edges between two nodes of the farthest hop are not read."
    )
    truncated: bool = strawberry.field(
        description="Whether the limit cut the slice short: more nodes may lie within the depth."
    )

    @classmethod
    def from_slice(cls, s: Slice) -> ResearchGraph:
        return cls(
            nodes=[GraphNode(id=graph_node_id(n.id), kind=_KIND[n.kind], label=n.label,
                             entity_id=n.id) for n in s.nodes],
            edges=[GraphEdge(source=graph_node_id(e.source), target=graph_node_id(e.target),
                             kind=e.kind, weight=e.weight) for e in s.edges],
            truncated=s.truncated,
        )  # fmt: skip
