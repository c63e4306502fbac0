"""Cypher of the Neo4j backend, as named constants.

Every value travels as a ``$parameter``; these strings are only ever
concatenated with each other (shared WHERE fragments), never with data.
Statuses are passed as parameters too, so the enums in ``records`` stay the
one source of truth.

Node properties are the mappings' (``graph_store/mapping.py``: the record's
fields, times as epoch microseconds, derived ``sort_key`` and casefolded
``*_key`` copies computed in Python so both backends fold case the same way;
a null property is absent). Writes send a record's properties as one map
(``$props``, ``r.props``). Relationships: (Author)-[:AUTHORED {position}]->(Paper),
(Paper)-[:TAGGED]->(Topic), (Author)-[:AFFILIATED]->(Institution),
(User)-[:FOLLOWS {at}]->(Author).
"""

from __future__ import annotations

from functools import cache
from typing import Final

from graph_store import paging

# --- locks ------------------------------------------------------------------------
# Neo4j runs at read-committed: a rule checked by reading is only safe if the
# transaction first holds a write lock that every competing writer also
# takes. Writing a dummy property takes the node's write lock until commit
# (the "lost updates" recipe of the Neo4j manual); the matching UNLOCK removes
# the property again in the same transaction, so it is never persisted.
#
# Two transactions taking the same two locks in opposite orders deadlock, so
# every write takes its locks in this one order (store._Locks enforces it),
# and locks a node before writing it (a write takes the lock implicitly).
LOCK_ORDER: Final = ("User", "Author", "Paper", "Claim", "Invitation", "Correction")
LOCK: Final = {
    label: f"MATCH (n:{label} {{id: $id}}) SET n._lock = true RETURN n {{.*}} AS n"
    for label in LOCK_ORDER
}
UNLOCK: Final = {label: f"MATCH (n:{label} {{id: $id}}) REMOVE n._lock" for label in LOCK_ORDER}
# Many nodes of one label at once (the import), in the order of $ids (sorted).
LOCK_MANY: Final = {
    label: f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) SET n._lock = true RETURN n {{.*}} AS n"
    for label in ("Author", "Paper")
}
UNLOCK_MANY: Final = {
    label: f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) REMOVE n._lock"
    for label in ("Author", "Paper")
}

# --- lifecycle ----------------------------------------------------------------------
PING: Final = "RETURN 1 AS ok"
WIPE_BATCH: Final = "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"

# --- import -------------------------------------------------------------------------
# Nodes are merged on id. Authors and papers are first read under a lock
# (LOCK_MANY) in the same transaction and merged in Python
# (shared_rules.merge_author / merge_paper), then written whole: the lock keeps
# a claim or correction committed meanwhile from being written over.
# Topics and institutions keep what they have (shared_rules: first import wins).
IMPORT_INSTITUTIONS: Final = """
UNWIND $rows AS r
MERGE (n:Institution {id: r.id})
ON CREATE SET n += r.props
"""
IMPORT_TOPICS: Final = """
UNWIND $rows AS r
MERGE (n:Topic {id: r.id})
ON CREATE SET n += r.props
"""
UPSERT_PAPERS: Final = """
UNWIND $rows AS r
MERGE (n:Paper {id: r.id})
SET n += r.props
"""
UPSERT_AUTHORS: Final = """
UNWIND $rows AS r
MERGE (n:Author {id: r.id})
SET n += r.props
"""
IMPORT_AFFILIATIONS: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.author_id})
MATCH (i:Institution {id: r.institution_id})
MERGE (a)-[:AFFILIATED]->(i)
"""
# An existing authorship keeps its position.
IMPORT_AUTHORSHIPS: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.author_id})
MATCH (p:Paper {id: r.paper_id})
MERGE (a)-[w:AUTHORED]->(p)
ON CREATE SET w.position = r.position
"""
IMPORT_PAPER_TOPICS: Final = """
UNWIND $rows AS r
MATCH (p:Paper {id: r.paper_id})
MATCH (t:Topic {id: r.topic_id})
MERGE (p)-[:TAGGED]->(t)
"""

# The fields of these authors and papers that corrections set (an import
# leaves them as corrected: shared_rules.refresh_*).
CORRECTED_FIELDS: Final = """
MATCH (c:Correction) WHERE c.target_id IN $ids AND c.status = $applied
RETURN DISTINCT c.target_id AS id, c.field AS field
"""
AUTHORS_BY_NAME_KEY: Final = """
MATCH (n:Author) WHERE n.name_key IN $keys
RETURN n {.*} AS n
"""
EXISTING_SLUGS: Final = "MATCH (n:Author) WHERE n.slug IN $slugs RETURN n.slug AS slug"
EXISTING_AUTHOR_IDS: Final = "MATCH (n:Author) WHERE n.id IN $ids RETURN n.id AS id"
PAPERS_BY_TITLE_KEY: Final = """
MATCH (n:Paper) WHERE n.title_key IN $keys
RETURN n {.*} AS n
"""
AUTHOR_COUNT: Final = "MATCH (n:Author) RETURN count(n) AS total"

# --- batch reads by id ----------------------------------------------------------------
GET_AUTHORS: Final = "MATCH (n:Author) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_AUTHORS_BY_SLUG: Final = "MATCH (n:Author) WHERE n.slug IN $slugs RETURN n {.*} AS n"
GET_PAPERS: Final = "MATCH (n:Paper) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_TOPICS: Final = "MATCH (n:Topic) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_TOPICS_BY_SLUG: Final = "MATCH (n:Topic) WHERE n.slug IN $slugs RETURN n {.*} AS n"
GET_INSTITUTIONS: Final = "MATCH (n:Institution) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_USERS: Final = "MATCH (n:User) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_CLAIMS: Final = "MATCH (n:Claim) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_INVITATIONS: Final = "MATCH (n:Invitation) WHERE n.id IN $ids RETURN n {.*} AS n"
GET_CORRECTIONS: Final = "MATCH (n:Correction) WHERE n.id IN $ids RETURN n {.*} AS n"
# One node by id (the facts of a conditional write).
GET_ONE: Final = {
    label: f"MATCH (n:{label} {{id: $id}}) RETURN n {{.*}} AS n"
    for label in ("User", "Author", "Paper", "Claim", "Invitation", "Correction")
}
# A record's properties written over a node locked earlier in the transaction
# (a decision); a null value removes the property, which is how a field is
# cleared.
UPDATE: Final = {
    label: f"MATCH (n:{label} {{id: $id}}) SET n += $props"
    for label in ("User", "Author", "Paper", "Claim", "Invitation", "Correction")
}

# --- keyset lists -------------------------------------------------------------------
# Each combination of filters is its own statement (built once, cached), so
# the planner sees no ``$x IS NULL OR`` and can walk the sort_key index in
# order: a page reads about ``$limit`` index entries, not the label. Pages
# return ``item`` and order by the node's own property, which lets the index
# provide the order where the rows are returned.


def _keyset(after: bool, before: bool = False) -> str:
    # IS NOT NULL (true for every node) lets the first page use the index too.
    return " AND ".join(paging.bounds("n.sort_key", after, before)) or "n.sort_key IS NOT NULL"


def _page(match: str, where: list[str], order: str, from_end: bool = False) -> str:
    condition = " AND ".join(where)
    by = paging.order(order, from_end)
    return f"{match}\nWHERE {condition}\nRETURN n {{.*}} AS item\nORDER BY {by}\nLIMIT $limit"


def _count(match: str, where: list[str]) -> str:
    condition = f"\nWHERE {' AND '.join(where)}" if where else ""
    return f"{match}{condition}\nRETURN count(n) AS total"


# With a status filter the (status, sort_key) index is named: it finds the
# status and gives the page order, but the planner may not pick it when the
# status is common. Its second property needs a predicate for the index to
# serve (hence ``IS NOT NULL`` in counts too).
_BY_CLAIM_STATUS: Final = "MATCH (n:Author) USING INDEX n:Author(claim_status, sort_key)"


def _author_filters(name: bool, claim_status: bool, topic: bool) -> list[str]:
    where = []
    if name:
        where.append("n.name_key CONTAINS $name")
    if claim_status:
        where.append("n.claim_status = $claim_status AND n.sort_key IS NOT NULL")
    if topic:
        where.append(
            "EXISTS { MATCH (n)-[:AUTHORED]->(:Paper)-[:TAGGED]->(:Topic {slug: $topic}) }"
        )
    return where


@cache
def list_authors(
    *,
    name: bool,
    claim_status: bool,
    topic: bool,
    after: bool,
    before: bool = False,
    from_end: bool = False,
) -> str:
    where = [*_author_filters(name, claim_status, topic), _keyset(after, before)]
    if claim_status:
        return _page(_BY_CLAIM_STATUS, where, "n.claim_status, n.sort_key", from_end)
    return _page("MATCH (n:Author)", where, "n.sort_key", from_end)


@cache
def count_authors(*, name: bool, claim_status: bool, topic: bool) -> str:
    match = _BY_CLAIM_STATUS if claim_status else "MATCH (n:Author)"
    return _count(match, _author_filters(name, claim_status, topic))


def _paper_filters(
    title: bool, kind: bool, year_from: bool, year_to: bool, topic: bool
) -> list[str]:
    where = []
    if title:
        where.append("n.title_key CONTAINS $title")
    if kind:
        where.append("n.kind = $kind")
    if year_from:
        where.append("n.year >= $year_from")
    if year_to:
        where.append("n.year <= $year_to")
    if topic:
        where.append("EXISTS { MATCH (n)-[:TAGGED]->(:Topic {slug: $topic}) }")
    return where


@cache
def list_papers(
    *,
    title: bool,
    kind: bool,
    year_from: bool,
    year_to: bool,
    topic: bool,
    after: bool,
    before: bool = False,
    from_end: bool = False,
) -> str:
    where = [*_paper_filters(title, kind, year_from, year_to, topic), _keyset(after, before)]
    return _page("MATCH (n:Paper)", where, "n.sort_key", from_end)


@cache
def count_papers(*, title: bool, kind: bool, year_from: bool, year_to: bool, topic: bool) -> str:
    return _count("MATCH (n:Paper)", _paper_filters(title, kind, year_from, year_to, topic))


@cache
def list_topics(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    return _page("MATCH (n:Topic)", [_keyset(after, before)], "n.sort_key", from_end)


COUNT_TOPICS: Final = "MATCH (n:Topic) RETURN count(n) AS total"

# --- relations (pages and rankings cut in the database; small relations grouped
# and ordered in Python) ------------------------------------------------------------
# Each starts from the ids it is given, one unique-index seek per id (UNWIND).
# Right after a bulk load the planner's index samples lag (Neo4j refreshes
# them in the background) and it was seen to scan a whole id index instead;
# ``CALL db.resampleOutdatedIndexes()`` after a bulk load settles it.


# One page of papers per author or topic, cut in the database; the total is
# the node's degree.
_PAPERS_OF: Final = {
    "author": ("(o:Author {id: key})", "(o)-[:AUTHORED]->(n:Paper)"),
    "topic": ("(o:Topic {id: key})", "(n:Paper)-[:TAGGED]->(o)"),
}


def _paper_pages(of: str, after: bool, before: bool, from_end: bool) -> str:
    owner, papers = _PAPERS_OF[of]
    keyset = _keyset(after, before)
    return f"""
UNWIND $ids AS key
MATCH {owner}
CALL (o) {{
  MATCH {papers} WHERE {keyset}
  WITH n ORDER BY {paging.order("n.sort_key", from_end)} LIMIT $limit
  RETURN collect(n {{.*}}) AS items
}}
RETURN key, items, COUNT {{ {papers} }} AS total
"""


@cache
def paper_pages_of_authors(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    return _paper_pages("author", after, before, from_end)


@cache
def paper_pages_of_topics(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    return _paper_pages("topic", after, before, from_end)


# The top $limit authors of each topic by their papers on it.
TOP_AUTHORS_OF_TOPICS: Final = """
UNWIND $ids AS key
MATCH (t:Topic {id: key})
CALL (t) {
  MATCH (n:Author)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(t)
  WITH n, count(DISTINCT p) AS weight
  WITH n, weight ORDER BY weight DESC, n.sort_key SKIP $offset LIMIT $limit
  RETURN collect({n: n {.*}, weight: weight}) AS top
}
RETURN key, top
"""
AUTHOR_COUNTS_OF_TOPICS: Final = """
UNWIND $ids AS key
MATCH (t:Topic {id: key})
CALL (t) {
  MATCH (n:Author)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t)
  RETURN count(DISTINCT n) AS authors
}
RETURN key, authors
"""


# The top $limit co-authors of each author, ranked in the database.
TOP_COAUTHORS_OF_AUTHORS: Final = """
UNWIND $ids AS key
MATCH (a:Author {id: key})
CALL (a) {
  MATCH (a)-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(n:Author) WHERE n <> a
  WITH n, collect(DISTINCT {id: p.id, sort_key: p.sort_key}) AS papers
  WITH n, papers ORDER BY size(papers) DESC, n.sort_key SKIP $offset LIMIT $limit
  RETURN collect({n: n {.*}, papers: papers}) AS top
}
RETURN key, top
"""
AUTHORS_OF_PAPERS: Final = """
UNWIND $ids AS key
MATCH (n:Author)-[w:AUTHORED]->(:Paper {id: key})
RETURN key, n {.*} AS n, w.position AS position
"""
TOPICS_OF_PAPERS: Final = """
UNWIND $ids AS key
MATCH (:Paper {id: key})-[:TAGGED]->(n:Topic)
RETURN key, n {.*} AS n
"""
TOPIC_WEIGHTS_OF_AUTHORS: Final = """
UNWIND $ids AS key
MATCH (:Author {id: key})-[:AUTHORED]->(p:Paper)-[:TAGGED]->(n:Topic)
WITH key, n, count(DISTINCT p) AS weight
RETURN key, n {.*} AS n, weight
"""
# Collaboration fit: each author's co-authors, topics and venues with counts
# (ids only, grouped per author), paper ids and work counts, rooted at a seek.
# One record per author, its pairs in two lists: the driver decodes a hub's
# 7,735 co-authors as rows in 300 ms, as lists in 50.
FIT_COAUTHORS: Final = """
UNWIND $ids AS key
MATCH (:Author {id: key})-[c:COAUTHOR]-(b:Author)
RETURN key, collect(b.id) AS ids, collect(c.papers) AS ns
"""
# Who wrote a paper with the author: the papers of whichever of the two
# wrote fewer, each checked for the other (an Expand(Into) on one
# relationship). Anchored on one side only, a hub author's 2,982 papers were
# expanded for every candidate, or a hub candidate's for a small author.
COAUTHORED: Final = """
MATCH (a:Author {id: $id})
WITH a, COUNT { (a)-[:AUTHORED]->() } AS mine
UNWIND $ids AS key
MATCH (b:Author {id: key})
WITH a, b, key, mine, COUNT { (b)-[:AUTHORED]->() } AS theirs
WHERE CASE WHEN mine <= theirs
  THEN EXISTS { MATCH (a)-[:AUTHORED]->(p) WHERE EXISTS { (p)<-[:AUTHORED]-(b) } }
  ELSE EXISTS { MATCH (b)-[:AUTHORED]->(p) WHERE EXISTS { (p)<-[:AUTHORED]-(a) } }
END
RETURN key AS id
"""
# AUTHORED ends at a paper, TAGGED at a topic: no label to check (35 vs 49 ms).
FIT_TOPICS: Final = """
UNWIND $ids AS key
MATCH (:Author {id: key})-[:AUTHORED]->(p)-[:TAGGED]->(t)
WITH key, t.id AS id, count(DISTINCT p) AS n
RETURN key, collect(id) AS ids, collect(n) AS ns
"""
FIT_VENUES: Final = """
UNWIND $ids AS key
MATCH (:Author {id: key})-[:AUTHORED]->(p:Paper) WHERE p.venue IS NOT NULL
WITH key, p.venue AS id, count(*) AS n
RETURN key, collect(id) AS ids, collect(n) AS ns
"""
# Without the end's label the count is the author's degree, stored for dense
# nodes (8 vs 17 ms for 20 hubs).
WORK_COUNTS: Final = """
UNWIND $ids AS key
MATCH (a:Author {id: key})
RETURN key, COUNT { (a)-[:AUTHORED]->() } AS n
"""
# The authors holding a claim of these decisions (an import records their
# trust changes: decisions.import_watch).
CLAIMED_AUTHORS: Final = """
MATCH (c:Claim) USING INDEX c:Claim(status, sort_key)
WHERE c.status IN $active AND c.sort_key IS NOT NULL
RETURN DISTINCT c.author_id AS id
"""
PAPER_IDS_OF_AUTHORS: Final = """
UNWIND $ids AS key
MATCH (:Author {id: key})-[:AUTHORED]->(p:Paper)
RETURN key, collect(p.id) AS ids
"""
# The profile generation (GraphStore.profile_generation): a count the writes
# that may change collaboration profiles move (imports, the co-author
# counts, decided corrections), kept beside the schema version, and an
# epoch that tells a new mark from an old one (a database wiped or restored
# starts counting again).
PROFILE_GENERATION: Final = """
MATCH (v:PeerGraphSchema {id: $id}) RETURN v.epoch AS epoch, v.generation AS n
"""
BUMP_PROFILE_GENERATION: Final = """
MERGE (v:PeerGraphSchema {id: $id})
ON CREATE SET v.generation = $step, v.epoch = randomUUID()
ON MATCH SET v.generation = v.generation + $step
"""
# Venues are a paper property without an index: a scan, for Query.node only.
EXISTING_VENUES: Final = """
UNWIND $names AS name
MATCH (p:Paper) WHERE p.venue = name
RETURN DISTINCT name
"""
# One COUNT subquery per figure, each anchored on the author found by id (as
# chained OPTIONAL MATCHes, the collaborators' pattern was seen planned as a
# hash join over every author).
AUTHOR_STATS: Final = """
UNWIND $ids AS key
MATCH (a:Author {id: key})
RETURN key AS id,
  COUNT { (a)-[:AUTHORED]->(:Paper) } AS works,
  COUNT { (a)<-[:FOLLOWS]-(:User) } AS followers,
  COUNT { MATCH (a)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic) RETURN DISTINCT t } AS topics,
  COUNT {
    MATCH (a)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(c:Author) WHERE c <> a RETURN DISTINCT c
  } AS collaborators
"""
NODE_LABELS: Final = """
MATCH (n:Author) WHERE n.id IN $ids RETURN n.id AS id, n.name AS label
UNION ALL
MATCH (n:Institution) WHERE n.id IN $ids RETURN n.id AS id, n.name AS label
UNION ALL
MATCH (n:Paper) WHERE n.id IN $ids RETURN n.id AS id, n.title AS label
UNION ALL
MATCH (n:Topic) WHERE n.id IN $ids RETURN n.id AS id, n.name AS label
"""
# UNION (not UNION ALL) returns each edge once even when both ends are asked
# for. One branch per end: ``a.id IN $ids OR p.id IN $ids`` scans the labels.
_EDGE_KINDS: Final = (
    ("Author", "AUTHORED", "Paper"),
    ("Paper", "TAGGED", "Topic"),
    ("Author", "AFFILIATED", "Institution"),
)
GRAPH_EDGES: Final = "\nUNION\n".join(
    f"UNWIND $ids AS id MATCH {pattern} RETURN s.id AS source, t.id AS target, '{kind}' AS kind"
    for source, kind, target in _EDGE_KINDS
    for pattern in (
        f"(s:{source} {{id: id}})-[:{kind}]->(t:{target})",
        f"(s:{source})-[:{kind}]->(t:{target} {{id: id}})",
    )
)

# --- search -----------------------------------------------------------------------------
# The Lucene index over the casefolded keys does the narrowing (each word as a
# term, a prefix and an infix wildcard, so a match inside a token is found as
# by the embedded store). Name/title hits and abstract hits are asked for
# separately, each up to $cap: a name or title match always outranks an
# abstract-only one (shared_rules.search_score), so abstracts must not crowd
# names out of the candidates. Their text comes back for scoring in Python.
SEARCH: Final = """
CALL db.index.fulltext.queryNodes($index, $primary, {limit: $cap}) YIELD node
RETURN node.id AS id, coalesce(node.name_key, node.title_key) AS primary,
       node.abstract_key AS secondary
UNION
CALL db.index.fulltext.queryNodes($index, $secondary, {limit: $cap}) YIELD node
RETURN node.id AS id, coalesce(node.name_key, node.title_key) AS primary,
       node.abstract_key AS secondary
"""

# --- accounts -------------------------------------------------------------------------
USER_BY_EMAIL_KEY: Final = "MATCH (n:User {email_key: $email_key}) RETURN n {.*} AS n"
# Creates MERGE on the id the request generated: a transaction retried after
# a commit whose acknowledgement was lost finds its own node (see
# shared_rules.replayed_create) instead of failing on the id constraint.
CREATE: Final = {
    label: f"MERGE (n:{label} {{id: $props.id}}) ON CREATE SET n += $props"
    for label in ("User", "Claim", "Invitation", "Correction", "TrustChange")
}

# --- follow ---------------------------------------------------------------------------
# Run with the user node locked, so two concurrent follows of one pair see
# each other's committed MERGE.
FOLLOW: Final = """
MATCH (u:User {id: $user_id})
MATCH (a:Author {id: $author_id})
MERGE (u)-[f:FOLLOWS]->(a)
ON CREATE SET f.at = $at
"""
UNFOLLOW: Final = """
MATCH (:User {id: $user_id})-[f:FOLLOWS]->(:Author {id: $author_id})
DELETE f
"""
FOLLOWED_AMONG: Final = """
MATCH (:User {id: $user_id})-[:FOLLOWS]->(a:Author) WHERE a.id IN $ids
RETURN a.id AS id
"""


@cache
def following_page(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    return _page(
        "MATCH (:User {id: $user_id})-[:FOLLOWS]->(n:Author)",
        [_keyset(after, before)],
        "n.sort_key",
        from_end,
    )


FOLLOWING_COUNT: Final = """
MATCH (:User {id: $user_id})-[:FOLLOWS]->(n:Author)
RETURN count(n) AS total
"""

# --- the claimant's settings, trust history ---------------------------------------------
SET_AUTHOR_SETTINGS: Final = """
MATCH (n:Author {id: $id})
SET n.open_to_collaborate = $open_to_collaborate, n.suggestible = $suggestible
"""


@cache
def trust_history_page(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    return _page(
        "MATCH (n:TrustChange {author_id: $author_id})",
        [_keyset(after, before)],
        "n.sort_key",
        from_end,
    )


TRUST_HISTORY_COUNT: Final = """
MATCH (n:TrustChange {author_id: $author_id})
RETURN count(n) AS total
"""

# --- claims ---------------------------------------------------------------------------
COUNT_ACTIVE_CLAIMS_OF_AUTHOR: Final = """
MATCH (c:Claim {author_id: $author_id}) WHERE c.status IN $statuses
RETURN count(c) AS total
"""
COUNT_CLAIMS_OF_USER: Final = """
MATCH (c:Claim {user_id: $user_id, status: $status})
RETURN count(c) AS total
"""
VERIFIED_AUTHOR_IDS_OF_USER: Final = """
MATCH (c:Claim {user_id: $user_id, status: $verified})
WITH c ORDER BY c.sort_key
RETURN c.author_id AS author_id
"""
SET_AUTHOR_CLAIM_STATUS: Final = "MATCH (n:Author {id: $id}) SET n.claim_status = $status"
CLAIMS_OF_USERS: Final = """
MATCH (n:Claim) WHERE n.user_id IN $ids
RETURN n.user_id AS key, n {.*} AS n
"""
VERIFIED_AUTHORS_OF_USERS: Final = """
MATCH (c:Claim {status: $verified}) WHERE c.user_id IN $ids
MATCH (n:Author) WHERE n.id = c.author_id
RETURN c.user_id AS key, n {.*} AS n, c.sort_key AS claim_key
"""
VERIFIED_CLAIMANTS_OF_AUTHORS: Final = """
MATCH (c:Claim {status: $verified}) WHERE c.author_id IN $ids
RETURN c.author_id AS author_id, c.user_id AS user_id, c.sort_key AS claim_key
"""


_CLAIM_QUEUE: Final = "MATCH (n:Claim) USING INDEX n:Claim(status, sort_key)"


@cache
def claims_by_status(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    where = ["n.status = $status", _keyset(after, before)]
    return _page(_CLAIM_QUEUE, where, "n.status, n.sort_key", from_end)


COUNT_CLAIMS_BY_STATUS: Final = _count(
    _CLAIM_QUEUE, ["n.status = $status", "n.sort_key IS NOT NULL"]
)

# --- provenance ---------------------------------------------------------------------------
# Origins by their record's id; revisions by (record id, field): the
# (entity_id, field) index (schema.py).
SOURCES_BY_ID: Final = "UNWIND $ids AS id MATCH (n:Source {id: id}) RETURN n {.*} AS n"
REVISIONS_OF_PAIRS: Final = """
UNWIND $pairs AS k
MATCH (n:Revision {entity_id: k.id, field: k.field})
RETURN n {.*} AS n
"""
REVISIONS_OF_FIELD: Final = """
UNWIND $ids AS id
MATCH (n:Revision {entity_id: id, field: $field})
WITH id, n ORDER BY n.sort_key DESC
WITH id, collect(n {.*}) AS revisions
RETURN id, revisions[..$first] AS revisions
"""
# An origin is written once, by the import creating its record.
MERGE_SOURCES: Final = """
UNWIND $rows AS props
MERGE (n:Source {id: props.id})
ON CREATE SET n += props
"""
# A revision's id is derived from its content: a retried write merges onto it.
MERGE_REVISIONS: Final = """
UNWIND $rows AS props
MERGE (n:Revision {id: props.id})
ON CREATE SET n += props
"""
# The moderators' list of overridden import values, in the (overridden,
# sort_key) index's order (as the claim queue).
_OVERRIDDEN: Final = "MATCH (n:Revision) USING INDEX n:Revision(overridden, sort_key)"


@cache
def overridden_revisions(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    where = ["n.overridden = $overridden", _keyset(after, before)]
    return _page(_OVERRIDDEN, where, "n.overridden, n.sort_key", from_end)


COUNT_OVERRIDDEN: Final = _count(
    _OVERRIDDEN, ["n.overridden = $overridden", "n.sort_key IS NOT NULL"]
)

# --- invitations ------------------------------------------------------------------------
COUNT_PENDING_PAIR: Final = """
MATCH (i:Invitation {sender_id: $sender_id, recipient_author_id: $recipient_id, status: $pending})
RETURN count(i) AS total
"""
COUNT_SENT_SINCE: Final = """
MATCH (i:Invitation {sender_id: $sender_id}) WHERE i.created_at >= $since
RETURN count(i) AS total
"""
VERIFIED_CLAIMANT_IDS_OF_AUTHOR: Final = """
MATCH (c:Claim {author_id: $author_id, status: $verified})
RETURN c.user_id AS user_id
"""
INVITATIONS_SENT: Final = """
MATCH (n:Invitation) WHERE n.sender_id IN $ids
RETURN n.sender_id AS key, n {.*} AS n
"""
INVITATIONS_RECEIVED: Final = """
MATCH (c:Claim {status: $verified}) WHERE c.user_id IN $ids
MATCH (n:Invitation) WHERE n.recipient_author_id = c.author_id
RETURN DISTINCT c.user_id AS key, n {.*} AS n
"""
PENDING_INVITATION_RECIPIENTS: Final = """
MATCH (i:Invitation {sender_id: $user_id, status: $pending})
WHERE i.recipient_author_id IN $ids
RETURN DISTINCT i.recipient_author_id AS id
"""

# --- corrections ------------------------------------------------------------------------
_CORRECTION_QUEUE: Final = "MATCH (n:Correction) USING INDEX n:Correction(status, sort_key)"


@cache
def corrections_by_status(*, after: bool, before: bool = False, from_end: bool = False) -> str:
    where = ["n.status = $status", _keyset(after, before)]
    return _page(_CORRECTION_QUEUE, where, "n.status, n.sort_key", from_end)


COUNT_CORRECTIONS_BY_STATUS: Final = _count(
    _CORRECTION_QUEUE, ["n.status = $status", "n.sort_key IS NOT NULL"]
)

# Close co-authorship (graph_store/coauthors.py): COAUTHOR from the smaller id.
# A paper whose pairs are not counted yet carries ``unpaired = true``
# (indexed): a bulk chunk's new papers until the transactions after it count
# them (then false, never null again: the upgrade below flags only null ones,
# so a second process upgrading at once cannot flag a counted paper), every
# paper of a database from before the weights until its first start does.
TEAMS_OF_PAPERS: Final = """
UNWIND $ids AS key
MATCH (a:Author)-[:AUTHORED]->(p:Paper {id: key})
RETURN key, collect(a.id) AS ids, p.unpaired AS unpaired
"""
ADD_COAUTHOR_PAPERS: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.a})
MATCH (b:Author {id: r.b})
MERGE (a)-[c:COAUTHOR]->(b)
ON CREATE SET c.papers = r.n
ON MATCH SET c.papers = c.papers + r.n
WITH c WHERE c.papers < $least
DELETE c
"""
FLAG_UNPAIRED: Final = "UNWIND $ids AS pid MATCH (p:Paper {id: pid}) SET p.unpaired = true"
# Each paper once, whoever else counts: the write lock comes first (SET), the
# flag is read under it.
COUNT_PAPERS: Final = """
UNWIND $ids AS pid
MATCH (p:Paper {id: pid})
SET p.pairing = true
REMOVE p.pairing
WITH p WHERE p.unpaired = true
SET p.unpaired = false
WITH p WHERE COUNT { (p)<-[:AUTHORED]-(:Author) } <= $limit
MATCH (a:Author)-[:AUTHORED]->(p)<-[:AUTHORED]-(b:Author)
WHERE a.id < b.id
WITH a, b, count(p) AS n
MERGE (a)-[c:COAUTHOR]->(b)
ON CREATE SET c.papers = n
ON MATCH SET c.papers = c.papers + n
"""
UNPAIRED_PAPERS: Final = "MATCH (p:Paper) WHERE p.unpaired = true RETURN p.id AS id LIMIT $batch"
# A database from before the weights (no pair yet): every paper flagged, a
# batch a transaction.
ANY_COAUTHOR: Final = "MATCH ()-[c:COAUTHOR]->() WITH c LIMIT $one RETURN count(c) AS n"
FLAG_ALL_PAPERS: Final = """
MATCH (p:Paper) WHERE p.unpaired IS NULL
WITH p LIMIT $batch
SET p.unpaired = true
RETURN count(p) AS n
"""
