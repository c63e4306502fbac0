"""Hooks from the read-side types into the social layer (users, claims,
invitations, corrections). Owned by the write side; see api/mutations/."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph_store.records import AuthorRecord, NodeKind

if TYPE_CHECKING:
    from api.context import Info


async def load_social_node(info: Info, kind: NodeKind, node_id: str) -> object | None:
    """The GraphQL object for a USER/CLAIM/INVITATION/CORRECTION id, or None
    when it does not exist or the viewer may not see it."""
    raise NotImplementedError("write side: issue 3")


async def viewer_can_invite(info: Info, author: AuthorRecord) -> bool:
    """Whether the viewer could send an invitation to this author now."""
    raise NotImplementedError("write side: issue 3")
