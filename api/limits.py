"""Refuse abusive queries before they run.

Depth, aliases and tokens are limited by strawberry's own extensions (see
api/schema.py). This extension adds what they cannot see, because it needs
the variables: the range of every `first` (1-100), `researchGraph` arguments,
and an estimated cost — the number of objects the query could produce, the
product of the page sizes along each path — so that
`authors(first:100){coauthors(first:100){coauthors(first:100){id}}}` is
refused while any page a frontend asks for is not. It runs once per
operation (not per field), so it costs nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from api.errors import BadRequest
from domain.research_graph import MAX_DEPTH, MAX_LIMIT, MIN_DEPTH

MAX_FIRST = 100
# Search text: a person's or a paper's name is far shorter. Longer text is
# refused before anything runs (a 100,000-word variable once cost 3.7 s per
# field); the store reads at most the first 16 distinct words anyway.
MAX_SEARCH_CHARS = 256
# What one search field costs beyond its hits: it scores up to 500 name/title
# and 500 abstract candidates, whatever `first` is. A text filter
# (nameContains, titleContains) is charged the same: it matches every row.
SEARCH_COST = 500
SEARCH_FIELDS = frozenset({"Query.search", "Query.searchConnection"})
# Any other text a read takes (ids, slugs, cursors, name and title filters) is
# far shorter; a longer one is refused before it reaches a store look-up or a
# CONTAINS scan. Mutations check their texts themselves, as userErrors.
MAX_ARGUMENT_CHARS = 1000
TEXT_FILTERS = ("nameContains", "titleContains")
UNPAGED_LIST_ESTIMATE = 10  # fan-out assumed for a list without `first`
DEFAULT_PAGE_ESTIMATE = 20  # a connection asked without first/last: its largest default


def check_first(first: int, where: str, name: str = "first") -> None:
    """A page size (``first``, or ``last`` when paging backward) in range."""
    if not 1 <= first <= MAX_FIRST:
        raise BadRequest(f"{where}: {name} must be between 1 and {MAX_FIRST}, got {first}")


class QueryLimits(SchemaExtension):
    def __init__(self, *, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            schema = ctx.schema._schema
            fragments = {
                d.name.value: d for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }  # fmt: skip
            for op in document.definitions:
                if not isinstance(op, OperationDefinitionNode):
                    continue
                if ctx.operation_name and (op.name is None or op.name.value != ctx.operation_name):
                    continue
                root = schema.get_root_type(op.operation)
                if root is None:
                    continue
                # Coerced the way graphql-core will (its variable type differs by version).
                variables = get_variable_values(schema, op.variable_definitions or [],
                                                ctx.variables or {})  # fmt: skip
                if isinstance(variables, list):
                    continue  # bad variables: execution reports them
                walker = _CostWalker(
                    schema, fragments, variables, bound_text=op.operation != OperationType.MUTATION
                )
                walker.walk(op.selection_set, root, 1)
                if walker.cost > self.max_cost:
                    raise BadRequest(
                        f"Query too expensive: it could return about {walker.cost} objects "
                        f"(limit {self.max_cost}); ask for smaller pages or less nesting",
                        code="QUERY_TOO_COMPLEX",
                    )
        yield


def _check_text(value: Any, where: str) -> None:
    """Every string in an argument (input objects included) within bounds."""
    if isinstance(value, str):
        if len(value) > MAX_ARGUMENT_CHARS:
            raise BadRequest(
                f"{where}: a text of {len(value)} characters; at most {MAX_ARGUMENT_CHARS}"
            )
    elif isinstance(value, dict):
        for item in value.values():
            _check_text(item, where)


class _CostWalker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
        *,
        bound_text: bool,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.bound_text = bound_text
        self.cost = 0

    def walk(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, mult: int) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                self._field(sel, parent, mult)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                self.walk(sel.selection_set, target or parent, mult)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    target = self.schema.get_type(frag.type_condition.name.value)
                    self.walk(frag.selection_set, target or parent, mult)

    def _field(self, node: FieldNode, parent: GraphQLNamedType, mult: int) -> None:
        name = node.name.value
        if name.startswith("__") or not isinstance(parent, GraphQLObjectType):
            return
        field_def: GraphQLField | None = parent.fields.get(name)
        if field_def is None:
            return
        try:
            args = get_argument_values(field_def, node, self.variables)
        except GraphQLError:
            return  # execution reports the bad argument itself
        where = f"{parent.name}.{name}"
        fan_out = 1
        for name in ("first", "last"):
            if args.get(name) is not None:
                check_first(args[name], where, name)
        if args.get("last") is not None:
            # `last` wins where `first` has a default (the keyset connections
            # ignore that default when `last` is given), and bounds it elsewhere.
            fan_out = args["last"]
        elif args.get("first") is not None:
            fan_out = args["first"]
        elif get_named_type(field_def.type).name.endswith("Connection"):
            fan_out = DEFAULT_PAGE_ESTIMATE  # a connection's default page
        elif isinstance(
            get_nullable_type(field_def.type), GraphQLList
        ) and not parent.name.endswith("Connection"):
            fan_out = UNPAGED_LIST_ESTIMATE
        if where in SEARCH_FIELDS:
            text = args.get("query")
            if isinstance(text, str) and len(text) > MAX_SEARCH_CHARS:
                raise BadRequest(
                    f"{where}: query is {len(text)} characters; at most {MAX_SEARCH_CHARS}"
                )
            self.cost += mult * SEARCH_COST
        elif self.bound_text:
            for arg, value in args.items():
                _check_text(value, f"{where}({arg})")
        filters = args.get("filter")
        if isinstance(filters, dict) and any(filters.get(k) for k in TEXT_FILTERS):
            self.cost += mult * SEARCH_COST  # a substring match reads every name or title
        if where == "Query.researchGraph":
            depth = args["depth"] if args.get("depth") is not None else 1
            limit = args["limit"] if args.get("limit") is not None else 50
            if not MIN_DEPTH <= depth <= MAX_DEPTH:
                raise BadRequest(
                    f"researchGraph: depth must be {MIN_DEPTH} or {MAX_DEPTH}, got {depth}"
                )
            if not 1 <= limit <= MAX_LIMIT:
                raise BadRequest(
                    f"researchGraph: limit must be between 1 and {MAX_LIMIT}, got {limit}"
                )
            fan_out = limit
        if node.selection_set is not None:  # objects count; their scalars come with them
            self.cost += mult * fan_out
            self.walk(node.selection_set, get_named_type(field_def.type), mult * fan_out)
