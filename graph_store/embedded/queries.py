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

PING = "RETURN 1"

# --- import -----------------------------------------------------------------

# Look-ups by id: one primary-key lookup per id (UNWIND), measured 8x faster
# than ``WHERE x.id IN $ids`` at 30k papers, and not growing with the table.
EXISTING_AUTHORS = "UNWIND $ids AS k MATCH (a:Author {id: k}) RETURN a"
EXISTING_PAPERS = "UNWIND $ids AS k MATCH (p:Paper {id: k}) RETURN p"
# Which of these papers had a correction applied (merge_paper fills in nothing then).
CORRECTED_TARGETS = """
MATCH (c:Correction) WHERE c.target_id IN $ids AND c.status = $applied
RETURN DISTINCT c.target_id
"""

UPSERT_AUTHORS = """
UNWIND $rows AS r
MERGE (a:Author {id: r.id})
SET a.slug = r.slug, a.name = r.name, a.name_lc = r.name_lc, a.sort_key = r.sort_key,
    a.claim_status = r.claim_status, a.affiliation_id = r.affiliation_id,
    a.imp_works = CAST(r.imp_works AS INT64),
    a.imp_followers = CAST(r.imp_followers AS INT64),
    a.imp_topics = CAST(r.imp_topics AS INT64),
    a.imp_collaborators = CAST(r.imp_collaborators AS INT64),
    a.imp_trust_score = CAST(r.imp_trust_score AS INT64),
    a.imp_trust_tier = r.imp_trust_tier, a.imp_verification = r.imp_verification,
    a.imp_source = r.imp_source
"""

UPSERT_PAPERS = """
UNWIND $rows AS r
MERGE (p:Paper {id: r.id})
SET p.title = r.title, p.title_lc = r.title_lc, p.kind = r.kind,
    p.year = CAST(r.year AS INT64), p.venue = r.venue, p.abstract = r.abstract,
    p.abstract_lc = r.abstract_lc, p.code_url = r.code_url, p.sort_key = r.sort_key
"""

# Topics and institutions are vocabulary: an existing one is kept as it is.
MERGE_TOPICS = """
UNWIND $rows AS r
MERGE (t:Topic {id: r.id})
ON CREATE SET t.slug = r.slug, t.name = r.name, t.name_lc = r.name_lc, t.sort_key = r.sort_key
"""

MERGE_INSTITUTIONS = """
UNWIND $rows AS r
MERGE (i:Institution {id: r.id})
ON CREATE SET i.name = r.name, i.name_lc = r.name_lc
"""

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

AUTHORS_BY_NAME_LC = "MATCH (a:Author) WHERE a.name_lc IN $names RETURN a ORDER BY a.sort_key"
SLUGS_TAKEN = "MATCH (a:Author) WHERE a.slug IN $slugs RETURN a.slug"
PAPERS_BY_TITLE_LC = "MATCH (p:Paper) WHERE p.title_lc IN $titles RETURN p ORDER BY p.sort_key"
AUTHOR_COUNT = "MATCH (a:Author) RETURN count(a)"

# --- batch reads by id ------------------------------------------------------

AUTHORS_BY_ID = "UNWIND $ids AS k MATCH (a:Author {id: k}) RETURN a"
AUTHORS_BY_SLUG = "MATCH (a:Author) WHERE a.slug IN $slugs RETURN a"
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

AUTHOR_NAME_FILTER = "n.name_lc CONTAINS $name"
AUTHOR_STATUS_FILTER = "n.claim_status = $claim_status"
AUTHOR_TOPIC_FILTER = (
    "EXISTS { MATCH (n)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic) WHERE t.slug = $topic }"
)
PAPER_TITLE_FILTER = "n.title_lc CONTAINS $title"
PAPER_TOPIC_FILTER = "EXISTS { MATCH (n)-[:TAGGED]->(t:Topic) WHERE t.slug = $topic }"
PAPER_YEAR_FROM_FILTER = "n.year >= $year_from"
PAPER_YEAR_TO_FILTER = "n.year <= $year_to"
PAPER_KIND_FILTER = "n.kind = $kind"
STATUS_FILTER = "n.status = $status"
AFTER_FILTER = "n.sort_key > $after"

PAGE_TAIL = " RETURN n ORDER BY n.sort_key LIMIT $limit"
COUNT_TAIL = " RETURN count(n)"

# --- relations ----------------------------------------------------------------


# One page of an author's or a topic's papers, cut in the engine (one query
# per owner: LadybugDB has no per-group LIMIT); the count is the relation's.
_PAPERS_OF = {
    "author": "MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper)",
    "topic": "MATCH (p:Paper)-[:TAGGED]->(:Topic {id: $id})",
}
PAPER_PAGE = {of: f"{m}\nRETURN p ORDER BY p.sort_key LIMIT $limit" for of, m in _PAPERS_OF.items()}
PAPER_PAGE_AFTER = {
    of: f"{m}\nWHERE p.sort_key > $after\nRETURN p ORDER BY p.sort_key LIMIT $limit"
    for of, m in _PAPERS_OF.items()
}
PAPER_COUNT = {of: f"{m}\nRETURN count(p)" for of, m in _PAPERS_OF.items()}
# One topic's top authors by their papers on it.
TOP_AUTHORS_OF_TOPIC = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(:Topic {id: $id})
WITH a, count(DISTINCT p) AS papers
RETURN a, papers ORDER BY papers DESC, a.sort_key LIMIT $limit
"""
# One author's top co-authors, ranked in the engine.
TOP_COAUTHORS_OF_AUTHOR = """
MATCH (a:Author {id: $id})-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(b:Author)
WHERE b.id <> a.id
WITH b, collect(p.id) AS paper_ids, collect(p.sort_key) AS paper_keys,
     count(DISTINCT p) AS shared
RETURN b, paper_ids, paper_keys, shared ORDER BY shared DESC, b.sort_key LIMIT $limit
"""

AUTHORS_OF_PAPERS = """
MATCH (a:Author)-[e:AUTHORED]->(p:Paper) WHERE p.id IN $ids
RETURN p.id, a, e.position
"""

TOPICS_OF_PAPERS = """
MATCH (p:Paper)-[:TAGGED]->(t:Topic) WHERE p.id IN $ids
RETURN p.id, t ORDER BY t.slug
"""


TOPIC_WEIGHTS_OF_AUTHORS = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:TAGGED]->(t:Topic) WHERE a.id IN $ids
RETURN a.id, t, count(DISTINCT p) AS papers
"""


# Each OPTIONAL MATCH is aggregated before the next, so counts never multiply.
AUTHOR_STATS = """
MATCH (a:Author) WHERE a.id IN $ids
OPTIONAL MATCH (a)-[:AUTHORED]->(p:Paper)
WITH a, count(DISTINCT p) AS works
OPTIONAL MATCH (u:User)-[:FOLLOWS]->(a)
WITH a, works, count(DISTINCT u) AS followers
OPTIONAL MATCH (a)-[:AUTHORED]->(:Paper)-[:TAGGED]->(t:Topic)
WITH a, works, followers, count(DISTINCT t) AS topics
OPTIONAL MATCH (a)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b:Author) WHERE b.id <> a.id
RETURN a.id, works, followers, topics, count(DISTINCT b) AS collaborators
"""

NODE_LABELS = """
MATCH (a:Author) WHERE a.id IN $ids RETURN a.id AS id, a.name AS label
UNION ALL
MATCH (p:Paper) WHERE p.id IN $ids RETURN p.id AS id, p.title AS label
UNION ALL
MATCH (t:Topic) WHERE t.id IN $ids RETURN t.id AS id, t.name AS label
UNION ALL
MATCH (i:Institution) WHERE i.id IN $ids RETURN i.id AS id, i.name AS label
"""

GRAPH_EDGES = """
MATCH (a:Author)-[:AUTHORED]->(p:Paper) WHERE a.id IN $ids OR p.id IN $ids
RETURN a.id AS source, p.id AS target, 'AUTHORED' AS kind
UNION ALL
MATCH (p:Paper)-[:TAGGED]->(t:Topic) WHERE p.id IN $ids OR t.id IN $ids
RETURN p.id AS source, t.id AS target, 'TAGGED' AS kind
UNION ALL
MATCH (a:Author)-[:AFFILIATED]->(i:Institution) WHERE a.id IN $ids OR i.id IN $ids
RETURN a.id AS source, i.id AS target, 'AFFILIATED' AS kind
"""

# Candidates only; scoring happens in Python (no full-text extension offline).
# Every searchable text, to rebuild the search side index (search_index.py).
ALL_AUTHOR_TEXT = "MATCH (a:Author) RETURN a.id, a.name_lc"
ALL_TOPIC_TEXT = "MATCH (t:Topic) RETURN t.id, t.name_lc"
ALL_PAPER_TEXT = "MATCH (p:Paper) RETURN p.id, p.title_lc, p.abstract_lc"

# --- accounts -------------------------------------------------------------------

USER_BY_EMAIL_LC = "MATCH (u:User) WHERE u.email_lc = $email_lc RETURN u"
USER_BY_ID = "MATCH (u:User {id: $id}) RETURN u"
CREATE_USER = """
CREATE (:User {id: $id, email: $email, email_lc: $email_lc, display_name: $display_name,
               password_hash: $password_hash, role: $role, created_at: $created_at})
"""

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

AUTHOR_STATUS = "MATCH (a:Author {id: $author_id}) RETURN a.claim_status"
USER_EXISTS = "MATCH (u:User {id: $user_id}) RETURN u.id"
OPEN_CLAIMS_ON_AUTHOR = """
MATCH (c:Claim) WHERE c.author_id = $author_id AND c.status IN ['PENDING', 'VERIFIED']
RETURN count(c)
"""
VERIFIED_CLAIMS_OF_USER = """
MATCH (c:Claim) WHERE c.user_id = $user_id AND c.status = 'VERIFIED' AND c.id <> $except_id
RETURN c.author_id ORDER BY c.created_at
"""
CREATE_CLAIM = """
CREATE (:Claim {id: $id, author_id: $author_id, user_id: $user_id, status: $status,
                evidence: $evidence, created_at: $created_at, sort_key: $sort_key})
"""
SET_AUTHOR_STATUS = "MATCH (a:Author {id: $author_id}) SET a.claim_status = $claim_status"
CLAIM_BY_ID = "MATCH (c:Claim {id: $id}) RETURN c"
DECIDE_CLAIM = """
MATCH (c:Claim {id: $id})
SET c.status = $status, c.decided_at = $decided_at, c.note = $note
RETURN c
"""
WITHDRAW_CLAIM = """
MATCH (c:Claim {id: $id})
SET c.status = 'WITHDRAWN', c.decided_at = $decided_at
RETURN c
"""
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
CREATE_INVITATION = """
CREATE (:Invitation {id: $id, sender_id: $sender_id, sender_author_id: $sender_author_id,
                     recipient_author_id: $recipient_author_id, message: $message,
                     status: 'PENDING', created_at: $created_at})
"""
INVITATION_BY_ID = "MATCH (i:Invitation {id: $id}) RETURN i"
RESPOND_INVITATION = """
MATCH (i:Invitation {id: $id})
SET i.status = $status, i.responded_at = $responded_at
RETURN i
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

# --- corrections --------------------------------------------------------------

AUTHOR_EXISTS = "MATCH (a:Author {id: $id}) RETURN a.id"
PAPER_EXISTS = "MATCH (p:Paper {id: $id}) RETURN p.id"
CREATE_CORRECTION = """
CREATE (:Correction {id: $id, target_id: $target_id, field: $field,
                     proposed_value: $proposed_value, reason: $reason, status: $status,
                     created_by: $created_by, created_at: $created_at,
                     reviewed_by: $reviewed_by, reviewed_at: CAST($reviewed_at AS INT64),
                     note: $note, sort_key: $sort_key})
"""
CORRECTION_BY_ID = "MATCH (c:Correction {id: $id}) RETURN c"
DECIDE_CORRECTION = """
MATCH (c:Correction {id: $id})
SET c.status = $status, c.reviewed_by = $reviewed_by, c.reviewed_at = $reviewed_at,
    c.note = $note
RETURN c
"""
AUTHOR_BY_ID = "MATCH (a:Author {id: $id}) RETURN a"
PAPER_BY_ID = "MATCH (p:Paper {id: $id}) RETURN p"
SET_AUTHOR_NAME = """
MATCH (a:Author {id: $id}) SET a.name = $name, a.name_lc = $name_lc, a.sort_key = $sort_key
"""
# A correction rewrites the whole paper row so the derived columns stay in step.
SET_PAPER_FIELDS = """
MATCH (p:Paper {id: $id})
SET p.title = $title, p.title_lc = $title_lc, p.year = CAST($year AS INT64), p.venue = $venue,
    p.abstract = $abstract, p.abstract_lc = $abstract_lc, p.code_url = $code_url,
    p.sort_key = $sort_key
"""
