"""Query.collaborationFit over the seed data, on both backends, and its
store calls (a few batches, not one per reason or node)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.app import create_app
from graph_store.store import GraphStore
from tests.api.conftest import GraphQLClient, client_for, settings_for
from tests.api.test_batching import CountingStore

FIT = """
query Fit($a: ID!, $b: ID!) {
  collaborationFit(a: $a, b: $b) {
    score
    reasons {
      kind weight text
      via { id ... on Author { name } ... on Topic { name } ... on Venue { name } }
    }
  }
}"""

# In the seed pages Guangrun Wang and Minghui Qiu never wrote together; both
# wrote with Chenhe Dong, and both on knowledge distillation.
A, B, BRIDGE = "author:guangrun-wang", "author:minghui-qiu", "author:chenhe-dong"


async def test_a_common_coauthor_is_a_reason_via_that_coauthor(gql: GraphQLClient) -> None:
    fit = (await gql.data(FIT, {"a": A, "b": B}))["collaborationFit"]
    kinds = {r["kind"]: r for r in fit["reasons"]}
    common = kinds["COMMON_COAUTHOR"]
    assert common["via"] == [{"id": BRIDGE, "name": "Chenhe Dong"}]
    assert common["text"] == "1 co-author in common: Chenhe Dong"
    assert fit["score"] == pytest.approx(sum(r["weight"] for r in fit["reasons"]), abs=1e-6)
    assert all(r["weight"] > 0 for r in fit["reasons"])
    topics = kinds["SHARED_TOPIC"]
    assert [v["id"] for v in topics["via"]] == ["topic:knowledge-distillation"]
    assert topics["text"] == f"Both write on {topics['via'][0]['name']}"
    # The same fit read the other way round.
    back = (await gql.data(FIT, {"a": B, "b": A}))["collaborationFit"]
    assert back["score"] == pytest.approx(fit["score"], abs=1e-5)


async def test_shared_venues_are_venue_nodes_that_refetch(gql: GraphQLClient) -> None:
    fit = (await gql.data(FIT, {"a": A, "b": "author:hang-xu"}))["collaborationFit"]
    (venue,) = [r for r in fit["reasons"] if r["kind"] == "COMPLEMENTARY_VENUE"]
    node = venue["via"][0]
    assert node["id"].startswith("venue:") and node["name"] in venue["text"]
    again = await gql.data("query($id: ID!) { node(id: $id) { id ... on Venue { name } } }",
                           {"id": node["id"]})  # fmt: skip
    assert again["node"] == node
    missing = await gql.data('{ node(id: "venue:No%20such%20venue") { id } }')
    assert missing["node"] is None


async def test_unknown_or_same_authors_have_no_fit(gql: GraphQLClient) -> None:
    for a, b in [(A, A), (A, "author:nobody"), (A, "topic:knowledge-distillation")]:
        assert (await gql.data(FIT, {"a": a, "b": b}))["collaborationFit"] is None


async def test_a_fit_is_a_few_store_calls(read_store: GraphStore, tmp_path: Path) -> None:
    counting = CountingStore(read_store)
    app = create_app(settings_for(tmp_path), counting)  # type: ignore[arg-type]
    async with client_for(app) as http:
        await GraphQLClient(http).data(FIT, {"a": A, "b": B})
    assert dict(counting.calls) == {
        "profile_generation": 1,  # which profiles kept in this process still hold
        "get_authors": 2,  # the pair, then the co-authors named in via
        "collaboration_profiles": 1,
        "work_counts": 1,
        "coauthor_weights": 1,  # the author's side of two-hop paths
        "get_topics": 1,
    }, counting.calls
