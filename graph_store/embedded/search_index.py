"""The embedded store's full-text side index: SQLite FTS5 from the standard
library, with the trigram tokenizer, so a word matches inside a longer one
(as the Neo4j index's infix wildcard does). LadybugDB's own full-text
extension is downloaded at run time, so it is unavailable offline.

One document per author, topic and paper: ``primary`` is the casefolded name
or title, ``secondary`` the casefolded abstract. The store writes the
documents of a graph write inside that write (``upsert``), setting a
``dirty`` mark in the same SQLite transaction, and clears the mark once the
graph has committed (``settle``). A mark still set at start-up means a crash
came between the two: the store rebuilds the index from the graph.

Calls come from the store's writer and reader threads; one lock serialises
them on the one connection (SQLite answers these in microseconds).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from graph_store.errors import StoreError
from graph_store.records import AuthorRecord, PaperRecord, TopicRecord
from graph_store.shared_rules import word_key

FILE_NAME = "search.sqlite3"
# Trigrams: a word of fewer than three characters cannot use the index and is
# matched with LIKE over the documents instead.
_MIN_INDEXED = 3

Doc = tuple[str, str, str]  # id, primary text, secondary text


def doc(record: AuthorRecord | TopicRecord | PaperRecord) -> Doc:
    """The search document of a record: what its ``*_key`` properties hold."""
    if isinstance(record, PaperRecord):
        return (record.id, record.title.casefold(), (record.abstract or "").casefold())
    return (record.id, record.name.casefold(), "")


# Bumped when the tables change: an index of another version is dropped and
# rebuilt from the graph (it holds nothing the graph does not).
_SCHEMA_VERSION = "3"
_DROP = (
    "DROP TABLE IF EXISTS docs_fts",
    "DROP TABLE IF EXISTS docs",
    "DROP TABLE IF EXISTS meta",
)
# The FTS table follows the docs table by the statements below, not by
# triggers: a trigger runs each row's FTS insert as its own statement, and
# FTS5 writes its pending terms out at every statement boundary, which made a
# bulk load four times slower (300k papers: 43 s against 12 s).
_BATCH_TABLE = "CREATE TEMP TABLE IF NOT EXISTS batch(id TEXT PRIMARY KEY)"
_FTS_DELETE = (
    "INSERT INTO docs_fts(docs_fts, rowid, primary_text, secondary_text) "
    "SELECT 'delete', d.rowid, d.primary_text, d.secondary_text "
    "FROM temp.batch b JOIN docs d ON d.id = b.id"
)
_FTS_INSERT = (
    "INSERT INTO docs_fts(rowid, primary_text, secondary_text) "
    "SELECT d.rowid, d.primary_text, d.secondary_text FROM temp.batch b JOIN docs d ON d.id = b.id"
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS docs("
    " rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, primary_text TEXT NOT NULL,"
    " secondary_text TEXT NOT NULL, exact_key TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5("
    " primary_text, secondary_text, content='docs', content_rowid='rowid',"
    " tokenize='trigram')",
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Exact names and titles (the top score tier, by shared_rules.word_key)
    # are found without the FTS.
    "CREATE INDEX IF NOT EXISTS docs_exact ON docs(exact_key)",
)
_UPSERT = (
    "INSERT INTO docs(id, primary_text, secondary_text, exact_key) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET primary_text = excluded.primary_text, "
    "secondary_text = excluded.secondary_text, exact_key = excluded.exact_key"
)
_INSERT_NEW = (
    "INSERT OR IGNORE INTO docs(id, primary_text, secondary_text, exact_key) VALUES (?, ?, ?, ?)"
)
_EXACT = "SELECT id, primary_text, secondary_text FROM docs WHERE exact_key = ?"
_MATCH = (
    "SELECT d.id, d.primary_text, d.secondary_text FROM docs_fts "
    "JOIN docs d ON d.rowid = docs_fts.rowid WHERE docs_fts MATCH ? LIMIT ?"
)
_SET_META = "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?"


def _fts_query(column: str, words: Sequence[str], join: str) -> str:
    # Words are \w+ runs (shared_rules.search_words): no quote can occur.
    return f"{column} : (" + f" {join} ".join(f'"{w}"' for w in words) + ")"


class SearchIndex:
    def __init__(self, directory: Path) -> None:
        self._path = directory / FILE_NAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def open(self) -> bool:
        """Open (creating) the index; True when it must be rebuilt from the graph
        (new, or left dirty by a crash)."""
        with self._lock:
            if self._db is None:
                try:
                    self._db = sqlite3.connect(self._path, check_same_thread=False)
                    with self._db:
                        if self._version() != _SCHEMA_VERSION:
                            for statement in _DROP:
                                self._db.execute(statement)
                        for statement in _SCHEMA:
                            self._db.execute(statement)
                        self._db.execute(_SET_META, ("schema", _SCHEMA_VERSION, _SCHEMA_VERSION))
                except sqlite3.Error as e:
                    raise StoreError(f"search index {self._path}: {e}") from e
        return self.needs_rebuild()

    def _version(self) -> str | None:
        assert self._db is not None
        if not self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone():
            return None
        return self._meta("schema")

    def needs_rebuild(self) -> bool:
        """New, or left dirty: a write between ``upsert`` and ``settle`` did not finish."""
        with self._lock:
            return self._meta("state") != "clean"

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("search index is not open")
        return self._db

    def _meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def upsert(self, docs: Iterable[Doc], *, keep_existing: Iterable[Doc] = ()) -> None:
        """Write documents (``keep_existing``: only where none exists yet) and
        mark the index dirty until ``settle``."""
        with self._lock, self._conn() as db:
            db.execute(_SET_META, ("state", "dirty", "dirty"))
            db.execute(_BATCH_TABLE)
            # Replaced documents: their old terms leave the FTS first (an
            # external-content FTS5 table needs the old text to remove them).
            self._fill_batch(db, rows := list(_keyed(docs)))
            db.execute(_FTS_DELETE)
            db.executemany(_UPSERT, rows)
            db.execute(_FTS_INSERT)
            # New documents only: the batch holds the ids not there yet.
            self._fill_batch(db, new := list(_keyed(keep_existing)))
            db.execute("DELETE FROM temp.batch WHERE id IN (SELECT id FROM docs)")
            db.executemany(_INSERT_NEW, new)
            db.execute(_FTS_INSERT)

    @staticmethod
    def _fill_batch(db: sqlite3.Connection, docs: list[tuple[str, str, str, str]]) -> None:
        db.execute("DELETE FROM temp.batch")
        db.executemany("INSERT OR IGNORE INTO temp.batch(id) VALUES (?)", ((d[0],) for d in docs))

    def mark_dirty(self) -> None:
        """Rebuild from the graph at the next start."""
        with self._lock, self._conn() as db:
            db.execute(_SET_META, ("state", "dirty", "dirty"))

    def settle(self) -> None:
        """The graph write the last ``upsert`` belonged to has committed."""
        with self._lock, self._conn() as db:
            db.execute(_SET_META, ("state", "clean", "clean"))

    def rebuild(self, docs: Iterable[Doc]) -> None:
        with self._lock, self._conn() as db:
            db.execute("DELETE FROM docs")
            db.executemany(_UPSERT, _keyed(docs))
            # The FTS read afresh from the docs table, in one pass.
            db.execute("INSERT INTO docs_fts(docs_fts) VALUES ('rebuild')")
            db.execute(_SET_META, ("state", "clean", "clean"))

    def candidates(self, words: Sequence[str], cap: int) -> list[Doc]:
        """Documents for ``shared_rules.search_score`` to rank: the exact name or
        title; then, for names/titles and for abstracts each (so names are never
        crowded out by abstracts), up to ``cap`` holding every word, topped up
        to ``cap`` with ones holding any word.

        Unranked on purpose: FTS5's ``ORDER BY rank`` computes bm25 for every
        match (a common word in 300k papers: 25k matches, 100 ms), and the
        score ranks the candidates anyway; documents holding every word (the
        better tier) come first."""
        long_words = [w for w in words if len(w) >= _MIN_INDEXED]
        short_words = [w for w in words if len(w) < _MIN_INDEXED]
        found: dict[str, Doc] = {}

        def take(sql: str, params: tuple[object, ...], new: int | None = None) -> None:
            """Add the rows found; with ``new``, at most that many not found before."""
            for r in db.execute(sql, params):
                if r[0] not in found:
                    if new is not None and new <= 0:
                        break
                    found[r[0]] = (r[0], r[1], r[2])
                    new = None if new is None else new - 1

        with self._lock:
            db = self._conn()
            take(_EXACT, (" ".join(words),))  # words are word_key's words
            for column in ("primary_text", "secondary_text"):
                start = len(found)
                joins = ["AND", "OR"] if len(long_words) > 1 else ["AND"]
                for join in joins if long_words else []:
                    room = cap - (len(found) - start)
                    if room > 0:
                        # Documents found already may come first: ask for enough.
                        query = _fts_query(column, long_words, join)
                        take(_MATCH, (query, room + len(found)), new=room)
                for w in short_words:
                    like = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                    take(
                        f"SELECT id, primary_text, secondary_text FROM docs "
                        f"WHERE {column} LIKE ? ESCAPE '\\' LIMIT ?",
                        (like + "%", cap),
                    )
        return list(found.values())


def _keyed(docs: Iterable[Doc]) -> Iterator[tuple[str, str, str, str]]:
    return ((i, primary, secondary, word_key(primary)) for i, primary, secondary in docs)
