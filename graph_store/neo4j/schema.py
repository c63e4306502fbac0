"""Constraints and indexes of the Neo4j backend, and how an existing database
is brought up to date.

``CREATE … IF NOT EXISTS`` alone would keep an old definition forever (it
does nothing when an index of that name exists), so the store keeps a schema
version in a ``(:PeerGraphSchema)`` node. When the database's version is older
than ``SCHEMA_VERSION``, start-up compares what ``SHOW INDEXES`` reports with
the definitions below, drops every PeerGraph index or constraint whose
definition changed or that is listed in ``OBSOLETE``, creates what is missing,
waits until all are online, and records the version. Bump ``SCHEMA_VERSION``
whenever a definition here changes.

Each statement runs in its own transaction: Neo4j refuses schema and data
changes in one transaction.

Not handled: two processes migrating the same old database at once may both
drop and recreate a changed index (searches fail until it is online again);
start one first. Code older than the database's version recreates what it
knows but drops nothing. A constraint the data violates (two topics with one
slug) fails start-up with Neo4j's message naming the nodes, until fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

SCHEMA_VERSION: Final = 6
FULLTEXT_INDEX: Final = "peergraph_search"

Kind = Literal["UNIQUE", "RANGE", "TEXT", "FULLTEXT"]


@dataclass(frozen=True, slots=True)
class SchemaItem:
    name: str
    kind: Kind
    labels: tuple[str, ...]
    properties: tuple[str, ...]

    @property
    def create(self) -> str:
        label = "|".join(self.labels)
        props = ", ".join(f"n.{p}" for p in self.properties)
        if self.kind == "UNIQUE":
            return (
                f"CREATE CONSTRAINT {self.name} IF NOT EXISTS "
                f"FOR (n:{label}) REQUIRE {props} IS UNIQUE"
            )
        if self.kind == "FULLTEXT":
            return (
                f"CREATE FULLTEXT INDEX {self.name} IF NOT EXISTS FOR (n:{label}) ON EACH [{props}]"
            )
        prefix = "TEXT INDEX" if self.kind == "TEXT" else "INDEX"
        return f"CREATE {prefix} {self.name} IF NOT EXISTS FOR (n:{label}) ON ({props})"

    @property
    def drop(self) -> str:
        what = "CONSTRAINT" if self.kind == "UNIQUE" else "INDEX"
        return f"DROP {what} {self.name} IF EXISTS"


def _unique(name: str, label: str, prop: str) -> SchemaItem:
    return SchemaItem(name, "UNIQUE", (label,), (prop,))


def _range(name: str, label: str, *props: str) -> SchemaItem:
    return SchemaItem(name, "RANGE", (label,), props)


# A uniqueness constraint also creates the range index backing its property.
ITEMS: Final[tuple[SchemaItem, ...]] = (
    _unique("author_id", "Author", "id"),
    _unique("author_slug", "Author", "slug"),
    _unique("paper_id", "Paper", "id"),
    _unique("topic_id", "Topic", "id"),
    # Topics are looked up by slug as a key (filters, get_topics_by_slug).
    _unique("topic_slug_unique", "Topic", "slug"),
    _unique("institution_id", "Institution", "id"),
    _unique("user_id", "User", "id"),
    _unique("user_email_key", "User", "email_key"),
    _unique("claim_id", "Claim", "id"),
    _unique("invitation_id", "Invitation", "id"),
    _unique("correction_id", "Correction", "id"),
    _unique("schema_id", "PeerGraphSchema", "id"),
    _range("author_sort_key", "Author", "sort_key"),
    # The claimStatus filter of the author list, in page order.
    _range("author_status_sort_key", "Author", "claim_status", "sort_key"),
    _range("author_name_key", "Author", "name_key"),
    SchemaItem("author_name_text", "TEXT", ("Author",), ("name_key",)),
    _range("paper_sort_key", "Paper", "sort_key"),
    _range("paper_title_key", "Paper", "title_key"),
    SchemaItem("paper_title_text", "TEXT", ("Paper",), ("title_key",)),
    _range("topic_sort_key", "Topic", "sort_key"),
    _range("claim_sort_key", "Claim", "sort_key"),
    # The moderators' queues: one status, oldest first.
    _range("claim_status_sort_key", "Claim", "status", "sort_key"),
    _range("claim_author_id", "Claim", "author_id"),
    _range("claim_user_id", "Claim", "user_id"),
    _range("invitation_sort_key", "Invitation", "sort_key"),
    _range("invitation_sender_id", "Invitation", "sender_id"),
    _range("invitation_recipient", "Invitation", "recipient_author_id"),
    _range("correction_sort_key", "Correction", "sort_key"),
    _range("correction_status_sort_key", "Correction", "status", "sort_key"),
    _range("correction_target_id", "Correction", "target_id"),
    # v4: an author's trust history, newest first.
    _unique("trust_change_id", "TrustChange", "id"),
    _range("trust_change_author_sort_key", "TrustChange", "author_id", "sort_key"),
    # Provenance (v5): an origin per record, revisions by (record, field).
    _unique("source_id", "Source", "id"),
    _unique("revision_id", "Revision", "id"),
    _range("revision_entity_field", "Revision", "entity_id", "field"),
    _range("revision_overridden_sort_key", "Revision", "overridden", "sort_key"),
    # v6: the papers whose co-author pairs are still to count.
    _range("paper_unpaired", "Paper", "unpaired"),
    # Lucene full-text over the casefolded searchable text (v3; v2 indexed the
    # raw text, which Lucene folds differently: "Straße" never met "strasse").
    SchemaItem(
        FULLTEXT_INDEX,
        "FULLTEXT",
        ("Author", "Paper", "Topic"),
        ("name_key", "title_key", "abstract_key"),
    ),
)

# Names earlier versions created that no definition above carries any more.
OBSOLETE: Final[tuple[SchemaItem, ...]] = (
    _range("topic_slug", "Topic", "slug"),  # v1: a plain index; now topic_slug_unique
)

SHOW_INDEXES: Final = (
    "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, owningConstraint "
    "RETURN name, type, labelsOrTypes, properties, owningConstraint"
)
# A new index is POPULATING for a while and querying it fails until ONLINE.
AWAIT_INDEXES: Final = "CALL db.awaitIndexes(300)"
# The id of the node holding the profile generation (queries.py
# PROFILE_GENERATION), beside the version's.
PROFILES_MARK: Final = "profiles"
GET_VERSION: Final = "MATCH (v:PeerGraphSchema {id: 'schema'}) RETURN v.version AS version"
SET_VERSION: Final = "MERGE (v:PeerGraphSchema {id: 'schema'}) SET v.version = $version"


def shown_kind(row: Mapping[str, Any]) -> Kind | None:
    """The kind of an index as SHOW INDEXES reports it (constraint-backed = UNIQUE)."""
    if row.get("owningConstraint"):
        return "UNIQUE"
    kinds: dict[object, Kind] = {"RANGE": "RANGE", "TEXT": "TEXT", "FULLTEXT": "FULLTEXT"}
    return kinds.get(row.get("type"))


def _definition(kind: Kind | None, labels: Any, properties: Any) -> tuple[Any, ...]:
    # Labels as a set (a full-text index lists several), properties in order.
    return (kind, tuple(sorted(labels or ())), tuple(properties or ()))


def stale(shown: Sequence[Mapping[str, Any]]) -> list[SchemaItem]:
    """What to drop before creating: obsolete names, and every item whose
    existing definition differs from the one wanted."""
    by_name = {str(r["name"]): r for r in shown}
    wanted = {i.name: i for i in ITEMS}
    out = [i for i in OBSOLETE if i.name in by_name]
    for name, row in by_name.items():
        item = wanted.get(name)
        if item is None:
            continue
        kind = shown_kind(row)
        if _definition(kind, row.get("labelsOrTypes"), row.get("properties")) != _definition(
            item.kind, item.labels, item.properties
        ):
            # Dropped as what it is now (index or constraint), created anew after.
            out.append(SchemaItem(name, kind or "RANGE", item.labels, item.properties))
    return out
