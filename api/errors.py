"""Errors clients see: userErrors for expected mutation failures, GraphQL
errors for bad requests (never masked, never a stack trace), and the one
masked SERVICE_UNAVAILABLE error for a database that cannot answer now."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError

from api.types.enums import ErrorCode
from graph_store.errors import StoreUnavailable

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
# The codes of GraphQL errors (``errors[].extensions.code``), besides the
# ones raised with their code (BadRequest, limits, SERVICE_UNAVAILABLE):
# Apollo's names, which client libraries already know.
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
UNAVAILABLE_MESSAGE = "The database is unavailable right now; try again shortly."


@strawberry.type(description="An expected failure of a mutation; nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='The path of the argument at fault, e.g. ["input", "email"] or '
        '["authorId"]; null when no single field is (UNAUTHENTICATED, RATE_LIMITED, ...).'
    )
    message: str = strawberry.field(
        description="What went wrong, in English, fit to show the user."
    )
    code: ErrorCode = strawberry.field(description="The kind of failure, for program logic.")
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="RATE_LIMITED: the seconds to wait before the same attempt can succeed "
        "(as HTTP's Retry-After); null for every other code.",
    )


class BadRequest(GraphQLError):
    """A request the server refuses as asked (bad argument, over a limit).

    Shown to the client as is; the error masker lets this class through.
    """

    def __init__(self, message: str, code: str = BAD_USER_INPUT) -> None:
        super().__init__(message, extensions={"code": code})


class RequestRefused(GraphQLError):
    """A whole request refused before execution, with the HTTP status and
    headers of its answer (persisted-query refusals, HTTP 429)."""

    def __init__(
        self, message: str, code: str, status: int, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message, extensions={"code": code})
        self.status = status
        self.headers = dict(headers or {})


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means "the database cannot answer now" (not a bug)."""
    return isinstance(error, StoreUnavailable)


def unavailable_error(error: GraphQLError | None = None) -> GraphQLError:
    """The client's view of an outage: a fixed message and code, never driver text.

    Used both for a failing field (``error`` gives its path and location) and for
    a request that fails before execution (no ``error``).
    """
    return GraphQLError(
        UNAVAILABLE_MESSAGE,
        nodes=error.nodes if error else None,
        source=error.source if error else None,
        positions=error.positions if error else None,
        path=error.path if error else None,
        extensions={"code": SERVICE_UNAVAILABLE},
    )


def error_code(error: GraphQLError) -> str:
    """The code of an error raised without one."""
    if isinstance(error, GraphQLSyntaxError):
        return PARSE_FAILED
    if error.path is None:
        # Before execution: graphql-core's variable coercion messages start so.
        return BAD_USER_INPUT if error.message.startswith("Variable '$") else VALIDATION_FAILED
    # At a field, and not ours (ours carry codes): a non-null violation or a
    # masked exception, a server-side fault either way.
    return INTERNAL_SERVER_ERROR


def with_code(error: GraphQLError) -> GraphQLError:
    """``error`` with an ``extensions.code`` (its own, else ``error_code``)."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": error_code(error)}
    return error


def is_request_error(errors: list[GraphQLError]) -> bool:
    """Whether these errors stopped a request before execution (parse,
    validation, variables, limits): none has a field path."""
    return bool(errors) and all(e.path is None for e in errors)
