"""Store calls grow with a query's depth, never with its rows (no N+1)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from api.app import create_app
from domain.research_graph import research_slice
from graph_store.store import GraphStore
from tests.api.conftest import GraphQLClient, client_for, settings_for


class CountingStore:
    """Delegates every call to the real store and counts it by method name."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()
        self.args: dict[str, list[tuple[Any, ...]]] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            self.args.setdefault(name, []).append((*args, *kwargs.values()))
            return target(*args, **kwargs)

        return counted


NESTED = """query($n: Int) { authors(first: $n) { edges { node {
  name stats { works } trust { score }
  topics { topic { slug } paperCount }
  coauthors(first: 10) { author { slug } sharedPapers { title } }
  papers(first: 10) { edges { node { title
    topics { name }
    authors { name stats { collaborators } topics { topic { name } } } } } } } } } }"""


async def test_store_calls_depend_on_depth_not_rows(read_store: GraphStore, tmp_path: Path) -> None:
    counting = CountingStore(read_store)
    app = create_app(settings_for(tmp_path), counting)  # type: ignore[arg-type]
    async with client_for(app) as http:
        gql = GraphQLClient(http)
        small = await gql.data(NESTED, {"n": 2})
        small_calls = dict(counting.calls)
        counting.calls.clear()
        counting.args.clear()
        big = await gql.data(NESTED, {"n": 10})
        big_calls = dict(counting.calls)

    assert len(small["authors"]["edges"]) == 2 and len(big["authors"]["edges"]) == 10
    rows = sum(len(e["node"]["papers"]["edges"]) for e in big["authors"]["edges"])
    assert rows > 10  # the big query really has many more rows
    assert small_calls == big_calls
    # One call per relation per level: pinned so that an N+1 regression fails here.
    assert big_calls == {
        "list_authors": 1,
        # Authors appear on two levels (the list, and each paper's authors); stats
        # and trust share one loader, and authors already loaded are cached.
        "author_stats": 2,
        "topic_weights_of_authors": 2,
        "coauthors_of_authors": 1,
        "paper_pages_of_authors": 1,
        "get_papers": 1,  # sharedPapers
        "topics_of_papers": 1,
        "authors_of_papers": 1,
    }, big_calls
    # The pages are cut in the store: the page sizes travel with the calls, and
    # no relation is read whole (papers_of_authors is never called).
    # (size, after, before, from_end) and (size, offset).
    assert [a[1:] for a in counting.args["paper_pages_of_authors"]] == [(10, None, None, False)]
    assert [a[1:] for a in counting.args["coauthors_of_authors"]] == [(10, 0)]


async def test_research_graph_stays_within_its_limit(read_store: GraphStore) -> None:
    counting = CountingStore(read_store)
    store: Any = counting
    # Bao has 7 papers and an institution: a limit of 3 is filled by the
    # first hop, so the second hop is never read.
    cut = await research_slice(store, "author:hangbo-bao", depth=2, limit=3)
    assert len(cut.nodes) == 3 and cut.truncated
    assert counting.calls["graph_edges"] == 1
    assert counting.args["graph_edges"] == [(["author:hangbo-bao"],)]  # the centre only
    # With room, the second hop expands only the nodes kept from the first.
    counting.calls.clear()
    counting.args.clear()
    wide = await research_slice(store, "author:hangbo-bao", depth=2, limit=200)
    assert counting.calls["graph_edges"] == 2 and not wide.truncated
    second_hop = counting.args["graph_edges"][1][0]
    assert set(second_hop) == {n.id for n in wide.nodes[1 : 1 + len(second_hop)]}


PROVENANCE = """query($n: Int) { authors(first: $n) { edges { node {
  provenance(field: "name") { locator }
  history(field: "name") { value }
  trust { components { papers(first: 5) { edges { node {
    provenance(field: "title") { locator } history(field: "year") { value } } } } } } } } } }"""


async def test_provenance_is_read_once_per_level(read_store: GraphStore, tmp_path: Path) -> None:
    counting = CountingStore(read_store)
    app = create_app(settings_for(tmp_path), counting)  # type: ignore[arg-type]
    async with client_for(app) as http:
        gql = GraphQLClient(http)
        calls = []
        for n in (2, 10):
            counting.calls.clear()
            data = await gql.data(PROVENANCE, {"n": n})
            assert len(data["authors"]["edges"]) == n
            calls.append(dict(counting.calls))
    assert calls[0] == calls[1]
    # Revisions per level and field (name; title and year); origins per level,
    # for the fields never revised.
    assert calls[1]["revisions_of"] == 3 and calls[1]["sources_of"] == 2, calls[1]
