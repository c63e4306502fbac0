"""What every mutation shares: the viewer check, id checks, userErrors, and
forgetting cached loader entries a write made stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from api.context import Info
from api.errors import ErrorCode, UserError
from domain.problems import Problem
from graph_store.records import NodeKind, kind_of


def user_errors(problems: Iterable[Problem]) -> list[UserError]:
    return [
        UserError(
            field=list(p.field) if p.field is not None else None,
            message=p.message,
            code=ErrorCode(p.code.value),
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
            author_loader.clear(a)
    # Slug-keyed and relation caches may hold the old author record too.
    loaders.author_by_slug.clear_all()
    loaders.coauthors.clear_all()
    loaders.authors_of_paper.clear_all()
    loaders.authors_of_topic.clear_all()
    for u in user_ids:
        loaders.user.clear(u)
        loaders.verified_author_of_user.clear(u)
        loaders.claims_of_user.clear(u)
        loaders.invitations_sent.clear(u)
        loaders.invitations_received.clear(u)
    for c in claim_ids:
        loaders.claim.clear(c)
    for i in invitation_ids:
        loaders.invitation.clear(i)
    for k in correction_ids:
        loaders.correction.clear(k)
    if paper_ids:
        loaders.papers_of_author.clear_all()
        loaders.papers_of_topic.clear_all()
        for p in paper_ids:
            loaders.paper.clear(p)
    info.context.cache.clear()
