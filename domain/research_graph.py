"""The explorer's slice of the graph around a centre node.

Breadth-first from the centre, one batch store read per hop plus one for the
labels, so a slice costs at most depth + 1 store calls whatever its size.
Nodes are kept centre first, then hop by hop (within a hop in a stable order),
up to ``limit``; an edge is kept only when both of its ends are. The search
stays within the limit: only kept nodes are expanded, and once the limit is
reached no further hop is read (a hub's 2,000 papers are never expanded to
show 50 nodes).
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
    truncated = False
    for _ in range(depth):
        if not frontier:
            break
        if len(order) >= limit:
            truncated = True  # a hop not read: the slice may miss nodes
            break
        hop_edges = await store.graph_edges(frontier)
        found: set[str] = set()
        for e in hop_edges:
            edges.setdefault((e.source, e.target, e.kind), e)
            for end in (e.source, e.target):
                if end not in seen:
                    found.add(end)
        ranked = sorted(found, key=_hop_order)
        # Only nodes within the limit are kept, so only they are expanded.
        frontier = ranked[: limit - len(order)]
        truncated = truncated or len(frontier) < len(ranked)
        seen.update(ranked)
        order.extend(frontier)

    kept = order
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
    return Slice(nodes, kept_edges, truncated=truncated)


_KIND_ORDER = {NodeKind.PAPER: 0, NodeKind.AUTHOR: 1, NodeKind.TOPIC: 2, NodeKind.INSTITUTION: 3}


def _hop_order(node_id: str) -> tuple[int, str]:
    kind = kind_of(node_id)
    return (_KIND_ORDER.get(kind, 9) if kind else 9, node_id)
