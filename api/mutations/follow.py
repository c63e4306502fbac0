"""followAuthor / unfollowAuthor: idempotent, one store write each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations.flow import Answer, Changed, found_by, mutate
from api.subscriptions import AuthorUpdated
from api.types.author import Author
from api.types.connection import Edge, encode_cursor
from domain.problems import FieldPath
from graph_store.errors import Rule
from graph_store.records import AuthorRecord, NodeKind, UserRecord, utcnow

FOLLOW_FIELDS: Mapping[Rule, FieldPath | None] = {Rule.NOT_FOUND: ("authorId",)}


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


def _answer(edge: bool) -> Answer[AuthorRecord, FollowPayload]:
    def done(author: AuthorRecord) -> FollowPayload:
        node = Author.from_record(author)
        # `following` is in author sort_key order, its cursors the encoded keys.
        following_edge = Edge(cursor=encode_cursor(author.sort_key), node=node) if edge else None
        return FollowPayload(author=node, user_errors=[], following_edge=following_edge)

    return Answer(done=done, failed=lambda errors: FollowPayload(author=None, user_errors=errors))


FOLLOWED, UNFOLLOWED = _answer(edge=True), _answer(edge=False)


def _follow_changed(viewer: UserRecord, author: AuthorRecord) -> Changed:
    return Changed(author_ids=[author.id], user_ids=[viewer.id], events=[AuthorUpdated(author.id)])


async def _change(info: Info, author_id: strawberry.ID, follow: bool) -> FollowPayload:
    store = info.context.store

    async def change(viewer: UserRecord, author: AuthorRecord) -> AuthorRecord:
        if follow:
            await store.follow(viewer.id, author.id, utcnow())
        else:
            await store.unfollow(viewer.id, author.id)
        return author

    return await mutate(
        info,
        FOLLOWED if follow else UNFOLLOWED,
        # Authors are never deleted, so finding one first cannot race the write.
        target=found_by(author_id, NodeKind.AUTHOR, info.context.loaders.author.load),
        write=change,
        fields=FOLLOW_FIELDS,
        changed=_follow_changed,
    )


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
