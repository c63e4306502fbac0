"""LadybugDB schema: every table declared up front, node tables generated from
the mappings (``graph_store/mapping.py``), each with a primary key ``id``; and
how a database made by an earlier version is brought up to date.

Times are INT64 epoch microseconds; derived columns (``sort_key``, ``*_key``)
are computed in Python on every write (see the mapping). Claims, invitations
and corrections keep their foreign ids as properties.

Migration: at start-up each existing node table's columns (``CALL
table_info``) are compared with its mapping. A legacy column is renamed
(``name_lc`` → ``name_key``: earlier versions named casefolded copies
``*_lc``), a missing column is added at the end of the table (so mappings
append new properties), and an added derived column is filled in from the
rows' records; a column with a default in the mapping is added with it, so
every existing row takes it. A column of another type than the mapping's is an error
that stops start-up; a column the mapping no longer names is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from graph_store.errors import StoreError
from graph_store.mapping import INT64, NODES, NodeMapping, is_derived


def _default_literal(value: bool | int | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def column(mapping: NodeMapping[Any], name: str, typ: str) -> str:
    """One column's declaration: its type, and its default if the mapping has one."""
    if name in mapping.defaults:
        return f"{name} {typ} DEFAULT {_default_literal(mapping.defaults[name])}"
    return f"{name} {typ}"


def node_table(mapping: NodeMapping[Any]) -> str:
    columns = ", ".join(
        f"{name} {typ} PRIMARY KEY" if name == "id" else column(mapping, name, typ)
        for name, typ in mapping.props
    )
    return f"CREATE NODE TABLE IF NOT EXISTS {mapping.label}({columns})"


NODE_TABLES: Final[tuple[str, ...]] = tuple(node_table(m) for m in NODES)

REL_TABLES: Final[tuple[str, ...]] = (
    "CREATE REL TABLE IF NOT EXISTS AUTHORED(FROM Author TO Paper, position INT64)",
    "CREATE REL TABLE IF NOT EXISTS TAGGED(FROM Paper TO Topic)",
    "CREATE REL TABLE IF NOT EXISTS AFFILIATED(FROM Author TO Institution)",
    "CREATE REL TABLE IF NOT EXISTS FOLLOWS(FROM User TO Author, created_at INT64)",
    # An author's trust changes, reached from the author's primary key (no scan).
    "CREATE REL TABLE IF NOT EXISTS TRUST_CHANGED(FROM Author TO TrustChange)",
    # Close co-authorship, one per pair, smaller id first (graph_store/coauthors.py).
    "CREATE REL TABLE IF NOT EXISTS COAUTHOR(FROM Author TO Author, papers INT64)",
    # Revisions reached from their list's primary key (REVISION_LIST_TABLE).
    "CREATE REL TABLE IF NOT EXISTS LISTED(FROM RevisionList TO Revision)",
)

# LadybugDB indexes only primary keys, so a look-up by slug is a table of
# its own: one row per author, written with the author (slugs never change).
SLUG_TABLE: Final = "AuthorSlug"
# For the same reason revisions are reached through lists keyed by what reads
# them: a record's field (``<record id>#<field>``, revision_list_key) and the
# moderators' list of overridden import values (OVERRIDDEN_LIST), each
# linked to its revisions (LISTED), so a field's history or the conflicts
# list is a primary-key lookup and its adjacency, not a scan of Revision.
REVISION_LIST_TABLE: Final = "RevisionList"
OVERRIDDEN_LIST: Final = "overridden"
MARK_TABLE: Final = "StoreMark"  # named states of derived data (graph_store/coauthors.STALE)
INDEX_TABLES: Final[tuple[str, ...]] = (
    f"CREATE NODE TABLE IF NOT EXISTS {SLUG_TABLE}(slug STRING PRIMARY KEY, author_id STRING)",
    f"CREATE NODE TABLE IF NOT EXISTS {REVISION_LIST_TABLE}(key STRING PRIMARY KEY)",
    f"CREATE NODE TABLE IF NOT EXISTS {MARK_TABLE}(name STRING PRIMARY KEY)",
)
# For a database made before the slug table existed.
FILL_SLUGS: Final = (
    f"MATCH (a:Author) MERGE (s:{SLUG_TABLE} {{slug: a.slug}}) ON CREATE SET s.author_id = a.id"
)


def revision_list_key(entity_id: str, field: str) -> str:
    """The list of one record's field's revisions (ids hold no ``#``)."""
    return f"{entity_id}#{field}"


# For a database made before the revision lists existed (the keys as
# revision_list_key makes them).
FILL_REVISION_LISTS: Final[tuple[str, ...]] = (
    f"MATCH (r:Revision) MERGE (l:{REVISION_LIST_TABLE} {{key: r.entity_id + '#' + r.field}}) "
    "MERGE (l)-[:LISTED]->(r)",
    f"MATCH (r:Revision) WHERE r.overridden = 1 "
    f"MERGE (l:{REVISION_LIST_TABLE} {{key: '{OVERRIDDEN_LIST}'}}) MERGE (l)-[:LISTED]->(r)",
)

# Rel tables name their node tables, so nodes first.
ALL_DDL: Final[tuple[str, ...]] = NODE_TABLES + INDEX_TABLES + REL_TABLES

SHOW_TABLES: Final = "CALL show_tables() RETURN name, type"
# Rows of (property id, name, type, default, primary key).
TABLE_INFO: Final = "CALL table_info('{label}') RETURN *"

# Earlier names of columns that are still stored under another name.
LEGACY_NAMES: Final = {
    "name_lc": "name_key",
    "title_lc": "title_key",
    "abstract_lc": "abstract_key",
    "email_lc": "email_key",
}


@dataclass(frozen=True, slots=True)
class TableMigration:
    """What brings one existing node table up to its mapping."""

    label: str
    statements: tuple[str, ...]  # ALTER TABLE …, in order
    fill: tuple[tuple[str, str], ...]  # added derived columns (name, type), to compute


def plan_migration(mapping: NodeMapping[Any], columns: Sequence[tuple[str, str]]) -> TableMigration:
    """The migration of a table that has ``columns`` (name, type) to ``mapping``."""
    label = mapping.label
    have = dict(columns)
    wanted = dict(mapping.props)
    statements: list[str] = []
    for old, new in LEGACY_NAMES.items():
        if old in have and new in wanted and new not in have:
            statements.append(f"ALTER TABLE {label} RENAME {old} TO {new}")
            have[new] = have.pop(old)
    fill: list[tuple[str, str]] = []
    for name, typ in mapping.props:
        if name not in have:
            # With its default, if any: the existing rows take it.
            statements.append(f"ALTER TABLE {label} ADD {column(mapping, name, typ)}")
            if is_derived(name):
                fill.append((name, typ))
        elif have[name].upper() != typ:
            raise StoreError(
                f"embedded database: column {label}.{name} is {have[name]}, this version "
                f"stores {typ}; it cannot be migrated"
            )
    return TableMigration(label, tuple(statements), tuple(fill))


def fill_statement(migration: TableMigration) -> str:
    """Set the migration's filled columns from ``$rows`` of id and values."""
    sets = ", ".join(
        f"n.{name} = CAST(r.{name} AS {typ})" if typ == INT64 else f"n.{name} = r.{name}"
        for name, typ in migration.fill
    )
    return f"UNWIND $rows AS r MATCH (n:{migration.label} {{id: r.id}}) SET {sets}"
