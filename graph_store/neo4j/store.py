"""GraphStore on Neo4j 5 through the official async driver.

- One ``AsyncDriver`` (safe to share); a fresh ``AsyncSession`` per call,
  because a session is not safe to share between coroutines.
- Each read statement runs as its own auto-commit transaction (one round
  trip; at most ``max_concurrent_reads`` at once, the rest queued in order;
  retried here on transient errors, see ``session._read_all``), each write
  method in exactly one ``execute_write``, every one with a server-side
  timeout (``StoreConfig.transaction_timeout``; imports ``import_timeout``),
  which also bounds how long a write waits for a lock.
- Every session shares one bookmark manager, so a read sees the writes this
  process committed before it, also against a cluster (``neo4j://``).
- The driver retries the transaction function on transient errors, so each
  function only talks to ``tx`` and gets every generated value (ids, times)
  from its arguments. An exception that is not
  a driver error (our ``RuleViolation``) rolls the transaction back and is
  re-raised without a retry.
- Rules two requests could race are checked after taking a write lock on the
  node that serialises them (see ``queries`` "locks"), never before the
  transaction; locks are taken in one global order (``_Locks``).
- Creates are idempotent under a retry: a record whose id is already stored
  with the same creation time is the earlier attempt's (``replayed_create``).

Layout: ``session.py`` (driver, sessions, error mapping, locks, lifecycle),
``reads.py``, ``writes.py``, ``bulk.py`` (the bulk import, its Cypher with
it); Cypher in ``queries.py``, schema in ``schema.py``,
Lucene query text in ``lucene.py``. Records <-> nodes:
``graph_store/mapping.py``; rule decisions: ``graph_store/decisions.py``.
"""

from __future__ import annotations

from graph_store.neo4j.bulk import Neo4jBulk
from graph_store.neo4j.reads import Neo4jReads
from graph_store.store import GraphStore


class Neo4jGraphStore(Neo4jReads, Neo4jBulk):
    """GraphStore on Neo4j 5: the read and the write halves over one session layer."""


def _conforms(store: Neo4jGraphStore) -> GraphStore:
    # mypy proves here that the class satisfies the GraphStore protocol.
    return store
