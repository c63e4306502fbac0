"""A Relay app's operations against our schema: relay-compiler (pinned in
tests/js) compiles the held set in tests/js/relay/src (a @refetchable
fragment refetched through Query.node, @connection pagination fragments
forward and both ways, Query.searchConnection, the viewer's following and
@appendEdge on followAuthor's followingEdge) with no error and no warning,
and the operations it writes run against the real app by their sha256, as a
Relay network layer with persisted queries sends them."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.persisted import load_manifest
from api.settings import Settings
from graph_store.store import GraphStore
from tests.api.conftest import client_for, seeded_store
from tests.js_tools import JS, ROOT, js_tools

RELAY = JS / "relay"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# What the held set compiles to: one artifact per operation and fragment.
ARTIFACTS = {
    "AuthorPageQuery",
    "AuthorHeader_author",
    "AuthorHeaderRefetchQuery",
    "AuthorPapers_author",
    "AuthorPapersPaginationQuery",
    "AuthorCoauthors_author",
    "AuthorCoauthorsPaginationQuery",
    "SearchPageQuery",
    "SearchResults_query",
    "SearchResultsPaginationQuery",
    "FollowingPageQuery",
    "FollowingList_user",
    "FollowingListPaginationQuery",
    "FollowAuthorMutation",
}
OPERATIONS = {name for name in ARTIFACTS if name.endswith(("Query", "Mutation"))}


class Compiled:
    """One relay-compiler run: its exit code, its output without colours,
    where its artifacts and its persisted-query map went."""

    def __init__(self, run: subprocess.CompletedProcess[str], out: Path, persisted: Path):
        self.returncode = run.returncode
        self.output = ANSI.sub("", run.stdout + run.stderr)
        self.out = out
        self.persisted = persisted

    def problems(self) -> list[str]:
        """Every line that speaks of an error or a warning, and every log line
        above INFO (the ordinary progress report is INFO only)."""
        return [
            line
            for line in self.output.splitlines()
            if re.search(r"error|warn", line, re.IGNORECASE)
            or (line.startswith("[") and not line.startswith("[INFO]"))
        ]

    def report(self) -> str:
        return f"relay-compiler exited {self.returncode}:\n{self.output}"


def relay_compile(tmp: Path, src: Path = RELAY / "src") -> Compiled:
    """relay-compiler with the committed tests/js/relay/relay.config.json, its
    paths made absolute, writing its artifacts and its persisted-query map
    (SHA256, as the README's production allow-list uses) into ``tmp``."""
    package = js_tools("relay-compiler")
    config: dict[str, Any] = json.loads((RELAY / "relay.config.json").read_text("utf-8"))
    config["src"] = str(src)
    config["schema"] = str((RELAY / config["schema"]).resolve())
    out = tmp / "__generated__"
    out.mkdir()
    persisted = tmp / "persisted_queries.json"
    persisted.write_text("{}", encoding="utf-8")  # relay-compiler wants the file to exist
    config["artifactDirectory"] = str(out)
    config["persistConfig"] = {"file": str(persisted), "algorithm": "SHA256"}
    (tmp / "relay.config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    run = subprocess.run(
        ["node", str(package / "cli.js"), "--noWatchman", "--output", "verbose",
         str(tmp / "relay.config.json")],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    return Compiled(run, out, persisted)


def test_the_config_points_at_the_exported_schema() -> None:
    config = json.loads((RELAY / "relay.config.json").read_text("utf-8"))
    assert (RELAY / config["schema"]).resolve() == ROOT / "schema.graphql"
    assert (RELAY / config["src"]).resolve() == RELAY / "src"


def test_relay_compiles_the_held_operations_without_errors_or_warnings(tmp_path: Path) -> None:
    compiled = relay_compile(tmp_path)
    print(compiled.output)
    assert compiled.returncode == 0, compiled.report()
    assert compiled.problems() == [], compiled.report()
    assert "Compilation completed." in compiled.output, compiled.report()
    made = {p.name.removesuffix(".graphql.ts") for p in compiled.out.glob("*.graphql.ts")}
    assert made == ARTIFACTS, compiled.report()
    # The shapes Relay inferred: the co-authors page both ways, the papers
    # forward, the header refetched through node(id:), the edge appended.
    artifact = {name: (compiled.out / f"{name}.graphql.ts").read_text() for name in ARTIFACTS}
    assert '"direction": "bidirectional"' in artifact["AuthorCoauthors_author"]
    assert '"direction": "forward"' in artifact["AuthorPapers_author"]
    assert '"fragmentPathInResult": [\n        "node"\n      ]' in artifact["AuthorHeader_author"]
    assert '"handle": "appendEdge"' in artifact["FollowAuthorMutation"]


def test_relay_compiler_reports_a_connection_on_a_plain_list(tmp_path: Path) -> None:
    """The check is live: @connection on the contract's plain list
    Author.coauthors is refused, and the failure is seen."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "Bad.ts").write_text(
        "import { graphql } from 'relay-runtime';\n"
        "export const Bad = graphql`\n"
        "  fragment Bad_author on Author {\n"
        '    coauthors(first: 5) @connection(key: "Bad_coauthors") { sharedPaperCount }\n'
        "  }\n`;\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    compiled = relay_compile(work, src)
    assert compiled.returncode != 0, compiled.report()
    assert any("coauthors" in line for line in compiled.problems()), compiled.report()


# --- the compiled operations against the real app ------------------------------


@pytest.fixture(scope="module")
async def store(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[GraphStore]:
    s = await seeded_store(tmp_path_factory.mktemp("relay"))
    yield s
    await s.close()


class RelayNetwork:
    """What a Relay network layer with persisted queries sends: the
    operation's id (its sha256) in extensions.persistedQuery, no text."""

    def __init__(self, http: httpx.AsyncClient, ids: dict[str, str]) -> None:
        self.http = http
        self.ids = ids
        self.token: str | None = None

    async def fetch(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = {
            "variables": variables,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": self.ids[name]}},
        }
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post("/graphql", json=body, headers=headers)
        result: dict[str, Any] = response.json()
        assert response.status_code == 200 and "errors" not in result, (name, result)
        data: dict[str, Any] = result["data"]
        return data


def _operation_ids(persisted: Path) -> dict[str, str]:
    """operation name → id, from the map relay-compiler wrote (checked as the
    server checks PEERGRAPH_PERSISTED_QUERIES)."""
    ids = {}
    for op_id, text in load_manifest(persisted).items():
        match = re.match(r"\s*(?:query|mutation|subscription)\s+(\w+)", text)
        assert match, text
        ids[match[1]] = op_id
    assert set(ids) == OPERATIONS
    return ids


async def test_the_compiled_operations_run_by_hash(store: GraphStore, tmp_path: Path) -> None:
    compiled = relay_compile(tmp_path)
    assert compiled.returncode == 0, compiled.report()
    manifest = load_manifest(compiled.persisted)
    settings = Settings(env="test", data_dir=tmp_path, persisted_manifest=manifest)
    async with client_for(create_app(settings, store)) as http:
        relay = RelayNetwork(http, _operation_ids(compiled.persisted))

        # Chenhe Dong: 3 papers and 10 co-authors in the seed pages.
        page = (
            await relay.fetch(
                "AuthorPageQuery", {"slug": "chenhe-dong", "papers": 2, "coauthors": 4}
            )
        )["author"]
        author_id = page["id"]
        assert page["name"] == "Chenhe Dong" and author_id == "author:chenhe-dong"
        papers = page["papers"]
        assert papers["totalCount"] == 3 and len(papers["edges"]) == 2
        assert papers["pageInfo"]["hasNextPage"]

        refetched = (await relay.fetch("AuthorHeaderRefetchQuery", {"id": author_id}))["node"]
        assert refetched["__typename"] == "Author" and refetched["id"] == author_id
        assert refetched["name"] == page["name"]

        more = await relay.fetch(
            "AuthorPapersPaginationQuery",
            {"id": author_id, "count": 2, "cursor": papers["pageInfo"]["endCursor"]},
        )
        rest = more["node"]["papers"]
        assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
        assert rest["edges"][0]["node"]["id"] not in {e["node"]["id"] for e in papers["edges"]}

        coauthors = page["coauthorsConnection"]
        assert coauthors["totalCount"] == 10 and len(coauthors["edges"]) == 4
        assert coauthors["pageInfo"]["hasNextPage"]
        later = await relay.fetch(
            "AuthorCoauthorsPaginationQuery",
            {"id": author_id, "first": 4, "after": coauthors["pageInfo"]["endCursor"]},
        )
        later_page = later["node"]["coauthorsConnection"]
        assert len(later_page["edges"]) == 4 and later_page["pageInfo"]["hasPreviousPage"]
        back = await relay.fetch(  # loadPrevious: last/before
            "AuthorCoauthorsPaginationQuery",
            {"id": author_id, "last": 4, "before": later_page["pageInfo"]["startCursor"]},
        )
        assert back["node"]["coauthorsConnection"]["edges"] == coauthors["edges"]

        found = await relay.fetch("SearchPageQuery", {"query": "mixture of experts"})
        hits = found["searchConnection"]
        assert hits["edges"] and hits["totalCount"] >= len(hits["edges"])
        assert all(e["node"]["result"]["__typename"] for e in hits["edges"])
        again = await relay.fetch(
            "SearchResultsPaginationQuery", {"query": "mixture of experts", "count": 1}
        )
        assert again["searchConnection"]["edges"] == hits["edges"][:1]

        signed_up = await http.post(
            "/graphql",
            json={
                "query": "mutation SignUp($input: SignUpInput!) "
                "{ signUp(input: $input) { token userErrors { code } } }",
                "variables": {
                    "input": {
                        "email": "relay@example.org",
                        "password": "correct horse battery",
                        "displayName": "Relay",
                    }
                },
            },
        )
        relay.token = signed_up.json()["data"]["signUp"]["token"]
        viewer = (await relay.fetch("FollowingPageQuery", {}))["viewer"]
        assert viewer["following"]["edges"] == []
        # What ConnectionHandler.getConnectionID(viewer.id, "FollowingList_following")
        # gives: Relay's client-side id, sent along and ignored by the server.
        connection = f"client:{viewer['id']}:__FollowingList_following_connection"
        followed = await relay.fetch(
            "FollowAuthorMutation", {"authorId": author_id, "connections": [connection]}
        )
        edge = followed["followAuthor"]["followingEdge"]
        assert followed["followAuthor"]["userErrors"] == []
        assert edge["node"]["id"] == author_id and edge["node"]["viewerIsFollowing"]
        listed = await relay.fetch("FollowingListPaginationQuery", {"id": viewer["id"]})
        (listed_edge,) = listed["node"]["following"]["edges"]
        assert listed_edge["cursor"] == edge["cursor"]
        assert listed_edge["node"]["id"] == author_id
