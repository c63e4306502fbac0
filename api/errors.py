"""Errors clients see: userErrors for expected mutation failures, and
GraphQL errors for bad requests (never masked, never a stack trace)."""

from __future__ import annotations

import enum

import strawberry
from graphql import GraphQLError


@strawberry.enum(description="Why a mutation did not happen.")
class ErrorCode(enum.Enum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"


@strawberry.type(description="An expected failure of a mutation; nothing was written.")
class UserError:
    field: list[str] | None
    message: str
    code: ErrorCode


def user_error(code: ErrorCode, message: str, field: str | list[str] | None = None) -> UserError:
    path = [field] if isinstance(field, str) else field
    return UserError(field=path, message=message, code=code)


class BadRequest(GraphQLError):
    """A request the server refuses as asked (bad argument, over a limit).

    Shown to the client as is; the error masker lets this class through.
    """

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message, extensions={"code": code})
