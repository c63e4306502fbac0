"""The embedded GraphStore: LadybugDB in a directory on disk.

Threading model. LadybugDB's Python API is synchronous, and the engine allows
one write transaction at a time: a second writer fails at once (and a
statement on a connection whose BEGIN failed has crashed the process in
tests), so every write runs on ONE dedicated thread with ONE connection, each
write method being one ``BEGIN TRANSACTION … COMMIT`` there. Queuing on that
thread is the write lock: conditional writes check their rule inside their
transaction with no other writer able to interleave. Reads run on a small
pool, each thread with its own connection (connections are not shared across
threads); MVCC gives them a committed snapshot while a write is in flight.

Layout: ``connection.py`` (connections, threads, transactions, lifecycle),
``reads.py``, ``writes.py``; Cypher in ``queries.py``, DDL and its migration in
``ddl.py``, the search side index in ``search_index.py``. Records <-> nodes:
``graph_store/mapping.py``; rule decisions: ``graph_store/decisions.py``.
"""

from __future__ import annotations

from graph_store.embedded.bulk import EmbeddedBulk
from graph_store.embedded.reads import EmbeddedReads
from graph_store.store import GraphStore


class EmbeddedGraphStore(EmbeddedReads, EmbeddedBulk):
    """GraphStore over LadybugDB; the database file lives in ``data_dir``."""


def _conforms(store: EmbeddedGraphStore) -> GraphStore:
    # mypy proves here that the class satisfies the GraphStore protocol.
    return store
