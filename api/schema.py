"""The one strawberry Schema, with its limits, caches and error masking."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types import ExecutionContext

from api.errors import INTERNAL_SERVER_ERROR, is_unavailable, unavailable_error, with_code
from api.limits import DocumentLimits, QueryLimits
from api.mutations import Mutation
from api.query import Query
from api.settings import Settings
from api.subscriptions import Subscription
from api.throttle import AddressThrottle
from api.types.collaboration import Venue
from api.types.moderation import ModerationQuery

log = logging.getLogger("peergraph.api")

MASKED_MESSAGE = "Internal server error; it has been logged with this request's id."
# graphql-core's suggestion sentence (pyutils.did_you_mean): names only, no "?".
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")

# strawberry's own DateTime (isoformat out, ISO 8601 in), with a description
# that says what clients get: every datetime the API holds is UTC-aware
# (graph_store.records: utcnow, from_micros), so isoformat() writes +00:00.
DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description="A point in time in UTC, as an ISO 8601 / RFC 3339 string with the offset "
    "+00:00 and up to microseconds, e.g. 2025-03-01T14:07:12.345678+00:00 (the fraction is "
    "left out when it is zero: 2025-03-01T14:07:12+00:00).",
)


@strawberry.type(
    name="Query",
    description="Reads. Anonymous visitors read everything public; a bearer token adds the "
    "viewer's own data and, for moderators, the review queues.",
)
class Root(Query, ModerationQuery):
    """The Query root: the read side merged with the moderators' queues."""


def _is_unexpected(error: GraphQLError) -> bool:
    # A GraphQLError we raised (BadRequest) or graphql-core raised (validation,
    # coercion) is meant for the client; anything else is a bug or an outage.
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


class PeerGraphMaskErrors(MaskErrors):
    """Every error leaves with an ``extensions.code``; unexpected ones are
    masked (INTERNAL_SERVER_ERROR), and an outage keeps its SERVICE_UNAVAILABLE
    code so clients can tell "retry later" from a bug (the message stays fixed).

    It is given every error (``should_mask_error`` is always true) so that
    the codes are stamped through the extension's public hook."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if is_unavailable(error.original_error):
            return unavailable_error(error)
        if _is_unexpected(error):
            masked = super().anonymise_error(error)
            masked.extensions = {"code": INTERNAL_SERVER_ERROR}
            return masked
        return with_code(error)


class PeerGraphSchema(strawberry.Schema):
    @staticmethod
    def remove_field_suggestion(error: GraphQLError) -> None:
        """With suggestions off, every "Did you mean …?" goes: strawberry's own
        hook strips it from unknown fields only, while unknown arguments, types,
        input fields and enum values name the schema's just the same."""
        error.message = _SUGGESTION.sub("", error.message)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = getattr(getattr(execution_context, "context", None), "request_id", "-")
        for error in errors:
            if is_unavailable(error.original_error):
                # Expected during an outage, for every failing field: one line, no trace.
                log.warning(
                    "request %s: database unavailable at %s: %s",
                    request_id,
                    error.path,
                    error.original_error,
                )
            elif _is_unexpected(error):
                log.error(
                    "request %s: unexpected error at %s",
                    request_id,
                    error.path,
                    exc_info=error.original_error,
                )
            else:
                log.info("request %s: %s", request_id, _loggable(error.message))


def _loggable(message: str) -> str:
    """A client error's message without the variable values graphql-core
    quotes in it ("Variable '$input' has invalid value: … found: {…password…}"):
    the client sees them, the log does not keep them."""
    if not message.startswith("Variable '$"):
        return message
    name = message.split("'", 2)[1]
    return f"Variable '{name}' is invalid (its value and the details are not logged)"


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    s = settings or Settings()
    # The depth and alias limits are validation rules. Their classes are built
    # here once: strawberry's ValidationCache keys on the rule classes, and
    # the limiters build new ones per instance, so per-request limiters made
    # every request a cache miss.
    limit_rules = [
        *QueryDepthLimiter(max_depth=s.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=s.max_aliases).validation_rules,
    ]
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=s.max_tokens),
        ParserCache,
        # Before validation, which it bounds (strawberry's depth and alias
        # limiters expand every fragment spread): no fragment may make the
        # document larger than the token limit would let it be written out.
        lambda: DocumentLimits(max_fields=s.max_tokens),
        ValidationCache,
        lambda: AddValidationRules(limit_rules),
        lambda: QueryLimits(max_cost=s.max_cost),
        AddressThrottle,
        PeerGraphMaskErrors,
    ]
    if not s.introspection:
        extensions.append(DisableIntrospection)
    return PeerGraphSchema(
        query=Root,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides={datetime: DATE_TIME},
        # Reached only through the Node interface (FitReason.via, Query.node).
        types=[Venue],
        # "Did you mean …" names fields as introspection would: off with it.
        config=StrawberryConfig(disable_field_suggestions=not s.introspection),
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
