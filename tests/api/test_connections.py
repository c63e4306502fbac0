"""Cursor connections beside the contract's lists, over HTTP on both stores:
every page forward and backward, in the order of the list they mirror, with
pageInfo and totalCount right."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import GraphQLClient

COAUTHORS = """
query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {
  author(slug: $slug) {
    stats { collaborators }
    coauthors(first: 100) { author { id } sharedPaperCount }
    page: coauthorsConnection(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { author { id } sharedPaperCount } }
    }
  }
}"""

TOPIC_AUTHORS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  topic(slug: "knowledge-distillation") {
    authors(first: 100) { id }
    page: authorsConnection(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
}"""

SEARCH = """
query($q: String!, $first: Int, $after: String, $last: Int, $before: String) {
  search(query: $q, first: 100) { score result { ... on Node { id } } }
  page: searchConnection(query: $q, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { score result { ... on Node { id } } } }
  }
}"""


async def _walk(
    gql: GraphQLClient, query: str, variables: dict[str, Any], pick: Any, size: int
) -> tuple[list[Any], list[Any], Any]:
    """Every item paging forward, and paging backward (returned in list
    order); and the first page's root data."""
    forward: list[Any] = []
    after = None
    first_data = None
    while True:
        data = await gql.data(query, {**variables, "first": size, "after": after})
        first_data = first_data or data
        page = pick(data)
        forward += [e["node"] for e in page["edges"]]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert len(page["edges"]) <= size
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    backward: list[Any] = []
    before = None
    while True:
        page = pick(await gql.data(query, {**variables, "last": size, "before": before}))
        backward = [e["node"] for e in page["edges"]] + backward
        info = page["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    return forward, backward, first_data


async def _most_connected(gql: GraphQLClient) -> str:
    data = await gql.data(
        "{ authors(first: 100) { edges { node { slug stats { collaborators } } } } }"
    )
    nodes = [e["node"] for e in data["authors"]["edges"]]
    best: str = max(nodes, key=lambda n: n["stats"]["collaborators"])["slug"]
    return best


async def test_coauthors_connection_pages_both_ways(gql: GraphQLClient) -> None:
    slug = await _most_connected(gql)
    forward, backward, data = await _walk(
        gql, COAUTHORS, {"slug": slug}, lambda d: d["author"]["page"], 2
    )
    ranked = data["author"]["coauthors"]
    assert len(ranked) >= 5  # several pages of 2
    assert forward == ranked and backward == ranked
    assert data["author"]["page"]["totalCount"] == data["author"]["stats"]["collaborators"]
    assert data["author"]["page"]["totalCount"] == len(ranked)


async def test_topic_authors_connection_pages_both_ways(gql: GraphQLClient) -> None:
    forward, backward, data = await _walk(gql, TOPIC_AUTHORS, {}, lambda d: d["topic"]["page"], 2)
    ranked = data["topic"]["authors"]
    assert len(ranked) >= 3
    assert forward == ranked and backward == ranked
    assert data["topic"]["page"]["totalCount"] == len(ranked)


async def test_search_connection_pages_both_ways(gql: GraphQLClient) -> None:
    forward, backward, data = await _walk(
        gql, SEARCH, {"q": "distillation"}, lambda d: d["page"], 3
    )
    ranked = data["search"]
    assert len(ranked) >= 4
    assert forward == ranked and backward == ranked
    assert data["page"]["totalCount"] == len(ranked)


async def test_a_middle_window_and_bad_arguments(gql: GraphQLClient) -> None:
    slug = await _most_connected(gql)
    data = await gql.data(COAUTHORS, {"slug": slug, "first": 100})
    ranked = data["author"]["coauthors"]
    edges = data["author"]["page"]["edges"]
    # Between two cursors, the last 2: Relay's algorithm (after, before, then last).
    middle = await gql.data(
        COAUTHORS,
        {
            "slug": slug,
            "after": edges[0]["cursor"],
            "before": edges[4]["cursor"],
            "last": 2,
        },
    )
    page = middle["author"]["page"]
    assert [e["node"] for e in page["edges"]] == ranked[2:4]
    assert page["pageInfo"]["hasPreviousPage"] and page["pageInfo"]["hasNextPage"]
    for bad in ({"last": 0}, {"last": 101}, {"first": 0}):
        body = await gql.post(COAUTHORS, {"slug": slug, **bad})
        assert body["data"] is None, body
        assert "must be between 1 and 100" in body["errors"][0]["message"]
    # `last` is costed as the page it really reads (keyset lists ignore first's default).
    wide = (
        "{ papers(last: 100) { edges { node { authors {"
        " papers(last: 100) { edges { node { id } } } } } } } }"
    )
    body = await gql.post(wide)
    assert (
        body["data"] is None and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    ), body
    huge = "x" * 100_000
    body = await gql.post(COAUTHORS, {"slug": slug, "after": huge})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(error["message"]) < 200  # the cursor is not echoed whole


PAPERS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  all: papers(first: 100) { edges { node { id } } }
  page: papers(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}"""

AUTHOR_PAPERS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  author(slug: "hangbo-bao") {
    all: papers(first: 100) { edges { node { id } } }
    page: papers(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
}"""


async def test_keyset_connections_page_backward_too(gql: GraphQLClient) -> None:
    """The lists the store pages by key (here Query.papers and Author.papers)
    read from the end with last/before give the same items."""
    for query, root in ((PAPERS, lambda d: d), (AUTHOR_PAPERS, lambda d: d["author"])):
        forward, backward, data = await _walk(gql, query, {}, lambda d, r=root: r(d)["page"], 3)
        everything = [e["node"] for e in root(data)["all"]["edges"]]
        assert len(everything) > 3
        assert forward == everything and backward == everything
