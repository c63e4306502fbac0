"""The GraphQL documents the benchmark sends, and what makes an answer right."""

from __future__ import annotations

from typing import Any

# What a profile page asks for (the README's reading example, cut to what a
# page shows): the author by slug, as a page URL names it, with its
# affiliation, stats and trust, topics, the top 10 co-authors and the first
# 20 papers with their venue and every author's name.
AUTHOR_PAGE = """
query AuthorPage($slug: String!) {
  author(slug: $slug) {
    id slug name claimStatus
    affiliation { name }
    stats { works followers topics collaborators }
    trust { score tier verification components { name points explanation } }
    topics { topic { slug name } paperCount }
    coauthors(first: 10) { author { slug name } sharedPaperCount }
    papers(first: 20) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id title year kind venue authors { name } } }
    }
  }
}
"""

# The explorer around a node, two hops out, at the schema's default limit.
RESEARCH_GRAPH = """
query Explore($center: ID!) {
  researchGraph(center: $center, depth: 2) {
    truncated
    nodes { id kind label }
    edges { source target kind weight }
  }
}
"""

SEARCH = """
query Search($q: String!) {
  search(query: $q, first: 10) {
    score
    result {
      __typename
      ... on Author { id name }
      ... on Paper { id title year }
      ... on Topic { id name }
    }
  }
}
"""

TYPENAME = "{__typename}"

# The request of issue 9: fifty aliased searches sharing a 100,000-word
# variable (about 700 KB), which once cost 87 s of CPU.
ATTACK = (
    "query Attack($q: String!) { "
    + " ".join(f"s{i}: search(query: $q, first: 10) {{ score }}" for i in range(50))
    + " }"
)
ATTACK_WORDS = " ".join(f"w{i}" for i in range(100_000))

# Words the generator writes: "image transformer" is the visual-pretraining
# topic's first term (seeds/topics.toml), used in titles and abstracts.
SEARCH_WORDS = "transformer"


def author_found(payload: dict[str, Any]) -> str | None:
    author = (payload.get("data") or {}).get("author")
    return None if author else "author is null"


def graph_found(payload: dict[str, Any]) -> str | None:
    graph = (payload.get("data") or {}).get("researchGraph")
    return None if graph and graph["nodes"] else "researchGraph has no nodes"


def search_found(payload: dict[str, Any]) -> str | None:
    hits = (payload.get("data") or {}).get("search")
    return None if hits else "search found nothing"


def attack_refused(payload: dict[str, Any]) -> str | None:
    codes = [e.get("extensions", {}).get("code") for e in payload.get("errors") or []]
    return None if codes == ["BAD_USER_INPUT"] else f"not refused as bad input: {codes}"


def typename_answered(payload: dict[str, Any]) -> str | None:
    return None if payload.get("data") == {"__typename": "Query"} else "no __typename"
