"""setOpenToCollaborate and setSuggestible: the verified claimant's settings
of their own author, one flow for both (the store finds the viewer's
verified author inside the write's transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import UserError
from api.mutations.flow import Answer, Changed, mutate_own
from api.subscriptions import AuthorUpdated
from api.types.author import Author
from domain.problems import FieldPath
from graph_store.decisions import AuthorSettings
from graph_store.errors import Rule
from graph_store.records import AuthorRecord, UserRecord

# The viewer holds no verified author: the refusal concerns no argument.
SETTINGS_FIELDS: Mapping[Rule, FieldPath | None] = {Rule.NO_VERIFIED_AUTHOR: None}


@strawberry.type(description="The result of changing a setting of the viewer's own author.")
class AuthorSettingsPayload:
    author: Author | None = strawberry.field(
        description="The viewer's verified author as it is now; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed (nothing was written); empty on success. UNAUTHENTICATED "
        "without a token; FORBIDDEN when the viewer holds no verified claim."
    )


SETTINGS: Answer[AuthorRecord, AuthorSettingsPayload] = Answer(
    done=lambda author: AuthorSettingsPayload(author=Author.from_record(author), user_errors=[]),
    failed=lambda errors: AuthorSettingsPayload(author=None, user_errors=errors),
)


def _settings_changed(viewer: UserRecord, author: AuthorRecord) -> Changed:
    return Changed(author_ids=[author.id], events=[AuthorUpdated(author.id)])


async def _set(info: Info, settings: AuthorSettings) -> AuthorSettingsPayload:
    store = info.context.store

    async def write(viewer: UserRecord) -> AuthorRecord:
        return await store.set_author_settings(viewer.id, settings)

    return await mutate_own(
        info, SETTINGS, write=write, fields=SETTINGS_FIELDS, changed=_settings_changed
    )


OpenArg = Annotated[
    bool,
    strawberry.argument(
        description="true: invitations may be sent; false: sendInvitation is FORBIDDEN."
    ),
]
SuggestibleArg = Annotated[
    bool,
    strawberry.argument(description="true: the author may be suggested; false: never suggested."),
]


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(
        description="Open or close the viewer's verified author to invitations "
        "(Author.openToCollaborate). Acts on the author the viewer holds a verified claim on; "
        "FORBIDDEN without one. Setting the value it has is no error. Needs a token."
    )
    async def set_open_to_collaborate(
        self,
        info: Info,
        open: OpenArg,
    ) -> AuthorSettingsPayload:
        return await _set(info, AuthorSettings(open_to_collaborate=open))

    @strawberry.mutation(
        description="Let the viewer's verified author appear in collaboration suggestions, "
        "or opt out (Author.suggestible). Acts on the author the viewer holds a verified "
        "claim on; FORBIDDEN without one. Needs a token."
    )
    async def set_suggestible(
        self,
        info: Info,
        suggestible: SuggestibleArg,
    ) -> AuthorSettingsPayload:
        return await _set(info, AuthorSettings(suggestible=suggestible))
