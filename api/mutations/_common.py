"""What every mutation shares: the viewer check, id checks, userErrors, and
forgetting cached loader entries a write made stale."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from api.access import SENT_IN_WINDOW_KEY
from api.context import Info
from api.errors import UserError
from domain.problems import FieldPath, Problem, not_found
from graph_store.records import NodeKind, kind_of


def user_errors(problems: Iterable[Problem]) -> list[UserError]:
    return [
        UserError(
            field=list(p.field) if p.field is not None else None,
            message=p.message,
            code=p.code,
        )
        for p in problems
    ]


def id_of(raw: str, *kinds: NodeKind) -> tuple[str, NodeKind] | None:
    """The id and its kind when it names one of ``kinds``; None otherwise
    (such an id cannot exist, so the caller answers NOT_FOUND)."""
    node_id = str(raw).strip()
    kind = kind_of(node_id)
    if kind is None or kind not in kinds:
        return None
    return node_id, kind


def input_problems(
    parsed: tuple[str, NodeKind] | None,
    not_found_field: FieldPath | None,
    problems: Iterable[Problem | None],
) -> list[Problem]:
    """Everything wrong with a mutation's input, an impossible id first, so one
    answer lists it all (and the caller writes nothing when the list is not empty)."""
    found = [p for p in problems if p]
    if parsed is None:
        found.insert(0, not_found(not_found_field))
    return found


def _clear(loader: DataLoader[str, Any], key: str) -> None:
    # strawberry's DataLoader.clear raises KeyError for a key it never cached.
    with contextlib.suppress(KeyError):
        loader.clear(key)


def forget(
    info: Info,
    *,
    author_ids: Sequence[str] = (),
    user_ids: Sequence[str] = (),
    claim_ids: Sequence[str] = (),
    invitation_ids: Sequence[str] = (),
    correction_ids: Sequence[str] = (),
    paper_ids: Sequence[str] = (),
) -> None:
    """Drop per-request cache entries a write changed, so the payload shows it."""
    loaders = info.context.loaders
    for a in author_ids:
        for author_loader in (
            loaders.author,
            loaders.stats,
            loaders.viewer_follows,
            loaders.viewer_has_pending_invite,
            loaders.verified_claimant_of_author,
        ):
            _clear(author_loader, a)
    # Slug-keyed and relation caches may hold the old author record too.
    loaders.author_by_slug.clear_all()
    loaders.top_coauthors.clear_all()
    loaders.authors_of_paper.clear_all()
    loaders.top_authors_of_topic.clear_all()
    for u in user_ids:
        _clear(loaders.user, u)
        _clear(loaders.verified_author_of_user, u)
        _clear(loaders.claims_of_user, u)
        _clear(loaders.invitations_sent, u)
        _clear(loaders.invitations_received, u)
    for c in claim_ids:
        _clear(loaders.claim, c)
    for i in invitation_ids:
        _clear(loaders.invitation, i)
    for k in correction_ids:
        _clear(loaders.correction, k)
    if paper_ids:
        loaders.paper_page.clear_all()
        loaders.topic_paper_page.clear_all()
        for p in paper_ids:
            _clear(loaders.paper, p)
    info.context.cache.pop(SENT_IN_WINDOW_KEY, None)
