"""The one path every mutation takes, so that a mutation states only its rule.

A mutation gives what is its own: who may call it, the record its id names,
what else is wrong with its input, the write, the field each store rule
concerns, how it answers and what its write changed. ``mutate`` runs them in
this order, and nothing is written when the answer has userErrors:

1. no viewer: UNAUTHENTICATED; a member where moderators only may act: FORBIDDEN;
2. an id that cannot name the target: NOT_FOUND, listed first with every other
   input problem in one answer; then the viewer's abuse throttle, if the
   mutation has one (RATE_LIMITED); then the target is found, and one that
   does not exist, or that the viewer may not see, is NOT_FOUND too;
3. the write: a ``RuleViolation`` (the store found a rule broken inside its
   transaction) becomes a userError at the field the mutation names for that
   rule, and ``Refused`` answers a rule the write checks on the found record;
4. after the commit: the loader entries it made stale are forgotten and the
   written record cached (the payload shows the write), live events are
   published, and the payload is built.

signUp and logIn, open to anonymous visitors, start at step 3 (``settle``);
a mutation on what the viewer owns, named by no id (setOpenToCollaborate),
takes steps 1, 3 and 4 (``mutate_own``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from api import throttle
from api.access import SENT_IN_WINDOW_KEY
from api.context import Info
from api.errors import UserError
from api.subscriptions import LiveEvent, publish
from api.throttle import Limit
from domain.problems import FieldPath, Problem, forbidden, problem_for_rule, unauthenticated
from domain.visibility import is_moderator
from graph_store.errors import Rule, RuleViolation
from graph_store.records import (
    ClaimRecord,
    CorrectionRecord,
    InvitationRecord,
    NodeKind,
    UserRecord,
    kind_of,
)

T = TypeVar("T")  # what a target's id finds
R = TypeVar("R")  # what a write returns
P = TypeVar("P")  # a payload type

Fields = Mapping[Rule, FieldPath | None]
Checks = Iterable[Problem | None] | Callable[[NodeKind | None], Iterable[Problem | None]]


class Refused(Exception):
    """Raised by a write to answer with these problems; it wrote nothing."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(*problems)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Answer(Generic[R, P]):
    """How the mutations of one payload type answer: with what a write
    returned, or with userErrors (the payload's object then null)."""

    done: Callable[[R], P]
    failed: Callable[[list[UserError]], P]


@dataclass(frozen=True, slots=True)
class Target(Generic[T]):
    """The record a mutation names by id: the kinds the id may have, and how
    to find it (None when it does not exist or is not the viewer's to see)."""

    raw_id: str
    kinds: tuple[NodeKind, ...]
    find: Callable[[str], Awaitable[T | None]]


async def _the_id(node_id: str) -> str:
    return node_id


def by_id(raw_id: str, *kinds: NodeKind) -> Target[str]:
    """A target the store looks up itself, inside the write's transaction."""
    return Target(raw_id, kinds, _the_id)


def found_by(raw_id: str, kind: NodeKind, find: Callable[[str], Awaitable[T | None]]) -> Target[T]:
    """A target read before the write; safe where what the write relies on
    cannot change meanwhile (the store still checks what can)."""
    return Target(raw_id, (kind,), find)


def the_viewer(info: Info) -> Target[UserRecord]:
    """The signed-in viewer as the target of a mutation on their own account
    (``mutate`` answers UNAUTHENTICATED first when there is none)."""
    viewer = info.context.viewer

    async def find(_: str) -> UserRecord | None:
        return viewer

    return Target(viewer.id if viewer else "", (NodeKind.USER,), find)


@dataclass(frozen=True, slots=True)
class Changed:
    """What a committed write changed: the loader entries it made stale (by
    author, user and paper id), the record to cache as written, and the live
    events to publish, in order."""

    author_ids: Sequence[str] = ()
    user_ids: Sequence[str] = ()
    paper_ids: Sequence[str] = ()
    written: ClaimRecord | InvitationRecord | CorrectionRecord | None = None
    events: Sequence[LiveEvent] = ()


NOTHING_CHANGED = Changed()


async def mutate(
    info: Info,
    answer: Answer[R, P],
    *,
    target: Target[T],
    write: Callable[[UserRecord, T], Awaitable[R]],
    fields: Fields,
    changed: Callable[[UserRecord, R], Changed],
    checks: Checks = (),
    moderators_only: str | None = None,
    limit: Limit | None = None,
) -> P:
    """A signed-in viewer's mutation; ``moderators_only`` is the FORBIDDEN
    message for a member, ``checks`` the input problems (given the kind of
    the target's id, None when it cannot name one), ``limit`` the viewer's
    abuse throttle (an attempt that passed the checks counts against it)."""
    viewer = info.context.viewer
    if viewer is None:
        return answer.failed(_user_errors([unauthenticated()]))
    if moderators_only is not None and not is_moderator(viewer):
        return answer.failed(_user_errors([forbidden(moderators_only)]))
    # An id that cannot name the target is the store's NOT_FOUND, at the same field.
    missing = problem_for_rule(Rule.NOT_FOUND, fields)
    node_id = str(target.raw_id).strip()
    kind = kind_of(node_id)
    if kind not in target.kinds:
        kind = None
    problems = [p for p in (checks(kind) if callable(checks) else checks) if p]
    if kind is None:
        problems.insert(0, missing)
    if problems:
        return answer.failed(_user_errors(problems))
    if limit is not None:
        refused = await info.context.throttle.hit(limit, viewer.id)
        if refused is not None:
            return answer.failed(_user_errors([throttle.problem(refused)]))

    async def find_and_write() -> R:
        found = await target.find(node_id)
        if found is None:
            raise Refused(missing)
        return await write(viewer, found)

    return await settle(info, answer, find_and_write, fields, lambda r: changed(viewer, r))


async def mutate_own(
    info: Info,
    answer: Answer[R, P],
    *,
    write: Callable[[UserRecord], Awaitable[R]],
    fields: Fields,
    changed: Callable[[UserRecord, R], Changed],
) -> P:
    """A signed-in viewer's mutation on what is theirs (the store finds it in
    the write's transaction): no id, so no step 2."""
    viewer = info.context.viewer
    if viewer is None:
        return answer.failed(_user_errors([unauthenticated()]))
    return await settle(info, answer, lambda: write(viewer), fields, lambda r: changed(viewer, r))


async def settle(
    info: Info,
    answer: Answer[R, P],
    write: Callable[[], Awaitable[R]],
    fields: Fields | None = None,
    changed: Callable[[R], Changed] | None = None,
) -> P:
    """Run ``write``; answer its refusal or broken store rule as userErrors,
    else, once it has committed, apply what it changed and answer with it."""
    try:
        result = await write()
    except Refused as e:
        return answer.failed(_user_errors(e.problems))
    except RuleViolation as e:
        return answer.failed(_user_errors([problem_for_rule(e.rule, fields or {})]))
    await _after_commit(info, changed(result) if changed else NOTHING_CHANGED)
    return answer.done(result)


async def _after_commit(info: Info, changed: Changed) -> None:
    loaders = info.context.loaders
    if changed.author_ids or changed.user_ids or changed.paper_ids:
        loaders.forget(
            author_ids=changed.author_ids, user_ids=changed.user_ids, paper_ids=changed.paper_ids
        )
        info.context.cache.pop(SENT_IN_WINDOW_KEY, None)
    if changed.written is not None:
        loaders.remember(changed.written)
    for event in changed.events:
        await publish(info, event)


def _user_errors(problems: Iterable[Problem]) -> list[UserError]:
    return [
        UserError(
            field=list(p.field) if p.field is not None else None,
            message=p.message,
            code=p.code,
            retry_after_seconds=p.retry_after,
        )
        for p in problems
    ]
