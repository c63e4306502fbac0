"""The validation cache hits: the same document is validated once, however
many requests send it (the limits' rule classes are built once, not per
request, or the cache key never repeats)."""

from __future__ import annotations

import httpx
from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE, _get_validate_cache

from tests.api.test_read_api import _chain


async def test_a_repeated_query_is_validated_once(http: httpx.AsyncClient) -> None:
    cache = _get_validate_cache(DEFAULT_MAXSIZE)
    query = "{ authors(first: 2) { totalCount } __typename }"
    await http.post("/graphql", json={"query": query})
    before = cache.cache_info()
    for _ in range(5):
        body = (await http.post("/graphql", json={"query": query})).json()
        assert body["data"]["authors"]["totalCount"] == 15
    after = cache.cache_info()
    assert after.hits - before.hits == 5
    assert after.misses == before.misses


async def test_the_limits_still_apply_through_the_cache(http: httpx.AsyncClient) -> None:
    too_deep, too_many_aliases = (
        _chain(20),
        "{ " + " ".join(f"a{i}: __typename" for i in range(60)) + " }",
    )
    for _ in range(2):  # the second answers come from the cache
        deep = (await http.post("/graphql", json={"query": too_deep})).json()
        assert "depth" in deep["errors"][0]["message"]
        wide = (await http.post("/graphql", json={"query": too_many_aliases})).json()
        assert "aliases" in wide["errors"][0]["message"]
