"""The Relay Node interface: every object with a global id."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global id, refetchable through Query.node.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The global id; its prefix names the kind (author:, paper:, topic:, inst:, "
        "user:, claim:, inv:, corr:, venue:). Pass it to Query.node."
    )
