"""LadybugDB schema: every table declared up front, each with a primary key ``id``.

Derived columns (``*_lc`` casefolded text, ``sort_key``) are computed in Python
on every write, so filters and keyset paging compare exactly what
``records.py`` defines (the engine's ``lower()`` is not ``str.casefold()``).
Times are INT64 epoch microseconds. Claims, invitations and corrections keep
their foreign ids as properties: each is read and written by id in one
statement, and no traversal needs them as edges.
"""

from __future__ import annotations

NODE_TABLES: tuple[str, ...] = (
    """CREATE NODE TABLE IF NOT EXISTS Author(
        id STRING PRIMARY KEY, slug STRING, name STRING, name_lc STRING, sort_key STRING,
        claim_status STRING, affiliation_id STRING,
        imp_works INT64, imp_followers INT64, imp_topics INT64, imp_collaborators INT64,
        imp_trust_score INT64, imp_trust_tier STRING, imp_verification STRING,
        imp_source STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Paper(
        id STRING PRIMARY KEY, title STRING, title_lc STRING, kind STRING, year INT64,
        venue STRING, abstract STRING, abstract_lc STRING, code_url STRING, sort_key STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Topic(
        id STRING PRIMARY KEY, slug STRING, name STRING, name_lc STRING, sort_key STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Institution(
        id STRING PRIMARY KEY, name STRING, name_lc STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS User(
        id STRING PRIMARY KEY, email STRING, email_lc STRING, display_name STRING,
        password_hash STRING, role STRING, created_at INT64)""",
    """CREATE NODE TABLE IF NOT EXISTS Claim(
        id STRING PRIMARY KEY, author_id STRING, user_id STRING, status STRING,
        evidence STRING, created_at INT64, decided_at INT64, note STRING, sort_key STRING)""",
    """CREATE NODE TABLE IF NOT EXISTS Invitation(
        id STRING PRIMARY KEY, sender_id STRING, sender_author_id STRING,
        recipient_author_id STRING, message STRING, status STRING, created_at INT64,
        responded_at INT64)""",
    """CREATE NODE TABLE IF NOT EXISTS Correction(
        id STRING PRIMARY KEY, target_id STRING, field STRING, proposed_value STRING,
        reason STRING, status STRING, created_by STRING, created_at INT64,
        reviewed_by STRING, reviewed_at INT64, note STRING, sort_key STRING)""",
)

REL_TABLES: tuple[str, ...] = (
    "CREATE REL TABLE IF NOT EXISTS AUTHORED(FROM Author TO Paper, position INT64)",
    "CREATE REL TABLE IF NOT EXISTS TAGGED(FROM Paper TO Topic)",
    "CREATE REL TABLE IF NOT EXISTS AFFILIATED(FROM Author TO Institution)",
    "CREATE REL TABLE IF NOT EXISTS FOLLOWS(FROM User TO Author, created_at INT64)",
)

# Rel tables name their node tables, so nodes first.
ALL_DDL: tuple[str, ...] = NODE_TABLES + REL_TABLES
