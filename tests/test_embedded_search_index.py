"""The embedded store's search side index (SQLite FTS5): search answers from
it, and it is rebuilt from the graph when missing or left dirty by a crash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph_store.embedded.search_index import FILE_NAME, SearchIndex
from graph_store.embedded.store import EmbeddedGraphStore
from tests.contract.conftest import BAO, GRAPH, P3


async def _store(path: Path) -> EmbeddedGraphStore:
    store = EmbeddedGraphStore(path)
    await store.initialize()
    return store


async def test_search_answers_from_the_index_and_rebuilds_it(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    await store.import_batch(GRAPH)
    assert (await store.search("sparse experts", 1))[0].node_id == P3
    await store.close()

    index = tmp_path / FILE_NAME
    with sqlite3.connect(index) as db:  # a clean index that lost its documents
        db.execute("DELETE FROM docs")
    store = await _store(tmp_path)
    # The graph still holds the papers: an empty answer shows search reads the index.
    assert await store.search("sparse experts", 1) == []
    await store.close()

    with sqlite3.connect(index) as db:  # as a crash between index and graph leaves it
        db.execute("UPDATE meta SET value = 'dirty' WHERE key = 'state'")
    store = await _store(tmp_path)
    assert (await store.search("sparse experts", 1))[0].node_id == P3
    await store.close()

    index.unlink()  # a store from before the index, or a lost file
    store = await _store(tmp_path)
    assert (await store.search("hangbo", 1))[0].node_id == BAO
    assert (await store.search("ba", 5))[0].node_id == BAO  # under 3 letters: LIKE
    await store.close()


def _index(tmp: Path, docs: list[tuple[str, str, str]]) -> SearchIndex:
    index = SearchIndex(tmp)
    index.open()
    index.upsert(docs)
    index.settle()
    return index


def test_an_exact_title_with_punctuation_is_a_candidate_among_many(tmp_path: Path) -> None:
    # More documents than the cap hold every word; the exact one still comes.
    many = [(f"paper:{i}", f"deep learning for task {i}", "") for i in range(50)]
    index = _index(tmp_path, [*many, ("paper:exact", "deep learning.", "")])
    found = {d[0] for d in index.candidates(["deep", "learning"], 10)}
    assert "paper:exact" in found and len(found) == 11
    index.close()


def test_documents_with_any_word_top_up_to_the_cap(tmp_path: Path) -> None:
    docs = [(f"paper:{i}", "alpha beta gamma", "") for i in range(3)]
    index = _index(tmp_path, [*docs, ("paper:only", "beta only", "")])
    found = {d[0] for d in index.candidates(["alpha", "beta"], 4)}
    assert found == {"paper:0", "paper:1", "paper:2", "paper:only"}
    index.close()


def test_a_replaced_document_leaves_no_old_terms(tmp_path: Path) -> None:
    index = _index(tmp_path, [("paper:a", "sparse experts", "routing tokens")])
    index.upsert([("paper:a", "dense models", "scaling laws"), ("paper:a", "dense models", "")])
    index.upsert([], keep_existing=[("paper:a", "ignored title", ""), ("paper:b", "new one", "")])
    index.settle()
    assert [d[0] for d in index.candidates(["sparse"], 10)] == []
    assert [d[0] for d in index.candidates(["routing"], 10)] == []
    assert index.candidates(["dense"], 10) == [("paper:a", "dense models", "")]
    assert [d[0] for d in index.candidates(["ignored"], 10)] == []
    assert [d[0] for d in index.candidates(["new"], 10)] == ["paper:b"]
    # FTS5's own check that its index matches the docs table (no stale terms).
    assert (
        index._conn()
        .execute("INSERT INTO docs_fts(docs_fts, rank) VALUES ('integrity-check', 1)")
        .fetchall()
        == []
    )
    index.close()


def test_an_index_of_an_older_version_is_rebuilt(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / FILE_NAME) as db:  # version 1: no exact_key, no version
        db.execute("CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, primary_text TEXT)")
        db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('state', 'clean')")
    index = SearchIndex(tmp_path)
    assert index.open() is True  # must be rebuilt from the graph
    index.close()


async def test_a_failed_index_write_in_a_bulk_import_marks_it_for_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await _store(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store._search, "upsert", broken)
    await store.bulk_import(GRAPH)
    monkeypatch.undo()
    assert store._search.needs_rebuild()  # the graph committed; the index knows it lags
    await store.close()
    store = await _store(tmp_path)  # the next start rebuilds it
    assert (await store.search("sparse experts", 1))[0].node_id == P3
    await store.close()
