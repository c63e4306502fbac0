"""followAuthor / unfollowAuthor: idempotent, one store write each."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations._common import forget, id_of, user_errors
from api.subscriptions import publish_author_updated
from api.types.author import Author
from api.types.connection import Edge, encode_cursor
from domain.problems import FieldPath, not_found, problem_for_rule, unauthenticated
from graph_store.errors import Rule, RuleViolation
from graph_store.records import NodeKind, utcnow

FIELD: FieldPath = ("authorId",)
FOLLOW_FIELDS = {Rule.NOT_FOUND: FIELD}


@strawberry.type(description="The result of following or unfollowing.")
class FollowPayload:
    author: Author | None = strawberry.field(
        description="The author, with viewerIsFollowing and stats as they are now; null when "
        "userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (nothing was written); empty on success."
    )
    following_edge: Edge[Author] | None = strawberry.field(
        default=None,
        description="After followAuthor: the author as an edge of the viewer's `following` "
        "connection, with its cursor, for Relay's @appendEdge. Null after unfollowAuthor "
        "and on failure.",
    )


AuthorIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="The author's id, e.g. author:hangbo-bao.")
]


def _failed(errors: list[UserError]) -> FollowPayload:
    return FollowPayload(author=None, user_errors=errors)


async def _change(info: Info, author_id: strawberry.ID, follow: bool) -> FollowPayload:
    viewer = info.context.viewer
    if viewer is None:
        return _failed(user_errors([unauthenticated()]))
    parsed = id_of(author_id, NodeKind.AUTHOR)
    if parsed is None:
        return _failed(user_errors([not_found(FIELD)]))
    aid = parsed[0]
    # Authors are never deleted, so this read cannot race the write below.
    author = await info.context.loaders.author.load(aid)
    if author is None:
        return _failed(user_errors([not_found(FIELD)]))
    try:
        if follow:
            await info.context.store.follow(viewer.id, aid, utcnow())
        else:
            await info.context.store.unfollow(viewer.id, aid)
    except RuleViolation as e:
        return _failed(user_errors([problem_for_rule(e.rule, FOLLOW_FIELDS)]))
    forget(info, author_ids=[aid], user_ids=[viewer.id])
    await publish_author_updated(info, aid)
    node = Author.from_record(author)
    # `following` is in author sort_key order, its cursors the encoded keys.
    edge = Edge(cursor=encode_cursor(author.sort_key), node=node) if follow else None
    return FollowPayload(author=node, user_errors=[], following_edge=edge)


@strawberry.type
class FollowMutations:
    @strawberry.mutation(
        description="Follow an author; following twice is one follow. Needs a token."
    )
    async def follow_author(self, info: Info, author_id: AuthorIdArg) -> FollowPayload:
        return await _change(info, author_id, follow=True)

    @strawberry.mutation(
        description="Stop following an author; not following is no error. Needs a token."
    )
    async def unfollow_author(self, info: Info, author_id: AuthorIdArg) -> FollowPayload:
        return await _change(info, author_id, follow=False)
