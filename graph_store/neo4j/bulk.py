"""Bulk import on Neo4j: what is new goes in with plain ``CREATE`` in batched
``UNWIND`` statements, what already exists merges through ``import_batch``;
then fresh index statistics, so the planner sees the loaded graph's sizes.

One chunk is two transactions, as on the embedded store:

1. Find which of the chunk's ids exist (``graph_store/bulk_split.py`` splits
   the rows); the existing authors it names are found by locking them
   (sorted, in ``LOCK_ORDER``: a node is locked before it is written, and
   creating a relationship writes both ends), then create the new
   institutions, topics, authors and papers and every relationship of a new
   paper or a new author.
   Nothing is matched against what it might already be linked to: a new
   node has no relationships yet. New nodes need no lock: no other
   transaction knows them before this one commits.
2. ``import_batch`` for the rest: authors and papers that existed (their
   records merged under their locks, shared_rules; authors whose rows would
   change nothing are left out), and relationships of papers that existed.

A crash between the two leaves new papers whose older authors' records are
not yet refreshed; running the import again does it (it is idempotent). A
chunk that meets an id created meanwhile by another writer (the uniqueness
constraint refuses the CREATE; one import at a time is the rule, see
``GraphStore.bulk_import``) goes through ``import_batch`` whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, Final

import neo4j.exceptions as nx

from graph_store.bulk_split import (
    Split,
    claimed_ids,
    named_ids,
    split_batch,
    without_unchanged_authors,
)
from graph_store.errors import StoreError
from graph_store.mapping import AUTHOR, INSTITUTION, PAPER, SOURCE, TOPIC, NodeMapping
from graph_store.neo4j import coauthor_weights
from graph_store.neo4j import queries as q
from graph_store.neo4j.session import Tx, _Locks, _rows
from graph_store.neo4j.writes import Neo4jWrites
from graph_store.records import ImportBatch

log = logging.getLogger(__name__)

# Rows per statement: big enough that the per-statement cost vanishes, small
# enough that one statement's parameters stay a few megabytes.
SLICE: Final = 10_000

# Which of $ids exist, one index seek each.
EXISTING_IDS: Final = {
    label: f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id"
    for label in ("Author", "Paper", "Topic", "Institution")
}
# New nodes, every property from the mapping (a null one is not set).
CREATE_NODES: Final = {
    label: f"UNWIND $rows AS props CREATE (n:{label}) SET n = props"
    for label in ("Author", "Paper", "Topic", "Institution", "Source")
}
# Relationships of new nodes: each end found by its id (new ends are in this
# transaction's state, older ones locked first), created without a MERGE.
CREATE_AUTHORED: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.author_id})
MATCH (p:Paper {id: r.paper_id})
CREATE (a)-[:AUTHORED {position: r.position}]->(p)
"""
CREATE_TAGGED: Final = """
UNWIND $rows AS r
MATCH (p:Paper {id: r.paper_id})
MATCH (t:Topic {id: r.topic_id})
CREATE (p)-[:TAGGED]->(t)
"""
CREATE_AFFILIATED: Final = """
UNWIND $rows AS r
MATCH (a:Author {id: r.author_id})
MATCH (i:Institution {id: r.institution_id})
CREATE (a)-[:AFFILIATED]->(i)
"""


def _slices(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), SLICE):
        yield rows[start : start + SLICE]


async def _run_sliced(tx: Tx, statement: str, rows: Sequence[Any]) -> None:
    for part in _slices(rows):
        await _rows(tx, statement, rows=list(part))


async def _existing(tx: Tx, label: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in _slices(ids):  # unique already (bulk_split.named_ids)
        found.update(r["id"] for r in await _rows(tx, EXISTING_IDS[label], ids=list(part)))
    return found


def _props(mapping: NodeMapping[Any], records: Sequence[Any]) -> list[dict[str, Any]]:
    return [mapping.to_props(r) for r in records]


class Neo4jBulk(Neo4jWrites):
    async def bulk_import(self, batch: ImportBatch) -> None:
        try:
            rest, created = await self._write(
                lambda tx: _create_new(tx, batch),
                timeout=self._import_timeout,
                changes_profiles=True,
            )
        except StoreError as e:
            if not isinstance(e.__cause__, nx.ConstraintError):
                raise
            # An id created by another writer since this one looked (or a
            # taken slug, which import_batch reports in turn).
            rest, created = batch, []
        if created:
            await self._count_new_papers(created)
        if rest.authors or rest.papers or rest.authorships or rest.paper_topics:
            await self.import_batch(rest)

    async def _count_new_papers(self, paper_ids: list[str]) -> None:
        """The pairs of papers a chunk created (flagged ``unpaired`` in it),
        counted after it, ``PAPERS_PER_TX`` papers a transaction: in the
        chunk's own transaction they overran Neo4j's transaction memory (1 GB
        heap). Papers a crash leaves flagged are counted at the next start."""
        step = coauthor_weights.PAPERS_PER_TX
        for start in range(0, len(paper_ids), step):
            part = paper_ids[start : start + step]

            async def count(tx: Tx, part: list[str] = part) -> None:
                await coauthor_weights.count_papers(tx, part)

            await self._write(count, timeout=self._import_timeout, changes_profiles=True)

    async def _count_unpaired(self) -> None:
        """Count every paper still flagged (a chunk cut short, or every paper
        of a database from before the weights: queries.py)."""
        while found := await self._write(coauthor_weights.unpaired, timeout=self._import_timeout):
            log.info("counting the co-author pairs of %d papers", len(found))
            await self._count_new_papers(found)

    async def initialize(self) -> None:
        await super().initialize()
        await self._count_unpaired()

    async def finish_bulk_import(self) -> None:
        await self._count_unpaired()

        async def work(tx: Tx) -> None:
            result = await tx.run("CALL db.resampleOutdatedIndexes()")
            await result.consume()

        await self._write(work, timeout=self._import_timeout)


async def _create_new(tx: Tx, batch: ImportBatch) -> tuple[ImportBatch, list[str]]:
    """Transaction 1 (module docstring): create what is new; the rest, and
    the ids of the new papers whose co-author pairs are still to count."""
    wanted = named_ids(batch)
    locks = _Locks(tx)
    # Every existing author the chunk names is found, locked (sorted; Author
    # is the first label this transaction locks) and read in one pass: new
    # papers link them (a relationship writes both ends), and their rows may
    # refresh them.
    authors = sorted(wanted.pop("Author"))
    stored = {n["id"]: AUTHOR.from_props(n) for n in await locks.take_many("Author", authors)}
    existing = {label: await _existing(tx, label, ids) for label, ids in wanted.items()}
    split = split_batch(batch, {"Author": set(stored), **existing}, claimed_ids(stored))
    if split.has_new:
        await _create(tx, split)
    created: list[str] = []
    if split.new_authorships:
        # Their pairs are counted next, in transactions of their own.
        created = [p.id for p in split.new_papers]
        await coauthor_weights.flag(tx, created)
    rest, unchanged = without_unchanged_authors(split.rest, stored)
    # What import_batch does for every author it is given, for those it is no
    # longer given: the affiliation edge (the institution may have come only now).
    edges = [
        {"author_id": a.id, "institution_id": a.affiliation_id}
        for a in (stored[u.id] for u in unchanged)
        if a.affiliation_id is not None
    ]
    await _run_sliced(tx, q.IMPORT_AFFILIATIONS, edges)
    await locks.release()
    return rest, created


async def _create(tx: Tx, split: Split) -> None:
    await _run_sliced(tx, CREATE_NODES["Institution"], _props(INSTITUTION, split.new_institutions))
    await _run_sliced(tx, CREATE_NODES["Topic"], _props(TOPIC, split.new_topics))
    await _run_sliced(tx, CREATE_NODES["Author"], _props(AUTHOR, split.new_authors))
    await _run_sliced(tx, CREATE_NODES["Paper"], _props(PAPER, split.new_papers))
    # One origin per new record; revisions come only with later changes.
    await _run_sliced(tx, CREATE_NODES["Source"], _props(SOURCE, split.new_sources))
    authored = [
        {"author_id": w.author_id, "paper_id": w.paper_id, "position": w.position}
        for w in split.new_authorships
    ]
    await _run_sliced(tx, CREATE_AUTHORED, authored)
    tagged = [{"paper_id": p, "topic_id": t} for p, t in split.new_paper_topics]
    await _run_sliced(tx, CREATE_TAGGED, tagged)
    affiliated = [{"author_id": a, "institution_id": i} for a, i in split.new_affiliations]
    await _run_sliced(tx, CREATE_AFFILIATED, affiliated)
