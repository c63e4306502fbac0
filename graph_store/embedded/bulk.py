"""The embedded store's bulk import: new nodes and their relationships go in
with LadybugDB's ``COPY FROM`` (CSV files it reads natively), what already
exists merges through ``import_batch``.

Why the care below: in LadybugDB 0.22 a ``COPY`` that fails (a duplicate
primary key, a relationship end that does not exist) or that is rolled back
leaves the process's database unusable (later statements fail, closing it
crashes the process; the file on disk keeps its last commit and opens
cleanly in a new process). So a COPY is only ever given rows that cannot
fail: ids checked absent on the writer thread (the only writer), each once,
relationship ends that exist. Should one fail anyway (say, a full disk), the
store marks itself broken and refuses every further call; the import stops
and can simply be run again (it is idempotent).

One chunk is two transactions: the COPYs of new rows, then ``import_batch``
for rows whose paper or author already existed and would change (an
existing author whose rows change nothing is left out; only its affiliation
edge is merged, in a transaction of its own, as ``import_batch`` would). A crash between them leaves
new papers without some relationships to older nodes; running the import
again adds them.
"""

from __future__ import annotations

import csv
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from graph_store.bulk_split import Split as _Split
from graph_store.bulk_split import (
    claimed_ids,
    named_ids,
    split_batch,
    without_unchanged_authors,
)
from graph_store.embedded import coauthor_weights
from graph_store.embedded import queries as Q
from graph_store.embedded.connection import _Conn, _uniq
from graph_store.embedded.ddl import SLUG_TABLE
from graph_store.embedded.search_index import Doc, doc
from graph_store.embedded.writes import EmbeddedWrites
from graph_store.errors import StoreError, StoreUnavailable
from graph_store.mapping import (
    AUTHOR,
    INSTITUTION,
    INT64,
    PAPER,
    SOURCE,
    STRING,
    TOPIC,
    NodeMapping,
)
from graph_store.records import AuthorRecord, ImportBatch

log = logging.getLogger(__name__)

# A NULL text is written as a marker that no value of the file equals (an
# empty field would turn "" into NULL too); a NULL number is an empty field
# (NULL_STRINGS does not apply to numbers).
_NULL = "\\N"


def _copy_options(null: str) -> str:
    # PARALLEL=FALSE: the parallel CSV reader refuses quoted newlines, which
    # titles and abstracts may hold.
    return f"(HEADER=false, PARALLEL=false, NULL_STRINGS=[{_literal(null)}])"


def _literal(text: str) -> str:
    """``text`` as a Cypher string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_EXISTING = {
    "Paper": "UNWIND $ids AS k MATCH (n:Paper {id: k}) RETURN n.id",
    "Topic": "UNWIND $ids AS k MATCH (n:Topic {id: k}) RETURN n.id",
    "Institution": "UNWIND $ids AS k MATCH (n:Institution {id: k}) RETURN n.id",
}


R = TypeVar("R")


class _CsvDir:
    """CSV files for one chunk's COPYs, in a directory removed afterwards."""

    def __init__(self, parent: Path) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=".bulk-", dir=parent))
        self._n = 0

    def copy(self, target: str, rows: list[list[Any]], texts: Sequence[bool] = ()) -> str:
        """A COPY of ``rows`` into ``target``; None in a column whose ``texts``
        flag is set is written as the null marker, elsewhere as an empty field."""
        null = _NULL
        values = {v for row in rows for v in row if isinstance(v, str)}
        while null in values:
            null += "N"
        if texts:
            rows = [
                [
                    (null if text else "") if v is None else v
                    for v, text in zip(row, texts, strict=True)
                ]
                for row in rows
            ]
        self._n += 1
        file = self.path / f"{self._n}.csv"
        with file.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        return f"COPY {target} FROM {_literal(str(file))} {_copy_options(null)}"

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class EmbeddedBulk(EmbeddedWrites):
    async def bulk_import(self, batch: ImportBatch) -> None:
        self._refuse_if_broken()
        self._refuse_unwritable()
        # One writer job: no other write can come between the check for
        # existing ids and the COPYs that rely on it.
        rest = await self._submit(
            self._writer, lambda: self._changing_profiles(self._copy_new, batch)
        )
        if rest.authors or rest.papers or rest.authorships or rest.paper_topics:
            await self.import_batch(rest)

    async def initialize(self) -> None:
        await super().initialize()
        # A bulk load that stopped before its end (or a database from before
        # the weights) left its pairs uncounted.
        await self._submit(self._writer, lambda: self._changing_profiles(self._count_coauthors))

    async def finish_bulk_import(self) -> None:
        # Fold the write-ahead log into the database file now, not at the next open.
        def run() -> None:
            self._count_coauthors()
            conn = self._write_conn
            if conn is None:
                raise StoreUnavailable("embedded store is not initialised (or closed)")
            try:
                conn.rows("CHECKPOINT")
            except Exception as e:
                raise StoreError(f"embedded store checkpoint failed: {e}") from e

        await self._submit(self._writer, lambda: self._changing_profiles(run))

    def _count_coauthors(self) -> None:
        """Recount every COAUTHOR pair if a bulk load marked them stale, in
        one transaction with the mark's removal (graph_store/coauthors.py)."""
        conn = self._write_conn
        if conn is None:
            raise StoreUnavailable("embedded store is not initialised (or closed)")
        try:
            if not coauthor_weights.is_stale(conn):
                return
            found = coauthor_weights.plan(conn)
        except Exception as e:
            raise StoreError(f"embedded store read failed: {e}") from e
        log.info(
            "co-author weights: %d pairs new, %d changed, %d gone",
            len(found.create), len(found.update), len(found.delete),
        )  # fmt: skip
        files = _CsvDir(self._data_dir)
        try:
            # Ends and pairs come from the store itself: the COPY cannot fail on them.
            creates = _plain_copy(files, "COAUTHOR", ("papers",), found.create)
            self._run_copies(conn, creates, then=lambda: coauthor_weights.finish(conn, found))
        finally:
            files.remove()

    def _split(self, batch: ImportBatch) -> tuple[_Split, dict[str, AuthorRecord]]:
        """The split, and the chunk's existing authors as stored."""
        conn = self._write_conn
        if conn is None:
            raise StoreUnavailable("embedded store is not initialised (or closed)")
        wanted = named_ids(batch)
        try:
            authors = wanted.pop("Author")
            rows = conn.rows(Q.EXISTING_AUTHOR_PROPS, {"ids": authors})
            props = (dict(zip(AUTHOR.names, r, strict=True)) for r in rows)
            stored = {a.id: a for a in map(AUTHOR.from_props, props)}
            existing = {
                label: set(conn.column(_EXISTING[label], {"ids": ids})) if ids else set()
                for label, ids in wanted.items()
            }
        except Exception as e:
            raise StoreError(f"embedded store read failed: {e}") from e
        split = split_batch(batch, {"Author": set(stored), **existing}, claimed_ids(stored))
        return split, stored

    def _copy_new(self, batch: ImportBatch) -> ImportBatch:
        """COPY the batch's new rows; what is left to merge."""
        split, stored = self._split(batch)
        conn = self._write_conn
        if conn is None:
            raise StoreUnavailable("embedded store is not initialised (or closed)")
        if split.has_new:
            self._copy(conn, split)
        rest, unchanged = without_unchanged_authors(split.rest, stored)
        linked = _uniq(a.id for a in unchanged if stored[a.id].affiliation_id is not None)
        if linked:
            try:  # a plain MERGE in its own transaction, as import_batch would do it
                conn.rows(Q.MERGE_AFFILIATIONS, {"ids": linked})
            except Exception as e:
                raise StoreError(f"embedded store write failed: {e}") from e
        return rest

    def _copy(self, conn: _Conn, split: _Split) -> None:
        slugs = [a.slug for a in split.new_authors]
        if len(set(slugs)) < len(slugs) or conn.column(Q.SLUGS_TAKEN, {"slugs": slugs}):
            # Checked here because a COPY must not fail (module docstring).
            raise StoreError("bulk import: a new author's slug is taken (or given twice)")
        files = _CsvDir(self._data_dir)
        docs: list[Doc] = [doc(a) for a in split.new_authors]
        docs += [doc(p) for p in split.new_papers]
        docs += [doc(t) for t in split.new_topics]
        try:
            statements = [
                *_node_copy(files, INSTITUTION, split.new_institutions),
                *_node_copy(files, TOPIC, split.new_topics),
                *_node_copy(files, AUTHOR, split.new_authors),
                *_plain_copy(files, SLUG_TABLE, (), ((a.slug, a.id) for a in split.new_authors)),
                *_node_copy(files, PAPER, split.new_papers),
                # One origin row per new record (no per-field rows: revisions
                # come only with later changes). Its key is the new record's id,
                # checked absent: an origin is only ever written with its record.
                *_node_copy(files, SOURCE, split.new_sources),
                *_plain_copy(
                    files,
                    "AUTHORED",
                    ("position",),
                    ((w.author_id, w.paper_id, w.position) for w in split.new_authorships),
                ),
                *_plain_copy(files, "TAGGED", (), split.new_paper_topics),
                *_plain_copy(files, "AFFILIATED", (), split.new_affiliations),
            ]
            # The search documents go in on another thread while the engine
            # copies (both release the GIL): the index is the load's other
            # big cost.
            failed: list[Exception] = []
            indexing = threading.Thread(
                target=self._index_quietly, args=(docs, failed), name="bulk-search-index"
            )
            indexing.start()
            # A new paper's pairs are counted at the end of the load (the mark).
            mark = (lambda: coauthor_weights.mark_stale(conn)) if split.new_authorships else None
            try:
                self._run_copies(conn, statements, then=mark)
            finally:
                indexing.join()
            if failed:
                # The graph has committed; the index stays marked dirty and is
                # rebuilt from the graph at the next start.
                log.warning("search index not updated, rebuilt at next start: %s", failed[0])
            else:
                self._search.settle()
        finally:
            files.remove()

    def _index_quietly(self, docs: list[Doc], failed: list[Exception]) -> None:
        try:
            self._search.upsert(docs)
        except Exception as e:
            failed.append(e)
            # The upsert rolled its dirty mark back with its documents: set it
            # again, so the next start rebuilds the index from the graph.
            try:
                self._search.mark_dirty()
            except Exception as again:
                log.error("search index could not be marked for a rebuild: %s", again)

    def _run_copies(
        self, conn: _Conn, statements: list[str], then: Callable[[], None] | None = None
    ) -> None:
        """The COPYs, then ``then``, in one transaction."""
        try:
            conn.rows("BEGIN TRANSACTION")
            for statement in statements:
                conn.rows(statement)
            if then is not None:
                then()
            conn.rows("COMMIT")
        except Exception as e:
            # No ROLLBACK: after a failed COPY the engine must not be used again.
            self._broken = str(e)
            log.error("bulk import failed; the store refuses further calls: %s", e)
            raise StoreError(f"embedded bulk import failed: {e}") from e


def _node_copy(files: _CsvDir, mapping: NodeMapping[R], records: Sequence[R]) -> list[str]:
    if not records:
        return []
    names = mapping.names
    rows = [[props[n] for n in names] for props in map(mapping.to_props, records)]
    # A number the engine cannot cast would fail the COPY (module docstring):
    # refused here, before any COPY runs.
    for i, (name, kind) in enumerate(mapping.props):
        if kind == INT64:
            for row in rows:
                v = row[i]
                if v is not None and not (type(v) is int and -(2**63) <= v < 2**63):
                    raise StoreError(f"bulk import: {mapping.label}.{name} {v!r} is no INT64")
    return [files.copy(mapping.label, rows, [kind == STRING for _, kind in mapping.props])]


def _plain_copy(
    files: _CsvDir, label: str, props: tuple[str, ...], rows: Iterable[Sequence[Any]]
) -> list[str]:
    """Rows without NULLs: relationships (both ends, then ``props``) or the slug table."""
    materialised = [list(row) for row in rows]
    if not materialised:
        return []
    return [files.copy(f"{label}({', '.join(props)})" if props else label, materialised)]
