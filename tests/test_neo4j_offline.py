"""What can be checked of the Neo4j backend without a server (the rest runs
on a real one: tests/test_neo4j_server.py and the contract suite).

- Real driver behaviour against a closed port: the configured timeouts turn
  a down database into StoreUnavailable within seconds.
- Every statement the backend can send carries values only as $parameters.
- Pure search functions (the record mapping is tested in test_mapping.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph_store import shared_rules
from graph_store.errors import StoreError, StoreUnavailable
from graph_store.factory import StoreConfig
from graph_store.neo4j import lucene, schema
from graph_store.neo4j.reads import _authorship_order
from graph_store.neo4j.store import Neo4jGraphStore
from graph_store.records import (
    AuthorRecord,
)
from tests.test_neo4j_server import every_statement

DOWN_URI = "bolt://127.0.0.1:1"  # nothing listens on port 1
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
STATEMENTS = dict(every_statement())


def down_store(tmp_path: Path) -> Neo4jGraphStore:
    return Neo4jGraphStore(StoreConfig(data_dir=tmp_path, neo4j_uri=DOWN_URI))


# --- a down server ------------------------------------------------------------------


async def _fails_fast(call: Callable[[], Awaitable[Any]]) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        await call()
    assert time.monotonic() - started < 15
    assert info.value.__cause__ is not None  # raised ``from`` the driver error


async def test_ping_unreachable_raises_store_unavailable_fast(tmp_path: Path) -> None:
    s = down_store(tmp_path)
    try:
        await _fails_fast(s.ping)
    finally:
        await s.close()


async def test_write_unreachable_raises_store_unavailable_fast(tmp_path: Path) -> None:
    s = down_store(tmp_path)
    try:
        await _fails_fast(lambda: s.follow("user:a", "author:b", NOW))
    finally:
        await s.close()


async def test_read_and_initialize_unreachable_raise_store_unavailable(tmp_path: Path) -> None:
    s = down_store(tmp_path)
    try:
        await _fails_fast(lambda: s.get_authors(["author:a"]))
        await _fails_fast(s.initialize)
    finally:
        await s.close()


def test_missing_uri_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Neo4jGraphStore(StoreConfig(data_dir=tmp_path))


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "foo://db", "127.0.0.1:7687"])
def test_a_uri_that_is_not_bolt_is_a_store_error(tmp_path: Path, uri: str) -> None:
    with pytest.raises(StoreError, match="invalid Neo4j configuration"):
        Neo4jGraphStore(StoreConfig(data_dir=tmp_path, neo4j_uri=uri))


# --- Cypher text ------------------------------------------------------------------------

# The only string literals allowed in Cypher: relationship kinds returned as
# data by graph_edges, and the schema version node's fixed id. Everything
# else must come in as a $parameter.
ALLOWED_LITERALS = {"'AUTHORED'", "'TAGGED'", "'AFFILIATED'", "'schema'"}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_has_no_inlined_values(name: str) -> None:
    text = STATEMENTS[name]
    literals = set(re.findall(r"'[^']*'|\"[^\"]*\"", text))
    assert literals <= ALLOWED_LITERALS, literals
    # No leftover Python formatting ({name}, {0}, %s): only map projections.
    assert not re.search(r"\{\w*\}|%[sd]", text), text
    # Numbers only where they are syntax (RETURN 1).
    assert not re.search(r"(?<![\w$])\d+(?![\w])", text.replace("RETURN 1 AS ok", "")), text


def test_schema_covers_every_label_and_the_fulltext_index() -> None:
    text = "\n".join(item.create for item in schema.ITEMS)
    for label in (
        "Author",
        "Paper",
        "Topic",
        "Institution",
        "User",
        "Claim",
        "Invitation",
        "Correction",
    ):
        assert f"FOR (n:{label}) REQUIRE n.id IS UNIQUE" in text
    assert "FOR (n:User) REQUIRE n.email_key IS UNIQUE" in text
    assert "FOR (n:Topic) REQUIRE n.slug IS UNIQUE" in text
    assert all("IF NOT EXISTS" in item.create for item in schema.ITEMS)
    assert f"CREATE FULLTEXT INDEX {schema.FULLTEXT_INDEX} IF NOT EXISTS" in text


def test_a_changed_definition_is_stale() -> None:
    shown = [
        {"name": "topic_slug", "type": "RANGE", "labelsOrTypes": ["Topic"], "properties": ["slug"]},
        {
            "name": schema.FULLTEXT_INDEX,
            "type": "FULLTEXT",
            "labelsOrTypes": ["Paper", "Author"],
            "properties": ["name", "title"],
        },
        {
            "name": "author_id",
            "type": "RANGE",
            "labelsOrTypes": ["Author"],
            "properties": ["id"],
            "owningConstraint": "author_id",
        },
    ]
    assert [i.name for i in schema.stale(shown)] == ["topic_slug", schema.FULLTEXT_INDEX]
    assert [i.drop for i in schema.stale(shown)][1].startswith("DROP INDEX")


# --- search -------------------------------------------------------------------------------


def test_authorship_order_puts_unknown_positions_last() -> None:
    a, b = AuthorRecord("author:a", "a", "A"), AuthorRecord("author:b", "b", "B")
    keys = sorted(
        [
            (_authorship_order(0, a), "a0"),
            (_authorship_order(2, b), "b2"),
            (_authorship_order(1, b), "b1"),
        ]
    )
    assert [k for _, k in keys] == ["b1", "b2", "a0"]


def test_lucene_escaping() -> None:
    assert lucene.escape_lucene('a+b-c&&d||e!(f){g}[h]^i"j~k*l?m:n\\o/p') == (
        'a\\+b\\-c\\&\\&d\\|\\|e\\!\\(f\\)\\{g\\}\\[h\\]\\^i\\"j\\~k\\*l\\?m\\:n\\\\o\\/p'
    )
    assert shared_rules.search_words("  BERT  and bert ") == ["bert", "and"]
    assert lucene.lucene_query(["net", "a"], ["title_key"]) == (
        "title_key:(net OR net* OR *net* OR a OR a* OR *a*)"
    )
    assert shared_rules.search_words(" ".join(f"w{i}" for i in range(40))) == [
        f"w{i}" for i in range(shared_rules.MAX_SEARCH_WORDS)
    ]


def test_search_score_tiers() -> None:
    words = shared_rules.search_words("distillation pruning experts")
    title_one = shared_rules.search_score(words, "distillation survey", "")
    abstract_all = shared_rules.search_score(words, "a survey", "distillation pruning experts")
    assert title_one > abstract_all > 0
    assert shared_rules.search_score(words, "nothing", "here") == 0
    exact = shared_rules.search_score(["pruning"], "pruning", "")
    assert exact > shared_rules.search_score(["pruning"], "pruning large models", "")
