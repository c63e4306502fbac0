"""schema.graphql is what the code serves, and it contains the client contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    print_ast,
)

from api.schema import schema_sdl

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "contract" / "schema-core.graphql"


def _default(node: object) -> str | None:
    value = getattr(node, "default_value", None)
    return print_ast(value) if value is not None else None


def _differences(contract: GraphQLSchema, ours: GraphQLSchema) -> list[str]:
    problems: list[str] = []
    for name, want in contract.type_map.items():
        if name.startswith("__"):
            continue
        have: GraphQLNamedType | None = ours.type_map.get(name)
        if have is None or type(have) is not type(want):
            problems.append(f"{name}: missing or of another kind")
            continue
        if isinstance(want, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(have, GraphQLObjectType | GraphQLInterfaceType)
            have_ifaces = {i.name for i in have.interfaces}
            problems += [f"{name} must implement {i.name}" for i in want.interfaces
                         if i.name not in have_ifaces]  # fmt: skip
            for fname, wf in want.fields.items():
                hf = have.fields.get(fname)
                if hf is None or str(hf.type) != str(wf.type):
                    problems.append(f"{name}.{fname}: want {wf.type}, have {hf and hf.type}")
                    continue
                for aname, wa in wf.args.items():
                    ha = hf.args.get(aname)
                    if ha is None or str(ha.type) != str(wa.type):
                        problems.append(f"{name}.{fname}({aname}): want {wa.type}")
                    elif _default(ha.ast_node) != _default(wa.ast_node):
                        problems.append(
                            f"{name}.{fname}({aname}): default {_default(ha.ast_node)} "
                            f"!= {_default(wa.ast_node)}"
                        )
                problems += [
                    f"{name}.{fname}({a}): a new argument must be optional"
                    for a, ha in hf.args.items()
                    if a not in wf.args
                    and str(ha.type).endswith("!")
                    and _default(ha.ast_node) is None
                ]
        elif isinstance(want, GraphQLInputObjectType):
            assert isinstance(have, GraphQLInputObjectType)
            for fname, wf in want.fields.items():
                hf = have.fields.get(fname)
                if hf is None or str(hf.type) != str(wf.type):
                    problems.append(f"{name}.{fname}: want {wf.type}")
                elif _default(hf.ast_node) != _default(wf.ast_node):
                    problems.append(f"{name}.{fname}: default differs")
        elif isinstance(want, GraphQLEnumType):
            assert isinstance(have, GraphQLEnumType)
            problems += [f"{name}.{v} missing" for v in want.values if v not in have.values]
        elif isinstance(want, GraphQLUnionType):
            assert isinstance(have, GraphQLUnionType)
            members = {t.name for t in have.types}
            problems += [f"{name} lacks {t.name}" for t in want.types if t.name not in members]
    return problems


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), "schema.graphql drifted: run `peergraph export-schema`"


@pytest.mark.skipif(not CONTRACT.exists(), reason=f"no contract at {CONTRACT}")
def test_schema_contains_the_contract() -> None:
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    ours = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    assert _differences(contract, ours) == []


def test_the_check_catches_a_broken_contract() -> None:
    """The comparison itself can fail: a changed nullability and default are found."""
    contract = build_schema("type Query { a(first: Int = 20): Int, b: Int! }")
    ours = build_schema("type Query { a(first: Int = 10): Int, b: Int }")
    assert len(_differences(contract, ours)) == 2
