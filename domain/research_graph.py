"""The explorer's slice of the graph around a centre node.

Breadth-first from the centre, one batch store read per hop plus one for the
labels, so a slice costs depth + 1 store calls whatever its size. Nodes are
kept centre first, then hop by hop (within a hop in a stable order), up to
``limit``; an edge is kept only when both of its ends are.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_store.records import GraphEdgeRecord, NodeKind, kind_of
from graph_store.store import GraphStore

GRAPH_KINDS = frozenset({NodeKind.AUTHOR, NodeKind.PAPER, NodeKind.TOPIC, NodeKind.INSTITUTION})
MIN_DEPTH, MAX_DEPTH = 1, 2
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SliceNode:
    id: str
    kind: NodeKind
    label: str


@dataclass(frozen=True, slots=True)
class Slice:
    nodes: tuple[SliceNode, ...]
    edges: tuple[GraphEdgeRecord, ...]
    truncated: bool


EMPTY = Slice((), (), False)


async def research_slice(store: GraphStore, center: str, depth: int, limit: int) -> Slice:
    if kind_of(center) not in GRAPH_KINDS:
        return EMPTY
    order: list[str] = [center]
    seen = {center}
    edges: dict[tuple[str, str, str], GraphEdgeRecord] = {}
    frontier = [center]
    for _ in range(depth):
        if not frontier:
            break
        hop_edges = await store.graph_edges(frontier)
        found: set[str] = set()
        for e in hop_edges:
            edges.setdefault((e.source, e.target, e.kind), e)
            for end in (e.source, e.target):
                if end not in seen:
                    found.add(end)
        frontier = sorted(found, key=_hop_order)
        seen.update(frontier)
        order.extend(frontier)

    kept = order[:limit]
    labels = await store.node_labels(kept)
    if center not in labels:
        return EMPTY
    kept_set = set(kept)
    nodes = tuple(
        SliceNode(node_id, kind, labels[node_id])
        for node_id in kept
        if node_id in labels and (kind := kind_of(node_id)) is not None
    )
    kept_edges = tuple(e for e in edges.values() if e.source in kept_set and e.target in kept_set)
    return Slice(nodes, kept_edges, truncated=len(order) > limit)


_KIND_ORDER = {NodeKind.PAPER: 0, NodeKind.AUTHOR: 1, NodeKind.TOPIC: 2, NodeKind.INSTITUTION: 3}


def _hop_order(node_id: str) -> tuple[int, str]:
    kind = kind_of(node_id)
    return (_KIND_ORDER.get(kind, 9) if kind else 9, node_id)
