"""Per-request DataLoaders: one store call per GraphQL level, not per row.

Each loader wraps one batch method of the GraphStore. Loaders are built per
request (their caches must not outlive it: a mutation's result must show what
it wrote), and the ones that depend on the viewer are keyed by author id with
the viewer fixed at construction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

from domain.provenance import MAX_HISTORY
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
    RevisionRecord,
    SourceRecord,
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
    """Built lazily: a request pays only for the loaders its fields use."""

    def __init__(self, store: GraphStore, viewer_id: str | None) -> None:
        self._store = store
        self._viewer_id = viewer_id

    @cached_property
    def author(self) -> DataLoader[str, AuthorRecord | None]:
        s = self._store
        return _one_each(s.get_authors)

    @cached_property
    def author_by_slug(self) -> DataLoader[str, AuthorRecord | None]:
        s = self._store
        return _one_each(s.get_authors_by_slug)

    @cached_property
    def paper(self) -> DataLoader[str, PaperRecord | None]:
        s = self._store
        return _one_each(s.get_papers)

    @cached_property
    def topic(self) -> DataLoader[str, TopicRecord | None]:
        s = self._store
        return _one_each(s.get_topics)

    @cached_property
    def topic_by_slug(self) -> DataLoader[str, TopicRecord | None]:
        s = self._store
        return _one_each(s.get_topics_by_slug)

    @cached_property
    def institution(self) -> DataLoader[str, InstitutionRecord | None]:
        s = self._store
        return _one_each(s.get_institutions)

    @cached_property
    def user(self) -> DataLoader[str, UserRecord | None]:
        s = self._store
        return _one_each(s.get_users)

    @cached_property
    def claim(self) -> DataLoader[str, ClaimRecord | None]:
        s = self._store
        return _one_each(s.get_claims)

    @cached_property
    def invitation(self) -> DataLoader[str, InvitationRecord | None]:
        s = self._store
        return _one_each(s.get_invitations)

    @cached_property
    def correction(self) -> DataLoader[str, CorrectionRecord | None]:
        s = self._store
        return _one_each(s.get_corrections)

    @cached_property
    def stats(self) -> DataLoader[str, AuthorStatsRecord | None]:
        s = self._store
        return _one_each(s.author_stats)

    @cached_property
    def paper_page(self) -> _ByArgs[tuple[int, str | None, str | None, bool], Page[PaperRecord]]:
        """By (size, after, before, from_end): api.types.connection.KeysetCut.key."""
        s = self._store
        return _ByArgs(
            lambda a: _page_each(
                lambda ids: s.paper_pages_of_authors(ids, a[0], a[1], before=a[2], from_end=a[3])
            )
        )

    @cached_property
    def authors_of_paper(self) -> DataLoader[str, list[AuthorRecord]]:
        s = self._store
        return _list_each(s.authors_of_papers)

    @cached_property
    def topics_of_paper(self) -> DataLoader[str, list[TopicRecord]]:
        s = self._store
        return _list_each(s.topics_of_papers)

    @cached_property
    def topic_paper_page(
        self,
    ) -> _ByArgs[tuple[int, str | None, str | None, bool], Page[PaperRecord]]:
        s = self._store
        return _ByArgs(
            lambda a: _page_each(
                lambda ids: s.paper_pages_of_topics(ids, a[0], a[1], before=a[2], from_end=a[3])
            )
        )

    @cached_property
    def top_authors_of_topic(self) -> _ByArgs[tuple[int, int], list[AuthorRecord]]:
        """By (page size, offset in the ranking)."""
        s = self._store
        return _ByArgs(lambda a: _list_each(lambda ids: s.authors_of_topics(ids, a[0], a[1])))

    @cached_property
    def topic_author_count(self) -> DataLoader[str, int | None]:
        s = self._store
        return _one_each(s.author_counts_of_topics)

    @cached_property
    def topic_weights(self) -> DataLoader[str, list[TopicWeightRecord]]:
        s = self._store
        return _list_each(s.topic_weights_of_authors)

    @cached_property
    def top_coauthors(self) -> _ByArgs[tuple[int, int], list[CoauthorRecord]]:
        """By (page size, offset in the ranking)."""
        s = self._store
        return _ByArgs(lambda a: _list_each(lambda ids: s.coauthors_of_authors(ids, a[0], a[1])))

    @cached_property
    def source(self) -> DataLoader[str, SourceRecord | None]:
        """An author's or paper's recorded origin."""
        s = self._store
        return _one_each(s.sources_of)

    @cached_property
    def revisions(self) -> _ByArgs[str, list[RevisionRecord]]:
        """By record field: its newest revisions (domain.provenance.MAX_HISTORY),
        so history and provenance of one field share one store call."""
        s = self._store
        return _ByArgs(lambda f: _list_each(lambda ids: s.revisions_of(ids, f, MAX_HISTORY)))

    @cached_property
    def verified_author_of_user(self) -> DataLoader[str, AuthorRecord | None]:
        s = self._store
        return _one_each(s.verified_authors_of_users)

    @cached_property
    def verified_claimant_of_author(self) -> DataLoader[str, str | None]:
        s = self._store
        return _one_each(s.verified_claimants_of_authors)

    @cached_property
    def claims_of_user(self) -> DataLoader[str, list[ClaimRecord]]:
        s = self._store
        return _list_each(s.claims_of_users)

    @cached_property
    def invitations_sent(self) -> DataLoader[str, list[InvitationRecord]]:
        s = self._store
        return _list_each(s.invitations_sent)

    @cached_property
    def invitations_received(self) -> DataLoader[str, list[InvitationRecord]]:
        s = self._store
        return _list_each(s.invitations_received)

    # Viewer-relative loaders: keyed by author id, the viewer fixed here.
    @cached_property
    def viewer_follows(self) -> DataLoader[str, bool]:
        s, viewer_id = self._store, self._viewer_id

        async def followed(keys: list[str]) -> list[bool]:
            if viewer_id is None:
                return [False] * len(keys)
            hits = await s.followed_among(viewer_id, keys)
            return [k in hits for k in keys]

        return DataLoader(load_fn=followed)

    @cached_property
    def viewer_has_pending_invite(self) -> DataLoader[str, bool]:
        s, viewer_id = self._store, self._viewer_id

        async def pending_invite(keys: list[str]) -> list[bool]:
            if viewer_id is None:
                return [False] * len(keys)
            hits = await s.pending_invitation_recipients(viewer_id, keys)
            return [k in hits for k in keys]

        return DataLoader(load_fn=pending_invite)

    # --- after a write ---------------------------------------------------------------

    def forget(
        self,
        *,
        author_ids: Sequence[str] = (),
        user_ids: Sequence[str] = (),
        paper_ids: Sequence[str] = (),
    ) -> None:
        """Drop the entries a write made stale, so its payload shows what it wrote."""
        for a in author_ids:
            _clear(a, self.author, self.stats, self.viewer_follows)
            _clear(a, self.viewer_has_pending_invite, self.verified_claimant_of_author)
        # Slug-keyed and relation caches may hold the old author record too.
        self.author_by_slug.clear_all()
        self.top_coauthors.clear_all()
        self.authors_of_paper.clear_all()
        self.top_authors_of_topic.clear_all()
        for u in user_ids:
            _clear(u, self.user, self.verified_author_of_user, self.claims_of_user)
            _clear(u, self.invitations_sent, self.invitations_received)
        if author_ids or paper_ids:
            self.revisions.clear_all()  # a correction appends revisions
        if paper_ids:
            self.paper_page.clear_all()
            self.topic_paper_page.clear_all()
            for p in paper_ids:
                _clear(p, self.paper)

    def remember(self, record: ClaimRecord | InvitationRecord | CorrectionRecord) -> None:
        """Cache a record as a write returned it (replacing what was read before)."""
        if isinstance(record, ClaimRecord):
            self.claim.prime(record.id, record, force=True)
        elif isinstance(record, InvitationRecord):
            self.invitation.prime(record.id, record, force=True)
        else:
            self.correction.prime(record.id, record, force=True)


def _clear(key: str, *loaders: DataLoader[str, Any]) -> None:
    for loader in loaders:
        # strawberry's DataLoader.clear raises KeyError for a key it never cached.
        with contextlib.suppress(KeyError):
            loader.clear(key)
