"""Per-request DataLoaders: one store call per GraphQL level, not per row.

Each loader wraps one batch method of the GraphStore. Loaders are built per
request (their caches must not outlive it: a mutation's result must show what
it wrote), and the ones that depend on the viewer are keyed by author id with
the viewer fixed at construction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from strawberry.dataloader import DataLoader

from graph_store.records import (
    AuthorRecord,
    AuthorStatsRecord,
    ClaimRecord,
    CoauthorRecord,
    CorrectionRecord,
    InstitutionRecord,
    InvitationRecord,
    Page,
    PaperRecord,
    TopicRecord,
    TopicWeightRecord,
    UserRecord,
)
from graph_store.store import GraphStore

K = TypeVar("K")
V = TypeVar("V")


def _one_each(
    fetch: Callable[[Sequence[str]], Awaitable[dict[str, V]]],
) -> DataLoader[str, V | None]:
    async def load(keys: list[str]) -> list[V | None]:
        found = await fetch(keys)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _list_each(
    fetch: Callable[[Sequence[str]], Awaitable[dict[str, list[V]]]],
) -> DataLoader[str, list[V]]:
    async def load(keys: list[str]) -> list[list[V]]:
        found = await fetch(keys)
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


A = TypeVar("A", bound=Hashable)


def _page_each(
    fetch: Callable[[Sequence[str]], Awaitable[dict[str, Page[V]]]],
) -> DataLoader[str, Page[V]]:
    async def load(keys: list[str]) -> list[Page[V]]:
        found = await fetch(keys)
        return [found.get(k, Page(items=(), total=0, has_next=False)) for k in keys]

    return DataLoader(load_fn=load)


class _ByArgs(Generic[A, V]):
    """One DataLoader per argument value (a page size, a cursor): the rows of
    one GraphQL level share their arguments, so a level is still one store call."""

    def __init__(self, make: Callable[[A], DataLoader[str, V]]) -> None:
        self._make = make
        self._loaders: dict[A, DataLoader[str, V]] = {}

    def __call__(self, args: A) -> DataLoader[str, V]:
        loader = self._loaders.get(args)
        if loader is None:
            loader = self._loaders[args] = self._make(args)
        return loader

    def clear_all(self) -> None:
        self._loaders.clear()


class Loaders:
    def __init__(self, store: GraphStore, viewer_id: str | None) -> None:
        s = store
        self.author: DataLoader[str, AuthorRecord | None] = _one_each(s.get_authors)
        self.author_by_slug: DataLoader[str, AuthorRecord | None] = _one_each(s.get_authors_by_slug)
        self.paper: DataLoader[str, PaperRecord | None] = _one_each(s.get_papers)
        self.topic: DataLoader[str, TopicRecord | None] = _one_each(s.get_topics)
        self.topic_by_slug: DataLoader[str, TopicRecord | None] = _one_each(s.get_topics_by_slug)
        self.institution: DataLoader[str, InstitutionRecord | None] = _one_each(s.get_institutions)
        self.user: DataLoader[str, UserRecord | None] = _one_each(s.get_users)
        self.claim: DataLoader[str, ClaimRecord | None] = _one_each(s.get_claims)
        self.invitation: DataLoader[str, InvitationRecord | None] = _one_each(s.get_invitations)
        self.correction: DataLoader[str, CorrectionRecord | None] = _one_each(s.get_corrections)

        self.stats: DataLoader[str, AuthorStatsRecord | None] = _one_each(s.author_stats)
        # Pages cut in the store, keyed by (first, after): a hub author's other
        # papers never leave it.
        self.paper_page: _ByArgs[tuple[int, str | None], Page[PaperRecord]] = _ByArgs(
            lambda a: _page_each(lambda ids: s.paper_pages_of_authors(ids, a[0], a[1]))
        )
        self.authors_of_paper: DataLoader[str, list[AuthorRecord]] = _list_each(s.authors_of_papers)
        self.topics_of_paper: DataLoader[str, list[TopicRecord]] = _list_each(s.topics_of_papers)
        self.topic_paper_page: _ByArgs[tuple[int, str | None], Page[PaperRecord]] = _ByArgs(
            lambda a: _page_each(lambda ids: s.paper_pages_of_topics(ids, a[0], a[1]))
        )
        self.top_authors_of_topic: _ByArgs[int, list[AuthorRecord]] = _ByArgs(
            lambda first: _list_each(lambda ids: s.authors_of_topics(ids, first))
        )
        self.topic_weights: DataLoader[str, list[TopicWeightRecord]] = _list_each(
            s.topic_weights_of_authors
        )
        self.top_coauthors: _ByArgs[int, list[CoauthorRecord]] = _ByArgs(
            lambda first: _list_each(lambda ids: s.coauthors_of_authors(ids, first))
        )

        self.verified_author_of_user: DataLoader[str, AuthorRecord | None] = _one_each(
            s.verified_authors_of_users
        )
        self.verified_claimant_of_author: DataLoader[str, str | None] = _one_each(
            s.verified_claimants_of_authors
        )
        self.claims_of_user: DataLoader[str, list[ClaimRecord]] = _list_each(s.claims_of_users)
        self.invitations_sent: DataLoader[str, list[InvitationRecord]] = _list_each(
            s.invitations_sent
        )
        self.invitations_received: DataLoader[str, list[InvitationRecord]] = _list_each(
            s.invitations_received
        )

        # Viewer-relative loaders: keyed by author id, the viewer fixed here.
        async def followed(keys: list[str]) -> list[bool]:
            if viewer_id is None:
                return [False] * len(keys)
            hits = await s.followed_among(viewer_id, keys)
            return [k in hits for k in keys]

        async def pending_invite(keys: list[str]) -> list[bool]:
            if viewer_id is None:
                return [False] * len(keys)
            hits = await s.pending_invitation_recipients(viewer_id, keys)
            return [k in hits for k in keys]

        self.viewer_follows: DataLoader[str, bool] = DataLoader(load_fn=followed)
        self.viewer_has_pending_invite: DataLoader[str, bool] = DataLoader(load_fn=pending_invite)
