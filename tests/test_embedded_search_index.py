"""The embedded store's search side index (SQLite FTS5): search answers from
it, and it is rebuilt from the graph when missing or left dirty by a crash."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graph_store.embedded.search_index import FILE_NAME
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
