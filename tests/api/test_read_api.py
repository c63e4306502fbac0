"""The read side over HTTP, as a frontend uses it, on the five seed pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from graph_store.embedded.store import EmbeddedGraphStore
from graph_store.records import AuthorRecord, AuthorshipRow, ImportBatch, PaperKind, PaperRecord
from graph_store.store import GraphStore
from tests.api.conftest import GraphQLClient, client_for, settings_for

PROFILE_PAGES = {
    # slug: (printed works, score, tier) from the profile pages
    "binxing-jiao": (3, 15, "UNVERIFIED"),
    "zhibin-xiao": (2, 13, "UNVERIFIED"),
    "hangbo-bao": (7, 21, "EMERGING"),
    "qingru-zhang": (2, 13, "UNVERIFIED"),
}

AUTHOR_FIELDS = """
  id slug name claimStatus viewerIsFollowing viewerCanInvite
  stats { works followers topics collaborators }
  trust { score tier verification components { name points explanation } }
"""


async def test_the_graph_holds_the_seed_pages(gql: GraphQLClient) -> None:
    data = await gql.data(
        "{ authors(first: 100) { totalCount } papers(first: 100) { totalCount } }"
    )
    assert data["authors"]["totalCount"] == 15
    assert data["papers"]["totalCount"] == 16


async def test_profile_owners_trust_is_the_printed_one(gql: GraphQLClient) -> None:
    for slug, (works, score, tier) in PROFILE_PAGES.items():
        data = await gql.data(
            f"query($s: String) {{ author(slug: $s) {{ {AUTHOR_FIELDS} }} }}", {"s": slug}
        )
        author = data["author"]
        assert author["stats"]["works"] == works
        assert author["stats"]["followers"] == 0
        trust = author["trust"]
        assert (trust["score"], trust["tier"], trust["verification"]) == (score, tier, "L1")
        assert sum(c["points"] for c in trust["components"]) == score
        assert all(c["explanation"] for c in trust["components"])
        assert author["claimStatus"] == "UNCLAIMED"
        assert author["viewerIsFollowing"] is False
        assert author["viewerCanInvite"] is False


async def test_the_x_is_one_paper_with_both_authors(gql: GraphQLClient) -> None:
    data = await gql.data(
        """{ papers(first: 10, filter: {titleContains: "the-x"}) { totalCount edges { node {
             title year kind venue authors { name } topics { slug } } } } }"""
    )
    assert data["papers"]["totalCount"] == 1
    paper = data["papers"]["edges"][0]["node"]
    assert paper["title"].startswith("THE-X: Privacy-Preserving Transformer Inference")
    assert (paper["year"], paper["kind"], paper["venue"]) == (2022, "PREPRINT", "arXiv")
    assert sorted(a["name"] for a in paper["authors"]) == ["Binxing Jiao", "Hangbo Bao"]
    assert paper["topics"], "every seed paper has a topic"


async def test_anthology_coauthors_and_author_order(gql: GraphQLClient) -> None:
    data = await gql.data(
        """{ author(slug: "chenhe-dong") {
              stats { works collaborators }
              coauthors(first: 100) { author { name } sharedPaperCount sharedPapers { title } }
              papers(first: 10) { edges { node { title year kind authors { name } } } } } }"""
    )
    author = data["author"]
    counts = {c["author"]["name"]: c["sharedPaperCount"] for c in author["coauthors"]}
    # The counts the anthology page prints.
    assert {k: counts[k] for k in ("Yaliang Li", "Ying Shen", "Bolin Ding", "Xiaodan Liang",
                                   "Jiefeng Peng")} == {
        "Yaliang Li": 2, "Ying Shen": 2, "Bolin Ding": 1, "Xiaodan Liang": 1, "Jiefeng Peng": 1,
    }  # fmt: skip
    assert [c["author"]["name"] for c in author["coauthors"][:2]] == ["Yaliang Li", "Ying Shen"]
    assert author["stats"] == {"works": 3, "collaborators": len(author["coauthors"])} == {
        "works": 3, "collaborators": 10,
    }  # fmt: skip
    for c in author["coauthors"]:
        assert len(c["sharedPapers"]) == c["sharedPaperCount"]
    papers = [e["node"] for e in author["papers"]["edges"]]
    assert [p["year"] for p in papers] == [2023, 2021, 2021]  # newest first
    hrkd = next(p for p in papers if p["title"].startswith("HRKD"))
    assert hrkd["kind"] == "CONFERENCE"
    assert [a["name"] for a in hrkd["authors"]] == [
        "Chenhe Dong", "Yaliang Li", "Ying Shen", "Minghui Qiu",
    ]  # fmt: skip


async def test_filters_ignore_case_and_combine(gql: GraphQLClient) -> None:
    data = await gql.data(
        """{ a: authors(filter: {nameContains: "BAO"}) { totalCount edges { node { slug } } }
             b: papers(filter: {yearFrom: 2021, yearTo: 2021}) { totalCount }
             c: papers(filter: {kind: CONFERENCE}) { totalCount }
             d: papers(filter: {kind: PREPRINT, yearTo: 2020}) { edges { node { title } } }
             e: authors(filter: {claimStatus: CLAIMED}) { totalCount } }"""
    )
    assert [e["node"]["slug"] for e in data["a"]["edges"]] == ["hangbo-bao"]
    assert data["b"]["totalCount"] == 2
    assert data["c"]["totalCount"] == 3
    assert sorted(e["node"]["title"].split(":")[0] for e in data["d"]["edges"]) == [
        "MiniLM", "UniLMv2",
    ]  # fmt: skip
    assert data["e"]["totalCount"] == 0


async def test_topic_filters_agree_with_topics(gql: GraphQLClient) -> None:
    data = await gql.data(
        """{ topics(first: 100) { totalCount edges { node { slug
              papers(first: 100) { totalCount } authors(first: 100) { slug } } } } }"""
    )
    topics = [e["node"] for e in data["topics"]["edges"]]
    assert data["topics"]["totalCount"] == len(topics) >= 8
    for t in topics:
        by_filter = await gql.data(
            """query($s: String) {
                 papers(first: 100, filter: {topicSlug: $s}) { totalCount }
                 authors(first: 100, filter: {topicSlug: $s}) { totalCount } }""",
            {"s": t["slug"]},
        )
        assert by_filter["papers"]["totalCount"] == t["papers"]["totalCount"]
        assert by_filter["authors"]["totalCount"] == len(t["authors"])


async def test_keyset_pages_cover_everything_once(gql: GraphQLClient) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await gql.data(
            """query($after: String) { authors(first: 4, after: $after) {
                 totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
                 edges { cursor node { slug } } } }""",
            {"after": after},
        )
        conn = data["authors"]
        pages += 1
        seen += [e["node"]["slug"] for e in conn["edges"]]
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
        assert after == conn["edges"][-1]["cursor"]
    assert pages == 4
    assert len(seen) == len(set(seen)) == 15


async def test_author_by_id_and_node(gql: GraphQLClient) -> None:
    data = await gql.data(
        """{ author(slug: "hangbo-bao") { id papers(first: 2) { totalCount edges { node { id } }
             pageInfo { hasNextPage endCursor } } } }"""
    )
    author = data["author"]
    assert author["papers"]["totalCount"] == 7
    assert author["papers"]["pageInfo"]["hasNextPage"] is True
    paper_id = author["papers"]["edges"][0]["node"]["id"]
    again = await gql.data(
        """query($id: ID!, $p: ID!) { author(id: $id) { slug }
             node(id: $p) { __typename ... on Paper { title } }
             nothing: node(id: "author:nobody") { id } garbage: node(id: "???") { id } }""",
        {"id": author["id"], "p": paper_id},
    )
    assert again["author"]["slug"] == "hangbo-bao"
    assert again["node"]["__typename"] == "Paper"
    assert again["nothing"] is None and again["garbage"] is None


async def test_search_ranks_names_first(gql: GraphQLClient) -> None:
    data = await gql.data(
        """{ search(query: "hangbo BAO", first: 5) { score result { __typename
               ... on Author { slug } ... on Paper { title } ... on Topic { slug } } } }"""
    )
    hits = data["search"]
    assert hits[0]["result"] == {"__typename": "Author", "slug": "hangbo-bao"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    words = await gql.data(
        """{ search(query: "distillation") { result { __typename ... on Paper { title } } } }"""
    )
    titles = [h["result"].get("title", "") for h in words["search"]]
    assert any("Distillation" in t for t in titles)
    assert (await gql.data('{ search(query: "  ") { score } }'))["search"] == []


async def test_research_graph_slices(gql: GraphQLClient) -> None:
    query = """query($c: ID!, $d: Int, $l: Int) { researchGraph(center: $c, depth: $d, limit: $l) {
                 truncated nodes { id kind label entity { __typename id } }
                 edges { source target kind weight } } }"""
    one = (await gql.data(query, {"c": "author:hangbo-bao", "d": 1, "l": 50}))["researchGraph"]
    ids = {n["id"] for n in one["nodes"]}
    # A node's own id (Relay: unique across types) leads to its entity.
    assert "graphnode:author:hangbo-bao" in ids
    for n in one["nodes"]:
        assert n["id"] == "graphnode:" + n["entity"]["id"]
        assert n["entity"]["__typename"] == n["kind"].title()
    assert sum(1 for n in one["nodes"] if n["kind"] == "PAPER") == 7
    assert one["truncated"] is False
    assert all(e["source"] in ids and e["target"] in ids for e in one["edges"])

    two = (await gql.data(query, {"c": "author:hangbo-bao", "d": 2, "l": 200}))["researchGraph"]
    labels = {n["label"] for n in two["nodes"]}
    assert "Binxing Jiao" in labels  # through THE-X
    assert any(n["kind"] == "TOPIC" for n in two["nodes"])
    two_ids = {n["id"] for n in two["nodes"]}
    assert all(e["source"] in two_ids and e["target"] in two_ids for e in two["edges"])

    cut = (await gql.data(query, {"c": "author:hangbo-bao", "d": 2, "l": 3}))["researchGraph"]
    assert len(cut["nodes"]) == 3 and cut["truncated"] is True
    assert cut["nodes"][0]["id"] == "graphnode:author:hangbo-bao"

    empty = (await gql.data(query, {"c": "author:nobody", "d": 1, "l": 10}))["researchGraph"]
    assert empty == {"truncated": False, "nodes": [], "edges": []}

    bad = await gql.post(query, {"c": "author:hangbo-bao", "d": 3, "l": 10})
    assert bad.get("data") is None and "depth" in bad["errors"][0]["message"]


def _chain(levels: int) -> str:
    """A query `levels` deep: the root field is level 1, `edges` and `node` count."""
    cycle = ["papers(first: 1)", "edges", "node", "authors"]
    leaf_of = {"papers(first: 1)": "totalCount", "edges": "cursor", "node": "title",
               "authors": "name"}  # fmt: skip
    wrappers = [cycle[i % 4] for i in range(levels - 2)]
    body = leaf_of[wrappers[-1]] if wrappers else "name"
    for f in reversed(wrappers):
        body = f"{f} {{ {body} }}"
    return '{ author(slug: "hangbo-bao") { ' + body + " } }"


async def test_depth_limit_admits_12_and_refuses_20(gql: GraphQLClient) -> None:
    ok = await gql.post(_chain(12))
    assert "errors" not in ok, ok
    refused = await gql.post(_chain(20))
    assert refused.get("data") is None
    assert "depth" in refused["errors"][0]["message"]


async def test_first_out_of_range_is_refused_before_running(gql: GraphQLClient) -> None:
    for first in (0, 101, -5):
        body = await gql.post("query($f: Int) { authors(first: $f) { totalCount } }", {"f": first})
        assert body.get("data") is None
        assert "between 1 and 100" in body["errors"][0]["message"]
    nested = await gql.post(
        '{ author(slug: "hangbo-bao") { coauthors(first: 500) { sharedPaperCount } } }'
    )
    assert nested.get("data") is None


async def test_cost_and_alias_limits(gql: GraphQLClient) -> None:
    bomb = await gql.post(
        """{ authors(first: 100) { edges { node { coauthors(first: 100) {
             author { coauthors(first: 100) { author { id } } } } } } } }"""
    )
    assert bomb.get("data") is None
    assert "too expensive" in bomb["errors"][0]["message"]
    aliases = " ".join(f"a{i}: authors(first: 1) {{ totalCount }}" for i in range(51))
    refused = await gql.post("{ " + aliases + " }")
    assert refused.get("data") is None
    fine = await gql.post("{ " + aliases.rsplit(" a50:", 1)[0] + " }")
    assert "errors" not in fine


async def test_text_arguments_and_filters_are_bounded(gql: GraphQLClient) -> None:
    """Every text a read takes is bounded (variables included), and a text
    filter is charged like a search: it matches every name or title."""
    long_name = {"n": "x" * 1001}
    refused = await gql.post(
        "query($n: String) { authors(first: 5, filter: {nameContains: $n}) { totalCount } }",
        long_name,
    )
    assert refused.get("data") is None
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "1001 characters; at most 1000" in error["message"]
    long_id = await gql.post("query($id: ID!) { author(id: $id) { name } }", {"id": "a" * 5000})
    assert long_id["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    ok = await gql.data(
        "query($n: String) { authors(first: 5, filter: {nameContains: $n}) { totalCount } }",
        {"n": "bao"},
    )
    assert ok["authors"]["totalCount"] == 1
    # A filtered list costs 500 more than the same list unfiltered.
    bomb = """{{ authors(first: 100{}) {{ edges {{ node {{ coauthors(first: 100) {{
               author {{ coauthors(first: 100) {{ author {{ id }} }} }} }} }} }} }} }}"""
    costs = []
    for extra in ("", ', filter: {nameContains: "a"}'):
        [error] = (await gql.post(bomb.format(extra)))["errors"]
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        costs.append(int(error["message"].split("about ")[1].split()[0]))
    assert costs[1] - costs[0] == 500


async def test_malformed_requests_get_graphql_errors(http: httpx.AsyncClient) -> None:
    not_json = await http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["message"]

    too_big = await http.post(
        "/graphql",
        content=b'{"query": "' + b" " * (1024 * 1024 + 10) + b'{ authors { totalCount } }"}',
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["errors"]

    # JSON that is not an object: a 400 with a GraphQL errors list, never a
    # plain-text 500 (issue 9, item 5).
    for scalar in (b"null", b"42", b'"abc"', b"true"):
        body = await http.post(
            "/graphql", content=scalar, headers={"content-type": "application/json"}
        )
        assert body.status_code == 400, (scalar, body.text)
        assert body.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    syntax = (await http.post("/graphql", json={"query": "{ authors( }"})).json()
    assert syntax.get("data") is None and "Syntax Error" in syntax["errors"][0]["message"]
    unknown = (await http.post("/graphql", json={"query": "{ nope }"})).json()
    assert "Cannot query field 'nope'" in unknown["errors"][0]["message"]
    bad_cursor = (await http.post(
        "/graphql", json={"query": '{ authors(after: "%%%") { totalCount } }'}
    )).json()  # fmt: skip
    assert "Invalid cursor" in bad_cursor["errors"][0]["message"]

    # ...and the server keeps serving.
    after: dict[str, Any] = (
        await http.post("/graphql", json={"query": "{ authors { totalCount } }"})
    ).json()
    assert after == {"data": {"authors": {"totalCount": 15}}}


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert (await http.get("/healthz")).headers["x-request-id"]


async def test_readiness_fails_when_the_store_is_unreachable(tmp_path: Path) -> None:
    store = EmbeddedGraphStore(tmp_path / "db")
    await store.initialize()
    async with client_for(create_app(settings_for(tmp_path), store)) as http:
        assert (await http.get("/readyz")).status_code == 200
        await store.close()
        down = await http.get("/readyz")
        assert down.status_code == 503 and down.json() == {
            "status": "unavailable",
            "reason": "the database does not answer",
        }
        assert (await http.get("/healthz")).status_code == 200  # the process still answers


async def test_orcid_and_doi_are_served(store: GraphStore, tmp_path: Path) -> None:
    """On each backend: what the import stored, null where the source had none."""
    author = AuthorRecord(id="author:ext", slug="ext", name="Ext", orcid="0000-0002-1825-0097")
    papers = (
        PaperRecord(id="paper:ext", title="With DOI", kind=PaperKind.JOURNAL, doi="10.1/x"),
        PaperRecord(id="paper:none", title="Without", kind=PaperKind.PREPRINT, year=1999),
    )
    ships = tuple(AuthorshipRow(author.id, p.id, n) for n, p in enumerate(papers, start=1))
    await store.import_batch(ImportBatch(authors=(author,), papers=papers, authorships=ships))
    async with client_for(create_app(settings_for(tmp_path), store)) as http:
        data = await GraphQLClient(http).data(
            """{ author(slug: "ext") { orcid papers(first: 5) { edges { node { title doi
                 authors { orcid } } } } } }"""
        )
    assert data["author"]["orcid"] == "0000-0002-1825-0097"
    nodes = [e["node"] for e in data["author"]["papers"]["edges"]]
    # Newest first; a paper without a year last.
    assert [(n["title"], n["doi"]) for n in nodes] == [("Without", None), ("With DOI", "10.1/x")]
    assert nodes[1]["authors"] == [{"orcid": "0000-0002-1825-0097"}]
