"""Pick the backend: Neo4j when a URI is configured, else the embedded store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph_store.decisions import TrustModel
from graph_store.store import GraphStore


@dataclass(frozen=True, slots=True)
class StoreConfig:
    data_dir: Path
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    # Fail fast when the database is down instead of hanging about a minute.
    connection_timeout: float = 2.0
    acquisition_timeout: float = 3.0
    max_retry_time: float = 3.0
    # Server-side bound on one unit of work, lock waits included (seconds).
    transaction_timeout: float = 3.0
    import_timeout: float = 300.0
    # Neo4j statements one process reads with at once; more wait their turn
    # (graph_store/neo4j/session.py _read_slot). About twice the database's cores.
    max_concurrent_reads: int = 4
    # The trust model whose score changes the writes record (domain/trust.py's
    # MODEL; the store cannot import it). None: no trust history is recorded.
    trust_model: TrustModel | None = None
    # Embedded: LadybugDB stops a read statement running longer (seconds), the
    # request deadline's counterpart in the engine (a cancelled request cannot
    # stop the thread running its statement).
    statement_timeout: float = 10.0
    # Embedded store: a write's deadline (seconds), and the free disk space
    # below which writes are refused (graph_store/embedded/durability.py).
    write_timeout: float = 3.0
    disk_reserve_bytes: int = 256 * 1024 * 1024


def open_store(config: StoreConfig) -> GraphStore:
    """Construct (not yet initialise) the configured backend."""
    if config.neo4j_uri:
        from graph_store.neo4j.store import Neo4jGraphStore

        return Neo4jGraphStore(config)
    from graph_store.embedded.store import EmbeddedGraphStore

    return EmbeddedGraphStore(
        config.data_dir,
        statement_timeout=config.statement_timeout,
        write_timeout=config.write_timeout,
        disk_reserve=config.disk_reserve_bytes,
        trust_model=config.trust_model,
    )
