"""Cypher for the embedded store, as named constants; values always as $parameters.

LadybugDB dialect notes that shaped these:
- ``WITH … ORDER BY`` needs a LIMIT, so lists that must be ordered inside
  groups come back as flat rows (or collected lists) and are ordered in Python.
- A struct field that is null in every row of ``UNWIND $rows`` is typed STRING,
  so integer fields are ``CAST(… AS INT64)``.
- Optional filters are assembled from fixed fragments (see ``store.py``)
  rather than ``$x IS NULL OR …``, which needs the type of a null parameter.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from graph_store import paging
from graph_store.mapping import AUTHOR, INSTITUTION, NODES, SOURCE, STRING, TOPIC, NodeMapping


def _value(m: NodeMapping[Any], name: str, source: str) -> str:
    # A null parameter (or a struct field null in every row) is typed STRING.
    typ = dict(m.props)[name]
    return f"CAST({source}{name} AS {typ})" if typ != STRING else f"{source}{name}"


def _assignments(m: NodeMapping[Any]) -> str:
    """``n.p = r.p, …`` for every property but the id."""
    return ", ".join(f"n.{name} = {_value(m, name, 'r.')}" for name in m.names if name != "id")


def _properties(m: NodeMapping[Any]) -> str:
    """``p: $p, …`` for every property."""
    return ", ".join(f"{name}: {_value(m, name, '$')}" for name in m.names)


PING = "RETURN 1"

# --- import -----------------------------------------------------------------

# Look-ups by id: one primary-key lookup per id (UNWIND), measured 8x faster
# than ``WHERE x.id IN $ids`` at 30k papers, and not growing with the table.
EXISTING_AUTHORS = "UNWIND $ids AS k MATCH (a:Author {id: k}) RETURN a"
# The same as one column per property (AUTHOR.names order): for tens of
# thousands of authors about half the cost of whole nodes.
EXISTING_AUTHOR_PROPS = "UNWIND $ids AS k MATCH (a:Author {id: k}) RETURN " + ", ".join(
    f"a.{n}" for n in AUTHOR.names
)
EXISTING_PAPERS = "UNWIND $ids AS k MATCH (p:Paper {id: k}) RETURN p"
EXISTING_AUTHOR_IDS = "UNWIND $ids AS k MATCH (a:Author {id: k}) RETURN a.id"
# The fields of these authors and papers that corrections set (an import
# leaves them as corrected: shared_rules.refresh_*).
CORRECTED_FIELDS = """
MATCH (c:Correction) WHERE c.target_id IN $ids AND c.status = $applied
RETURN DISTINCT c.target_id, c.field
"""

# Records written whole, generated from the mappings (graph_store/mapping.py):
# UPSERT[label] merges each row on its id and sets every other property (the
# import, and the decisions of conditional writes); INSERT[label] creates one
# node from a record's properties as parameters; MERGE_NEW[label] creates
# rows whose id is new and leaves existing ones as they are (topics and
# institutions are vocabulary: the first import wins).
UPSERT: Final = {
    m.label: f"UNWIND $rows AS r\nMERGE (n:{m.label} {{id: r.id}})\nSET {_assignments(m)}"
    for m in NODES
}
INSERT: Final = {m.label: f"CREATE (n:{m.label} {{{_properties(m)}}})" for m in NODES}
# One node by id (the facts a conditional write decides on).
ONE: Final = {m.label: f"MATCH (n:{m.label} {{id: $id}}) RETURN n" for m in NODES}
MERGE_NEW: Final = {
    m.label: f"UNWIND $rows AS r\nMERGE (n:{m.label} {{id: r.id}})\nON CREATE SET {_assignments(m)}"
    for m in (TOPIC, INSTITUTION, SOURCE)
}

# --- provenance -----------------------------------------------------------------
# Origins by the id of their record (a primary-key lookup each).
SOURCES_BY_ID = "UNWIND $ids AS k MATCH (s:Source {id: k}) RETURN s"
# Revisions through their lists (ddl.REVISION_LIST_TABLE): a primary-key
# lookup and its adjacency, one statement per list (UNWIND over a relationship
# would join the whole relation table).
REVISIONS_LISTED = "MATCH (:RevisionList {key: $key})-[:LISTED]->(n:Revision) RETURN n"
# A field's newest revisions.
REVISIONS_NEWEST = REVISIONS_LISTED + " ORDER BY n.sort_key DESC LIMIT $limit"
# Each revision into its lists (a retried write merges onto its links).
LIST_REVISIONS = """
UNWIND $rows AS r
MATCH (n:Revision {id: r.id})
MERGE (l:RevisionList {key: r.key})
MERGE (l)-[:LISTED]->(n)
"""
# For the moderators: import values a correction kept out (ddl.OVERRIDDEN_LIST).
OVERRIDDEN_MATCH = "MATCH (:RevisionList {key: $list})-[:LISTED]->(n:Revision)"

# An existing authorship keeps its position.
MERGE_AUTHORSHIPS = """
UNWIND $rows AS r
MATCH (a:Author {id: r.author_id})
MATCH (p:Paper {id: r.paper_id})
MERGE (a)-[e:AUTHORED]->(p)
ON CREATE SET e.position = CAST(r.position AS INT64)
"""

MERGE_PAPER_TOPICS = """
UNWIND $rows AS r
MATCH (p:Paper {id: r.paper_id})
MATCH (t:Topic {id: r.topic_id})
MERGE (p)-[:TAGGED]->(t)
"""

# The AFFILIATED edge follows the author's stored affiliation_id.
MERGE_AFFILIATIONS = """
UNWIND $ids AS aid
MATCH (a:Author {id: aid}), (i:Institution)
WHERE i.id = a.affiliation_id
MERGE (a)-[:AFFILIATED]->(i)
"""

AUTHORS_BY_NAME_KEY = "MATCH (a:Author) WHERE a.name_key IN $names RETURN a ORDER BY a.sort_key"
# Slugs through their own table's primary key (ddl.SLUG_TABLE), not a scan.
SLUGS_TAKEN = "UNWIND $slugs AS k MATCH (s:AuthorSlug {slug: k}) RETURN s.slug"
CREATE_SLUGS = "UNWIND $rows AS r CREATE (:AuthorSlug {slug: r.slug, author_id: r.id})"
PAPERS_BY_TITLE_KEY = "MATCH (p:Paper) WHERE p.title_key IN $titles RETURN p ORDER BY p.sort_key"
AUTHOR_COUNT = "MATCH (a:Author) RETURN count(a)"

# --- batch reads by id ------------------------------------------------------

AUTHORS_BY_ID = "UNWIND $ids AS k MATCH (a:Author {id: k}) RETURN a"
AUTHORS_BY_SLUG = (
    "UNWIND $slugs AS k MATCH (s:AuthorSlug {slug: k}) MATCH (a:Author {id: s.author_id}) RETURN a"
)
PAPERS_BY_ID = "UNWIND $ids AS k MATCH (p:Paper {id: k}) RETURN p"
TOPICS_BY_ID = "UNWIND $ids AS k MATCH (t:Topic {id: k}) RETURN t"
TOPICS_BY_SLUG = "MATCH (t:Topic) WHERE t.slug IN $slugs RETURN t"
INSTITUTIONS_BY_ID = "UNWIND $ids AS k MATCH (i:Institution {id: k}) RETURN i"
USERS_BY_ID = "UNWIND $ids AS k MATCH (u:User {id: k}) RETURN u"
CLAIMS_BY_ID = "UNWIND $ids AS k MATCH (c:Claim {id: k}) RETURN c"
INVITATIONS_BY_ID = "UNWIND $ids AS k MATCH (i:Invitation {id: k}) RETURN i"
CORRECTIONS_BY_ID = "UNWIND $ids AS k MATCH (c:Correction {id: k}) RETURN c"

# --- keyset lists: MATCH + filter fragments + page/count tails ----------------

LIST_AUTHORS_MATCH = "MATCH (n:Author)"
LIST_PAPERS_MATCH = "MATCH (n:Paper)"
LIST_TOPICS_MATCH = "MATCH (n:Topic)"
FOLLOWING_MATCH = "MATCH (:User {id: $user_id})-[:FOLLOWS]->(n:Author)"
CLAIMS_MATCH = "MATCH (n:Claim)"
CORRECTIONS_MATCH = "MATCH (n:Correction)"

AUTHOR_NAME_FILTER = "n.name_key CONTAINS $name"
AUTHOR_STATUS_FILTER = "n.claim_status = $claim_status"
AUTHOR_TOPIC_FILTER = (
    "EXISTS { MATCH (n)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic) WHERE t.slug = $topic }"
)
PAPER_TITLE_FILTER = "n.title_key CONTAINS $title"
PAPER_TOPIC_FILTER = "EXISTS { MATCH (n)-[:TAGGED]->(t:Topic) WHERE t.slug = $topic }"
PAPER_YEAR_FROM_FILTER = "n.year >= $year_from"
PAPER_YEAR_TO_FILTER = "n.year <= $year_to"
PAPER_KIND_FILTER = "n.kind = $kind"
STATUS_FILTER = "n.status = $status"
COUNT_TAIL = " RETURN count(n)"

# --- relations ----------------------------------------------------------------


# One page of an author's or a topic's papers, cut in the engine (one query
# per owner: LadybugDB has no per-group LIMIT); the count is the relation's.
_PAPERS_OF = {
    "author": "MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper)",
    "topic": "MATCH (p:Paper)-[:TAGGED]->(:Topic {id: $id})",
}


# Ids first, then the page's nodes (PAPERS_BY_ID): sorting whole nodes would
# read every paper's abstract (a hub: 24 ms, against 10 ms for the ids).
@cache
def paper_page(of: str, *, after: bool, before: bool, from_end: bool) -> str:
    keyset = " AND ".join(paging.bounds("p.sort_key", after, before))
    where = f"\nWHERE {keyset}" if keyset else ""
    by = paging.order("p.sort_key", from_end)
    return f"{_PAPERS_OF[of]}{where}\nRETURN p.id ORDER BY {by} LIMIT $limit"


PAPER_COUNT = {of: f"{m}\nRETURN count(p)" for of, m in _PAPERS_OF.items()}
# One topic's top authors by their papers on it.
TOP_AUTHORS_OF_TOPIC = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(:Topic {id: $id})
WITH a, count(DISTINCT p) AS papers
RETURN a, papers ORDER BY papers DESC, a.sort_key SKIP $offset LIMIT $limit
"""
AUTHOR_COUNT_OF_TOPIC = """
MATCH (a:Author)-[:AUTHORED]->(:Paper)-[:TAGGED]->(:Topic {id: $id})
RETURN count(DISTINCT a)
"""
# One author's top co-authors, ranked in the engine on ids and keys only
# (grouping whole nodes and collecting paper lists for every co-author cost a
# hub 270 ms, this 60 ms); then the shared papers of the ones kept, in one
# statement rooted at the author (one per co-author: a hub 55 ms, this 10).
TOP_COAUTHORS_OF_AUTHOR = """
MATCH (:Author {id: $id})-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b:Author)
WHERE b.id <> $id
WITH b.id AS coauthor, b.sort_key AS key, count(*) AS shared
RETURN coauthor, shared ORDER BY shared DESC, key SKIP $offset LIMIT $limit
"""
SHARED_PAPERS = """
MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(b:Author)
WHERE b.id IN $others
RETURN b.id, p.id ORDER BY p.sort_key
"""
# Relation reads by id run once per id, each rooted at a primary-key lookup
# ($id): LadybugDB plans ``WHERE p.id IN $ids`` over a relationship as a
# scan of the whole node table, and ``UNWIND $ids … MATCH`` as a join over
# the whole relationship table (measured at 1M authorships, 20 papers'
# authors: 47 ms and 3.4 s; twenty $id statements: 4 ms). The store still
# answers a batch in one call on one reader thread.
AUTHORS_OF_PAPER = """
MATCH (a:Author)-[e:AUTHORED]->(:Paper {id: $id})
RETURN a, e.position
"""

TOPICS_OF_PAPER = """
MATCH (:Paper {id: $id})-[:TAGGED]->(t:Topic)
RETURN t ORDER BY t.slug
"""

TOPIC_WEIGHTS_OF_AUTHOR = """
MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper)-[:TAGGED]->(t:Topic)
RETURN t, count(DISTINCT p) AS papers
"""


# Collaboration fit: one author's co-authors, topics and venues, each grouped
# in the engine on ids only (a 25k-co-author hub: grouped 127 ms, the raw rows
# 408 ms, under load); paper ids and counts through the AUTHORED index.
# Collaboration fit reads many authors at once. The form matters: UNWIND,
# the author by key, then OPTIONAL MATCH keeps a key look-up per id (with a
# plain MATCH the engine scans the relationship table and joins: 50 authors'
# co-authors 7 s against 45 ms); an author with nothing yields one null row.
def _per_author(pattern: str) -> str:
    return f"UNWIND $ids AS i MATCH (a:Author {{id: i}}) OPTIONAL MATCH {pattern}"


# One row per author with its co-authors in lists: a hub's 7,735 rows took
# 26 ms to hand over, the same lists 16 ms.
FIT_COAUTHORS = _per_author(
    "(a)-[c:COAUTHOR]-(b:Author) RETURN i, collect(b.id), collect(c.papers)"
)
FIT_TOPICS = _per_author(
    "(a)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(t:Topic) RETURN i, t.id, count(DISTINCT p)"
)
FIT_VENUES = _per_author(
    "(a)-[:AUTHORED]->(p:Paper) WHERE p.venue IS NOT NULL RETURN i, p.venue, count(p)"
)
PAPER_IDS_OF_AUTHORS = _per_author("(a)-[:AUTHORED]->(p:Paper) RETURN i, p.id")
# Which candidates wrote any paper with the author: an EXISTS per candidate
# stops at the first shared paper (reading every paper id of a hub candidate
# took 20x longer).
COAUTHORED = """
UNWIND $ids AS i MATCH (x:Author {id: i})
WHERE EXISTS { MATCH (x)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(:Author {id: $id}) }
RETURN i
"""
# A COUNT subquery per key: as fast, and no rows to group.
WORK_COUNTS = """
UNWIND $ids AS i MATCH (a:Author {id: i})
RETURN i, COUNT { MATCH (a)-[:AUTHORED]->(:Paper) }
"""
# Venues are a paper property without an index: a scan, for Query.node only.
VENUE_EXISTS = "MATCH (p:Paper) WHERE p.venue = $name RETURN p.venue LIMIT 1"

# An author's counts, one simple statement each (as one statement of
# chained OPTIONAL MATCHes the engine joined them: a hub 300 ms, these 10).
AUTHOR_STATS: Final = {
    "works": "MATCH (:Author {id: $id})-[e:AUTHORED]->(:Paper) RETURN count(e)",
    "followers": "MATCH (:User)-[f:FOLLOWS]->(:Author {id: $id}) RETURN count(f)",
    "topics": """
MATCH (:Author {id: $id})-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic) RETURN count(DISTINCT t)
""",
    "collaborators": """
MATCH (:Author {id: $id})-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b:Author)
WHERE b.id <> $id RETURN count(DISTINCT b)
""",
}

# The authors holding a claim of these decisions (the Claim table is small:
# a scan of it, not of the authors).
CLAIMED_AUTHORS: Final = "MATCH (c:Claim) WHERE c.status IN $active RETURN DISTINCT c.author_id"

# A trust change, linked from its author (ddl: TRUST_CHANGED).
LINK_TRUST_CHANGE: Final = """
MATCH (a:Author {id: $author_id}), (t:TrustChange {id: $id})
CREATE (a)-[:TRUST_CHANGED]->(t)
"""
# The flags the author's verified claimant sets.
SET_AUTHOR_SETTINGS: Final = """
MATCH (a:Author {id: $id})
SET a.open_to_collaborate = CAST($open_to_collaborate AS BOOL),
    a.suggestible = CAST($suggestible AS BOOL)
"""
TRUST_HISTORY_MATCH: Final = "MATCH (:Author {id: $author_id})-[:TRUST_CHANGED]->(n:TrustChange)"

# Node-only look-ups by id are primary-key lookups even through UNWIND.
NODE_LABELS: Final = {
    "Author": "UNWIND $ids AS k MATCH (n:Author {id: k}) RETURN n.id, n.name",
    "Paper": "UNWIND $ids AS k MATCH (n:Paper {id: k}) RETURN n.id, n.title",
    "Topic": "UNWIND $ids AS k MATCH (n:Topic {id: k}) RETURN n.id, n.name",
    "Institution": "UNWIND $ids AS k MATCH (n:Institution {id: k}) RETURN n.id, n.name",
}

# The research graph's edges at one node, by the node's label; rows of
# (source, target, kind).
EDGES_AT: Final = {
    "Author": """
MATCH (a:Author {id: $id})-[:AUTHORED]->(p:Paper) RETURN a.id, p.id, 'AUTHORED'
UNION ALL
MATCH (a:Author {id: $id})-[:AFFILIATED]->(i:Institution) RETURN a.id, i.id, 'AFFILIATED'
""",
    "Paper": """
MATCH (a:Author)-[:AUTHORED]->(p:Paper {id: $id}) RETURN a.id, p.id, 'AUTHORED'
UNION ALL
MATCH (p:Paper {id: $id})-[:TAGGED]->(t:Topic) RETURN p.id, t.id, 'TAGGED'
""",
    "Topic": "MATCH (p:Paper)-[:TAGGED]->(t:Topic {id: $id}) RETURN p.id, t.id, 'TAGGED'",
    "Institution": """
MATCH (a:Author)-[:AFFILIATED]->(i:Institution {id: $id}) RETURN a.id, i.id, 'AFFILIATED'
""",
}

# Candidates only; scoring happens in Python (no full-text extension offline).
# Every searchable text, to rebuild the search side index (search_index.py).
ALL_AUTHOR_TEXT = "MATCH (a:Author) RETURN a.id, a.name_key"
ALL_TOPIC_TEXT = "MATCH (t:Topic) RETURN t.id, t.name_key"
ALL_PAPER_TEXT = "MATCH (p:Paper) RETURN p.id, p.title_key, p.abstract_key"

# --- accounts -------------------------------------------------------------------

USER_BY_EMAIL_KEY = "MATCH (u:User) WHERE u.email_key = $email_key RETURN u"

# --- follow -----------------------------------------------------------------------

USER_AND_AUTHOR_EXIST = """
OPTIONAL MATCH (u:User {id: $user_id})
OPTIONAL MATCH (a:Author {id: $author_id})
RETURN u.id, a.id
"""
FOLLOW = """
MATCH (u:User {id: $user_id}), (a:Author {id: $author_id})
MERGE (u)-[f:FOLLOWS]->(a)
ON CREATE SET f.created_at = $at
"""
UNFOLLOW = "MATCH (:User {id: $user_id})-[f:FOLLOWS]->(:Author {id: $author_id}) DELETE f"
FOLLOWED_AMONG = """
MATCH (:User {id: $user_id})-[:FOLLOWS]->(a:Author) WHERE a.id IN $ids RETURN a.id
"""

# --- claims ---------------------------------------------------------------------------

OPEN_CLAIMS_ON_AUTHOR = """
MATCH (c:Claim) WHERE c.author_id = $author_id AND c.status IN ['PENDING', 'VERIFIED']
RETURN count(c)
"""
PENDING_CLAIMS_OF_USER = """
MATCH (c:Claim) WHERE c.user_id = $user_id AND c.status = 'PENDING'
RETURN count(c)
"""
VERIFIED_CLAIMS_OF_USER = """
MATCH (c:Claim) WHERE c.user_id = $user_id AND c.status = 'VERIFIED' AND c.id <> $except_id
RETURN c.author_id ORDER BY c.created_at
"""
SET_AUTHOR_STATUS = "MATCH (a:Author {id: $author_id}) SET a.claim_status = $claim_status"
CLAIMS_OF_USERS = """
MATCH (c:Claim) WHERE c.user_id IN $ids
RETURN c ORDER BY c.created_at DESC, c.id DESC
"""
VERIFIED_AUTHORS_OF_USERS = """
MATCH (c:Claim) WHERE c.user_id IN $ids AND c.status = 'VERIFIED'
MATCH (a:Author {id: c.author_id})
RETURN c.user_id, a ORDER BY c.created_at
"""
VERIFIED_CLAIMANTS_OF_AUTHORS = """
MATCH (c:Claim) WHERE c.author_id IN $ids AND c.status = 'VERIFIED'
RETURN c.author_id, c.user_id ORDER BY c.created_at
"""

# --- invitations --------------------------------------------------------------

VERIFIED_CLAIMANT_OF_AUTHOR = """
MATCH (c:Claim) WHERE c.author_id = $author_id AND c.status = 'VERIFIED'
RETURN c.user_id
"""
PENDING_INVITATION_EXISTS = """
MATCH (i:Invitation)
WHERE i.sender_id = $sender_id AND i.recipient_author_id = $recipient_id
  AND i.status = 'PENDING'
RETURN count(i)
"""
INVITATIONS_SENT_SINCE = """
MATCH (i:Invitation) WHERE i.sender_id = $sender_id AND i.created_at >= $since
RETURN count(i)
"""
INVITATIONS_SENT = """
MATCH (i:Invitation) WHERE i.sender_id IN $ids
RETURN i.sender_id, i ORDER BY i.created_at DESC, i.id DESC
"""
INVITATIONS_RECEIVED = """
MATCH (c:Claim) WHERE c.user_id IN $ids AND c.status = 'VERIFIED'
MATCH (i:Invitation) WHERE i.recipient_author_id = c.author_id
RETURN c.user_id, i ORDER BY i.created_at DESC, i.id DESC
"""
PENDING_INVITATION_RECIPIENTS = """
MATCH (i:Invitation)
WHERE i.sender_id = $sender_id AND i.status = 'PENDING' AND i.recipient_author_id IN $ids
RETURN DISTINCT i.recipient_author_id
"""

# Close co-authorship (graph_store/coauthors.py): COAUTHOR from the smaller id.
TEAM_OF_PAPER: Final = "MATCH (a:Author)-[:AUTHORED]->(:Paper {id: $id}) RETURN a.id"
# Two MATCH clauses: as one pattern the engine joins the two author scans
# (2,000 rows took two minutes), as two it looks both up by key.
ADD_COAUTHOR_PAPERS: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.a})
MATCH (b:Author {id: r.b})
MERGE (a)-[c:COAUTHOR]->(b)
ON CREATE SET c.papers = CAST(r.n AS INT64)
ON MATCH SET c.papers = c.papers + CAST(r.n AS INT64)
"""
SET_COAUTHOR_PAPERS: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.a})
MATCH (b:Author {id: r.b})
MERGE (a)-[c:COAUTHOR]->(b)
SET c.papers = CAST(r.n AS INT64)
"""
DROP_COAUTHORS: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.a})-[c:COAUTHOR]->(b:Author)
WHERE b.id = r.b AND (r.n IS NULL OR c.papers <= 0)
DELETE c
"""
ALL_AUTHORSHIPS: Final = "MATCH (a:Author)-[:AUTHORED]->(p:Paper) RETURN p.id, a.id"
ALL_COAUTHOR_PAPERS: Final = "MATCH (a:Author)-[c:COAUTHOR]->(b:Author) RETURN a.id, b.id, c.papers"
HAS_MARK: Final = "MATCH (m:StoreMark {name: $name}) RETURN m.name"
SET_MARK: Final = "MERGE (m:StoreMark {name: $name})"
CLEAR_MARK: Final = "MATCH (m:StoreMark {name: $name}) DELETE m"
