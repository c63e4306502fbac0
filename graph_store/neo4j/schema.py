"""Constraints and indexes of the Neo4j backend (Neo4j 5 syntax, all idempotent).

Each statement runs in its own transaction: Neo4j refuses schema and data
changes in one transaction.
"""

from __future__ import annotations

from typing import Final

FULLTEXT_INDEX: Final = "peergraph_search"

# Uniqueness constraints also create the range index backing each property, so
# the properties below are not indexed a second time.
CONSTRAINTS: Final[tuple[str, ...]] = (
    "CREATE CONSTRAINT author_id IF NOT EXISTS FOR (n:Author) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT author_slug IF NOT EXISTS FOR (n:Author) REQUIRE n.slug IS UNIQUE",
    "CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT topic_id IF NOT EXISTS FOR (n:Topic) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (n:User) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT user_email_key IF NOT EXISTS FOR (n:User) REQUIRE n.email_key IS UNIQUE",
    "CREATE CONSTRAINT claim_id IF NOT EXISTS FOR (n:Claim) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT invitation_id IF NOT EXISTS FOR (n:Invitation) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT correction_id IF NOT EXISTS FOR (n:Correction) REQUIRE n.id IS UNIQUE",
)

INDEXES: Final[tuple[str, ...]] = (
    "CREATE INDEX author_sort_key IF NOT EXISTS FOR (n:Author) ON (n.sort_key)",
    "CREATE INDEX author_name_key IF NOT EXISTS FOR (n:Author) ON (n.name_key)",
    "CREATE INDEX paper_sort_key IF NOT EXISTS FOR (n:Paper) ON (n.sort_key)",
    "CREATE INDEX paper_title_key IF NOT EXISTS FOR (n:Paper) ON (n.title_key)",
    "CREATE INDEX topic_sort_key IF NOT EXISTS FOR (n:Topic) ON (n.sort_key)",
    "CREATE INDEX topic_slug IF NOT EXISTS FOR (n:Topic) ON (n.slug)",
    "CREATE INDEX claim_sort_key IF NOT EXISTS FOR (n:Claim) ON (n.sort_key)",
    "CREATE INDEX claim_author_id IF NOT EXISTS FOR (n:Claim) ON (n.author_id)",
    "CREATE INDEX claim_user_id IF NOT EXISTS FOR (n:Claim) ON (n.user_id)",
    "CREATE INDEX invitation_sort_key IF NOT EXISTS FOR (n:Invitation) ON (n.sort_key)",
    "CREATE INDEX invitation_sender_id IF NOT EXISTS FOR (n:Invitation) ON (n.sender_id)",
    "CREATE INDEX invitation_recipient IF NOT EXISTS FOR (n:Invitation) ON (n.recipient_author_id)",
    "CREATE INDEX correction_sort_key IF NOT EXISTS FOR (n:Correction) ON (n.sort_key)",
    # Lucene full-text over the searchable text; search() takes candidates from it.
    "CREATE FULLTEXT INDEX peergraph_search IF NOT EXISTS "
    "FOR (n:Author|Paper|Topic) ON EACH [n.name, n.title, n.abstract]",
)

# A new index is POPULATING for a while and querying it fails until ONLINE.
AWAIT_INDEXES: Final = "CALL db.awaitIndexes(300)"

SCHEMA_STATEMENTS: Final[tuple[str, ...]] = CONSTRAINTS + INDEXES
