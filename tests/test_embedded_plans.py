"""Batch look-ups on the embedded store go through primary-key indexes, read
from LadybugDB's own plans (EXPLAIN), not a scan of the table."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import replace

import ladybug as lb
import pytest

from graph_store.embedded import queries as Q
from graph_store.embedded.connection import DB_FILE_NAME, page_queries
from graph_store.embedded.ddl import OVERRIDDEN_LIST, revision_list_key
from graph_store.embedded.store import EmbeddedGraphStore
from seeds.openalex_generator import GeneratorSpec, write
from seeds.openalex_import import import_openalex

# Look-ups by a key, and relation reads rooted at one: no table read whole.
BY_KEY = {
    "AUTHORS_OF_PAPER": (Q.AUTHORS_OF_PAPER, {"id": "paper:a"}),
    "PAPER_PAGE[author]": (
        Q.paper_page("author", after=False, before=False, from_end=False),
        {"id": "author:a", "limit": 21},
    ),
    "TOPICS_OF_PAPER": (Q.TOPICS_OF_PAPER, {"id": "paper:a"}),
    **{f"EDGES_AT[{k}]": (v, {"id": "x:a"}) for k, v in Q.EDGES_AT.items()},
    **{f"NODE_LABELS[{k}]": (v, {"ids": ["x:a"]}) for k, v in Q.NODE_LABELS.items()},
    "AUTHORS_BY_ID": (Q.AUTHORS_BY_ID, {"ids": ["author:a"]}),
    "AUTHORS_BY_SLUG": (Q.AUTHORS_BY_SLUG, {"slugs": ["a"]}),
    "SLUGS_TAKEN": (Q.SLUGS_TAKEN, {"slugs": ["a"]}),
    "EXISTING_AUTHORS": (Q.EXISTING_AUTHORS, {"ids": ["author:a"]}),
    "EXISTING_PAPERS": (Q.EXISTING_PAPERS, {"ids": ["paper:a"]}),
    "PAPERS_BY_ID": (Q.PAPERS_BY_ID, {"ids": ["paper:a"]}),
    "TOPICS_BY_ID": (Q.TOPICS_BY_ID, {"ids": ["topic:a"]}),
    "USERS_BY_ID": (Q.USERS_BY_ID, {"ids": ["user:a"]}),
    # Provenance: a field's revisions and the conflicts list, through their lists.
    "SOURCES_BY_ID": (Q.SOURCES_BY_ID, {"ids": ["paper:openalex-w1"]}),
    "REVISIONS_LISTED": (
        Q.REVISIONS_LISTED,
        {"key": revision_list_key("paper:openalex-w1", "title")},
    ),
    "REVISIONS_NEWEST": (
        Q.REVISIONS_NEWEST,
        {"key": revision_list_key("author:openalex-a1", "name"), "limit": 20},
    ),
    **{
        f"OVERRIDDEN_{kind}": (query, {"list": OVERRIDDEN_LIST, "limit": 21})
        for kind, query in zip(
            ("PAGE", "COUNT"),
            page_queries(Q.OVERRIDDEN_MATCH, [], after=False, before=False, from_end=False),
            strict=True,
        )
    },
}


# Aggregates over an author's papers: the engine may add semi-masked scans.
ROOTED = {
    # A page after or before a key filters the author's papers by sort_key:
    # the engine scans the paper table under the author's semi-join mask.
    "PAPER_PAGE[author, after]": (
        Q.paper_page("author", after=True, before=False, from_end=False),
        {"id": "author:a", "limit": 21, "after": "0"},
    ),
    "PAPER_PAGE[author, before, from the end]": (
        Q.paper_page("author", after=False, before=True, from_end=True),
        {"id": "author:a", "limit": 21, "before": "~"},
    ),
    "SHARED_PAPERS": (Q.SHARED_PAPERS, {"id": "author:a", "others": ["author:b"]}),
    **{f"AUTHOR_STATS[{k}]": (v, {"id": "author:a"}) for k, v in Q.AUTHOR_STATS.items()},
    "TOP_COAUTHORS_OF_AUTHOR": (
        Q.TOP_COAUTHORS_OF_AUTHOR,
        {"id": "author:a", "limit": 10, "offset": 0},
    ),
    "TOPIC_WEIGHTS_OF_AUTHOR": (Q.TOPIC_WEIGHTS_OF_AUTHOR, {"id": "author:a"}),
    # Collaboration fit (issue 10): an author's co-authors, topics, venues; who wrote with whom.
    # Many authors at once, each by its key (no scan of a relationship table).
    "FIT_COAUTHORS": (Q.FIT_COAUTHORS, {"ids": ["author:a", "author:b"]}),
    "FIT_TOPICS": (Q.FIT_TOPICS, {"ids": ["author:a", "author:b"]}),
    "FIT_VENUES": (Q.FIT_VENUES, {"ids": ["author:a", "author:b"]}),
    "PAPER_IDS_OF_AUTHORS": (Q.PAPER_IDS_OF_AUTHORS, {"ids": ["author:a", "author:b"]}),
    "COAUTHORED": (Q.COAUTHORED, {"ids": ["author:a", "author:b"], "id": "author:c"}),
    "WORK_COUNTS": (Q.WORK_COUNTS, {"ids": ["author:a", "author:b"]}),
    # The COAUTHOR weights an import keeps: a paper's team before and after.
    "TEAM_OF_PAPER": (Q.TEAM_OF_PAPER, {"id": "paper:p"}),
    # The conflicts list after a key filters the listed revisions by sort_key.
    "OVERRIDDEN_PAGE[after]": (
        page_queries(Q.OVERRIDDEN_MATCH, [], after=True, before=False, from_end=False)[0],
        {"list": OVERRIDDEN_LIST, "limit": 21, "after": "0"},
    ),
}


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> lb.Connection:
    data_dir = tmp_path_factory.mktemp("plans")

    async def create() -> None:
        # Plans follow table sizes: an empty database would plan anything.
        out = io.StringIO()
        spec = GeneratorSpec(authors=500, papers=1_500, authorships=5_000, institutions=20)
        write(spec, out)
        works = data_dir / "works.jsonl"
        works.write_text(out.getvalue(), encoding="utf-8")
        # A newer snapshot of the first 300 works (another seed: other titles,
        # names, venues) gives the revision tables rows.
        newer = io.StringIO()
        write(replace(spec, seed=spec.seed + 1), newer)
        changed = data_dir / "newer.jsonl"
        changed.write_text("".join(newer.getvalue().splitlines(True)[:300]), encoding="utf-8")
        store = EmbeddedGraphStore(data_dir)
        await store.initialize()
        await import_openalex(store, [works], workers=0)
        await import_openalex(store, [changed], workers=0)
        await store.close()

    asyncio.run(create())
    return lb.Connection(lb.Database(str(data_dir / DB_FILE_NAME)))


def _plan(conn: lb.Connection, query: str, params: dict[str, object]) -> list[str]:
    """The plan's operators, e.g. ``QUERY_PRIMARY_KEY_LOOKUP``."""
    result = conn.execute("EXPLAIN " + query, params)
    return re.findall(r"([A-Z][A-Z_]+)\[\d+\]", str(result.get_all()[0][0]))


@pytest.mark.parametrize("name", sorted(BY_KEY | ROOTED))
def test_reads_by_key_start_from_a_primary_key(conn: lb.Connection, name: str) -> None:
    query, params = (BY_KEY | ROOTED)[name]
    plan = _plan(conn, query, params)
    assert {"QUERY_PRIMARY_KEY_LOOKUP", "PRIMARY_KEY_SCAN_NODE_TABLE"} & set(plan), plan
    # A node table is only scanned under a semi-join mask: the nodes the key reaches.
    assert "SCAN_NODE_TABLE" not in plan or "SEMI_MASKER" in plan, plan
    if name in BY_KEY:
        assert "SCAN_NODE_TABLE" not in plan, plan


def test_a_slug_filter_on_the_author_table_would_scan(conn: lb.Connection) -> None:
    # The contrast that makes the test above mean something.
    plan = _plan(conn, "MATCH (a:Author) WHERE a.slug IN $slugs RETURN a", {"slugs": ["a"]})
    assert "QUERY_PRIMARY_KEY_LOOKUP" not in plan and "SCAN_NODE_TABLE" in plan
    relation = "MATCH (a:Author)-[:AUTHORED]->(p:Paper) WHERE p.id IN $ids RETURN a"
    assert "SCAN_NODE_TABLE" in _plan(conn, relation, {"ids": ["paper:a"]})


def test_revisions_are_listed_not_scanned(conn: lb.Connection) -> None:
    # The plans above are of a Revision table with rows (the newer snapshot's).
    listed = "MATCH (:RevisionList)-[e:LISTED]->(:Revision) RETURN count(e)"
    assert conn.execute(listed).get_all()[0][0] > 300
    # Finding a field's revisions by their properties would scan the table.
    scan = "MATCH (r:Revision) WHERE r.entity_id IN $ids AND r.field = $field RETURN r"
    plan = _plan(conn, scan, {"ids": ["paper:openalex-w1"], "field": "title"})
    assert "SCAN_NODE_TABLE" in plan and "QUERY_PRIMARY_KEY_LOOKUP" not in plan
