"""Cypher of the Neo4j backend, as named constants.

Every value travels as a ``$parameter``; these strings are only ever
concatenated with each other (shared WHERE fragments), never with data.
Statuses are passed as parameters too, so the enums in ``records`` stay the
one source of truth.

Node properties (times are epoch microseconds, ``*_key`` are casefolded
copies computed in Python so both backends fold case the same way):

- Author: id, slug, name, name_key, sort_key, claim_status, affiliation_id,
  imp_* (imported figures, absent when none)
- Paper: id, title, title_key, kind, year, venue, abstract, abstract_key,
  code_url, sort_key
- Topic: id, slug, name, name_key, sort_key;  Institution: id, name
- User: id, email, email_key, display_name, password_hash, role, created_at
- Claim / Invitation / Correction: the record's fields plus
  ``sort_key = f"{created_at:020d}|{id}"``
Relationships: (Author)-[:AUTHORED {position}]->(Paper),
(Paper)-[:TAGGED]->(Topic), (Author)-[:AFFILIATED]->(Institution),
(User)-[:FOLLOWS {at}]->(Author).
"""

from __future__ import annotations

from typing import Final

# --- locks ------------------------------------------------------------------------
# Neo4j runs at read-committed: a rule checked by reading is only safe if the
# transaction first holds a write lock that every competing writer also
# takes. Writing a dummy property takes the node's write lock until commit
# (the "lost updates" recipe of the Neo4j manual); the matching UNLOCK removes
# the property again in the same transaction, so it is never persisted.
LOCK_AUTHOR: Final = "MATCH (n:Author {id: $id}) SET n._lock = true RETURN n {.*} AS n"
LOCK_PAPER: Final = "MATCH (n:Paper {id: $id}) SET n._lock = true RETURN n {.*} AS n"
LOCK_USER: Final = "MATCH (n:User {id: $id}) SET n._lock = true RETURN n {.*} AS n"
LOCK_CLAIM: Final = "MATCH (n:Claim {id: $id}) SET n._lock = true RETURN n {.*} AS n"
LOCK_INVITATION: Final = "MATCH (n:Invitation {id: $id}) SET n._lock = true RETURN n {.*} AS n"
LOCK_CORRECTION: Final = "MATCH (n:Correction {id: $id}) SET n._lock = true RETURN n {.*} AS n"
UNLOCK_AUTHOR: Final = "MATCH (n:Author {id: $id}) REMOVE n._lock"
UNLOCK_PAPER: Final = "MATCH (n:Paper {id: $id}) REMOVE n._lock"
UNLOCK_USER: Final = "MATCH (n:User {id: $id}) REMOVE n._lock"
UNLOCK_CLAIM: Final = "MATCH (n:Claim {id: $id}) REMOVE n._lock"
UNLOCK_INVITATION: Final = "MATCH (n:Invitation {id: $id}) REMOVE n._lock"
UNLOCK_CORRECTION: Final = "MATCH (n:Correction {id: $id}) REMOVE n._lock"

# --- lifecycle ----------------------------------------------------------------------
PING: Final = "RETURN 1 AS ok"
WIPE_BATCH: Final = "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"

# --- import -------------------------------------------------------------------------
# Nodes are merged on id. Authors and papers are first read in the same
# transaction and merged in Python (mapping.merge_author / merge_paper), then
# written whole, so the merge rules live in one readable place.
IMPORT_INSTITUTIONS: Final = """
UNWIND $rows AS r
MERGE (n:Institution {id: r.id})
SET n += r.props
"""
IMPORT_TOPICS: Final = """
UNWIND $rows AS r
MERGE (n:Topic {id: r.id})
SET n += r.props
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

AUTHORS_BY_NAME_KEY: Final = """
MATCH (n:Author) WHERE n.name_key IN $keys
RETURN n {.*} AS n
"""
EXISTING_SLUGS: Final = "MATCH (n:Author) WHERE n.slug IN $slugs RETURN n.slug AS slug"
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

# --- keyset lists -------------------------------------------------------------------
# A null parameter switches its filter off. The count uses the same filter
# without the keyset condition.
_AUTHOR_FILTER: Final = """
MATCH (n:Author)
WHERE ($name IS NULL OR n.name_key CONTAINS $name)
  AND ($claim_status IS NULL OR n.claim_status = $claim_status)
  AND ($topic IS NULL OR EXISTS {
        MATCH (n)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic) WHERE t.slug = $topic
      })
"""
LIST_AUTHORS: Final = (
    _AUTHOR_FILTER
    + """
  AND ($after IS NULL OR n.sort_key > $after)
WITH n ORDER BY n.sort_key LIMIT $limit
RETURN n {.*} AS n
"""
)
COUNT_AUTHORS: Final = _AUTHOR_FILTER + "RETURN count(n) AS total"

_PAPER_FILTER: Final = """
MATCH (n:Paper)
WHERE ($title IS NULL OR n.title_key CONTAINS $title)
  AND ($kind IS NULL OR n.kind = $kind)
  AND ($year_from IS NULL OR n.year >= $year_from)
  AND ($year_to IS NULL OR n.year <= $year_to)
  AND ($topic IS NULL OR EXISTS {
        MATCH (n)-[:TAGGED]->(t:Topic) WHERE t.slug = $topic
      })
"""
LIST_PAPERS: Final = (
    _PAPER_FILTER
    + """
  AND ($after IS NULL OR n.sort_key > $after)
WITH n ORDER BY n.sort_key LIMIT $limit
RETURN n {.*} AS n
"""
)
COUNT_PAPERS: Final = _PAPER_FILTER + "RETURN count(n) AS total"

LIST_TOPICS: Final = """
MATCH (n:Topic)
WHERE $after IS NULL OR n.sort_key > $after
WITH n ORDER BY n.sort_key LIMIT $limit
RETURN n {.*} AS n
"""
COUNT_TOPICS: Final = "MATCH (n:Topic) RETURN count(n) AS total"

# --- relations (rows are grouped and ordered in Python) ------------------------------
PAPERS_OF_AUTHORS: Final = """
MATCH (a:Author)-[:AUTHORED]->(n:Paper) WHERE a.id IN $ids
RETURN a.id AS key, n {.*} AS n
"""
AUTHORS_OF_PAPERS: Final = """
MATCH (n:Author)-[w:AUTHORED]->(p:Paper) WHERE p.id IN $ids
RETURN p.id AS key, n {.*} AS n, w.position AS position
"""
TOPICS_OF_PAPERS: Final = """
MATCH (p:Paper)-[:TAGGED]->(n:Topic) WHERE p.id IN $ids
RETURN p.id AS key, n {.*} AS n
"""
PAPERS_OF_TOPICS: Final = """
MATCH (n:Paper)-[:TAGGED]->(t:Topic) WHERE t.id IN $ids
RETURN t.id AS key, n {.*} AS n
"""
AUTHORS_OF_TOPICS: Final = """
MATCH (n:Author)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(t:Topic) WHERE t.id IN $ids
WITH t.id AS key, n, count(DISTINCT p) AS weight
RETURN key, n {.*} AS n, weight
"""
TOPIC_WEIGHTS_OF_AUTHORS: Final = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(n:Topic) WHERE a.id IN $ids
WITH a.id AS key, n, count(DISTINCT p) AS weight
RETURN key, n {.*} AS n, weight
"""
COAUTHORS_OF_AUTHORS: Final = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(n:Author)
WHERE a.id IN $ids AND n.id <> a.id
WITH a.id AS key, n, collect(DISTINCT {id: p.id, sort_key: p.sort_key}) AS papers
RETURN key, n {.*} AS n, papers
"""
# One OPTIONAL MATCH per count, aggregated before the next, so the counts do
# not multiply each other.
AUTHOR_STATS: Final = """
MATCH (a:Author) WHERE a.id IN $ids
OPTIONAL MATCH (a)-[:AUTHORED]->(p:Paper)
WITH a, count(DISTINCT p) AS works
OPTIONAL MATCH (a)<-[:FOLLOWS]-(u:User)
WITH a, works, count(DISTINCT u) AS followers
OPTIONAL MATCH (a)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic)
WITH a, works, followers, count(DISTINCT t) AS topics
OPTIONAL MATCH (a)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(c:Author)
WHERE c.id <> a.id
WITH a, works, followers, topics, count(DISTINCT c) AS collaborators
RETURN a.id AS id, works, followers, topics, collaborators
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
# UNION (not UNION ALL) returns each edge once even when both ends are asked for.
GRAPH_EDGES: Final = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper) WHERE a.id IN $ids OR p.id IN $ids
RETURN a.id AS source, p.id AS target, 'AUTHORED' AS kind
UNION
MATCH (p:Paper)-[:TAGGED]->(t:Topic) WHERE p.id IN $ids OR t.id IN $ids
RETURN p.id AS source, t.id AS target, 'TAGGED' AS kind
UNION
MATCH (a:Author)-[:AFFILIATED]->(i:Institution) WHERE a.id IN $ids OR i.id IN $ids
RETURN a.id AS source, i.id AS target, 'AFFILIATED' AS kind
"""

# --- search -----------------------------------------------------------------------------
# Candidates from the Lucene index (with its relevance score), then the text of
# those candidates plus of every node containing one of the words, so a
# match inside a token (which Lucene's tokens miss) is still found.
SEARCH_FULLTEXT: Final = """
CALL db.index.fulltext.queryNodes($index, $lucene) YIELD node, score
WITH node, score ORDER BY score DESC LIMIT $cap
RETURN node.id AS id, score
"""
SEARCH_TEXT: Final = """
MATCH (n:Author)
WHERE n.id IN $ids OR any(w IN $words WHERE n.name_key CONTAINS w)
RETURN n.id AS id, n.name_key AS primary, null AS secondary
UNION ALL
MATCH (n:Topic)
WHERE n.id IN $ids OR any(w IN $words WHERE n.name_key CONTAINS w)
RETURN n.id AS id, n.name_key AS primary, null AS secondary
UNION ALL
MATCH (n:Paper)
WHERE n.id IN $ids
   OR any(w IN $words WHERE n.title_key CONTAINS w OR n.abstract_key CONTAINS w)
RETURN n.id AS id, n.title_key AS primary, n.abstract_key AS secondary
"""

# --- accounts -------------------------------------------------------------------------
USER_BY_EMAIL_KEY: Final = "MATCH (n:User {email_key: $email_key}) RETURN n {.*} AS n"
CREATE_USER: Final = "CREATE (n:User) SET n += $props RETURN n {.*} AS n"

# --- follow ---------------------------------------------------------------------------
GET_AUTHOR: Final = "MATCH (n:Author {id: $id}) RETURN n {.*} AS n"
GET_PAPER: Final = "MATCH (n:Paper {id: $id}) RETURN n {.*} AS n"
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
FOLLOWING_PAGE: Final = """
MATCH (:User {id: $user_id})-[:FOLLOWS]->(n:Author)
WHERE $after IS NULL OR n.sort_key > $after
WITH n ORDER BY n.sort_key LIMIT $limit
RETURN n {.*} AS n
"""
FOLLOWING_COUNT: Final = """
MATCH (:User {id: $user_id})-[:FOLLOWS]->(n:Author)
RETURN count(n) AS total
"""

# --- claims ---------------------------------------------------------------------------
COUNT_ACTIVE_CLAIMS_OF_AUTHOR: Final = """
MATCH (c:Claim {author_id: $author_id}) WHERE c.status IN $statuses
RETURN count(c) AS total
"""
VERIFIED_AUTHOR_IDS_OF_USER: Final = """
MATCH (c:Claim {user_id: $user_id, status: $verified})
WITH c ORDER BY c.sort_key
RETURN c.author_id AS author_id
"""
CREATE_CLAIM: Final = "CREATE (n:Claim) SET n += $props RETURN n {.*} AS n"
SET_CLAIM_STATUS: Final = """
MATCH (n:Claim {id: $id})
SET n.status = $status, n.decided_at = $at, n.note = coalesce($note, n.note)
RETURN n {.*} AS n
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
CLAIMS_BY_STATUS: Final = """
MATCH (n:Claim {status: $status})
WHERE $after IS NULL OR n.sort_key > $after
WITH n ORDER BY n.sort_key LIMIT $limit
RETURN n {.*} AS n
"""
COUNT_CLAIMS_BY_STATUS: Final = "MATCH (n:Claim {status: $status}) RETURN count(n) AS total"

# --- invitations ------------------------------------------------------------------------
COUNT_PENDING_PAIR: Final = """
MATCH (i:Invitation {sender_id: $sender_id, recipient_author_id: $recipient_id, status: $pending})
RETURN count(i) AS total
"""
COUNT_SENT_SINCE: Final = """
MATCH (i:Invitation {sender_id: $sender_id}) WHERE i.created_at >= $since
RETURN count(i) AS total
"""
CREATE_INVITATION: Final = "CREATE (n:Invitation) SET n += $props RETURN n {.*} AS n"
SET_INVITATION_STATUS: Final = """
MATCH (n:Invitation {id: $id})
SET n.status = $status, n.responded_at = $at
RETURN n {.*} AS n
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
CREATE_CORRECTION: Final = "CREATE (n:Correction) SET n += $props RETURN n {.*} AS n"
SET_CORRECTION_STATUS: Final = """
MATCH (n:Correction {id: $id})
SET n.status = $status, n.reviewed_by = $reviewer_id, n.reviewed_at = $at, n.note = $note
RETURN n {.*} AS n
"""
# ``$props`` is built in Python from a fixed list of properties; a null value
# removes the property, which is how a field is cleared.
UPDATE_AUTHOR: Final = "MATCH (n:Author {id: $id}) SET n += $props"
UPDATE_PAPER: Final = "MATCH (n:Paper {id: $id}) SET n += $props"
CORRECTIONS_BY_STATUS: Final = """
MATCH (n:Correction {status: $status})
WHERE $after IS NULL OR n.sort_key > $after
WITH n ORDER BY n.sort_key LIMIT $limit
RETURN n {.*} AS n
"""
COUNT_CORRECTIONS_BY_STATUS: Final = (
    "MATCH (n:Correction {status: $status}) RETURN count(n) AS total"
)
