"""The floor: the author page read with raw Cypher, in this process.

No GraphQL, no HTTP, no store layer: the statements a hand-written page would
send, straight to the engine (the ``ladybug`` package on the embedded
database file, opened read-only; the ``neo4j`` driver on Neo4j). The same
text runs on both engines; it names only the graph's core labels and
properties (graph_store/embedded/ddl.py, graph_store/neo4j/queries.py).

An embedded database file is opened by one process at a time, so the
embedded floor is measured before the server starts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

Row = list[Any]

# 1. The author by slug, its affiliation and the counts the page shows.
AUTHOR = """
MATCH (a:Author) WHERE a.slug = $slug
OPTIONAL MATCH (a)-[:AFFILIATED]->(i:Institution)
RETURN a.id, a.name, a.claim_status, i.name,
       COUNT { MATCH (a)-[:AUTHORED]->(:Paper) } AS works,
       COUNT { MATCH (:User)-[:FOLLOWS]->(a) } AS followers
"""
# On the embedded store a slug is looked up through its own primary-key table
# (LadybugDB indexes only primary keys; graph_store/embedded/ddl.py), as the
# store does: a filter on Author.slug would scan every author.
AUTHOR_VIA_SLUG_TABLE = AUTHOR.replace(
    "MATCH (a:Author) WHERE a.slug = $slug",
    "MATCH (s:AuthorSlug {slug: $slug}) MATCH (a:Author {id: s.author_id})",
)
# 2. Its first 20 papers (newest first, as sort_key orders them) with every author.
PAPERS = """
MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper)
WITH p ORDER BY p.sort_key LIMIT $first
MATCH (b:Author)-[:AUTHORED]->(p)
RETURN p.id, p.title, p.year, p.kind, p.venue, p.sort_key, b.name
"""
# 3. Its top co-authors by shared papers, ranked in the engine.
COAUTHORS = """
MATCH (a:Author {id: $id})-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(b:Author)
WHERE b.id <> a.id
WITH b, count(DISTINCT p) AS shared
RETURN b.slug, b.name, shared ORDER BY shared DESC, b.sort_key LIMIT $first
"""
# 4. How many distinct co-authors (stats.collaborators).
COLLABORATORS = """
MATCH (a:Author {id: $id})-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b:Author)
WHERE b.id <> a.id
RETURN count(DISTINCT b)
"""
# 5. Its topics with paper counts (also stats.topics).
TOPICS = """
MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper)-[:TAGGED]->(t:Topic)
RETURN t.slug, t.name, count(DISTINCT p) AS papers
"""
STATEMENTS_PER_PAGE = 5

# Not measured: which authors to ask for, and the graph's size.
PAPERS_PER_AUTHOR = "MATCH (a:Author)-[:AUTHORED]->(p:Paper) RETURN a.id, a.slug, count(p)"
AUTHOR_TOTAL = "MATCH (a:Author) RETURN count(a)"
PAPER_TOTAL = "MATCH (p:Paper) RETURN count(p)"
AUTHORSHIP_TOTAL = "MATCH (:Author)-[e:AUTHORED]->(:Paper) RETURN count(e)"


@dataclass(frozen=True, slots=True)
class AuthorPage:
    """What the page shows, in a form both the floor and the API reduce to."""

    id: str
    name: str
    affiliation: str | None
    works: int
    followers: int
    collaborators: int
    topics: dict[str, int]  # slug -> papers
    coauthors: tuple[tuple[str, int], ...]  # (slug, shared papers), page order
    papers: tuple[str, ...]  # ids, page order
    paper_authors: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> sorted names


class Engine(Protocol):
    author_by_slug: str  # statement 1 in this engine's best form

    def rows(self, query: str, params: dict[str, Any]) -> list[Row]: ...

    def close(self) -> None: ...


class LadybugEngine:
    author_by_slug = AUTHOR_VIA_SLUG_TABLE

    def __init__(self, db_file: Path) -> None:
        import ladybug as lb

        # Read-only: the benchmark must not change what it measures.
        self._db = lb.Database(str(db_file), read_only=True)
        self._conn = lb.Connection(self._db)

    def rows(self, query: str, params: dict[str, Any]) -> list[Row]:
        result = self._conn.execute(query, params)
        assert not isinstance(result, list)  # one statement, one result
        try:
            return [list(row) for row in result.get_all()]
        finally:
            result.close()

    def close(self) -> None:
        self._conn.close()
        self._db.close()


class Neo4jEngine:
    author_by_slug = AUTHOR

    def __init__(self, uri: str, user: str, password: str, database: str) -> None:
        import neo4j

        # Notifications off: a hand-written page would not pay for the server's
        # warnings (e.g. "FOLLOWS does not exist" on a graph without follows).
        self._driver = neo4j.GraphDatabase.driver(
            uri, auth=(user, password), notifications_min_severity="OFF"
        )
        self._database = database
        # One session, auto-commit statements: one round trip each.
        self._session = self._driver.session(
            database=database, default_access_mode=neo4j.READ_ACCESS
        )

    def rows(self, query: str, params: dict[str, Any]) -> list[Row]:
        return [list(record.values()) for record in self._session.run(query, params)]

    def write(self, query: str, params: dict[str, Any]) -> list[Row]:
        records, _, _ = self._driver.execute_query(query, params, database_=self._database)
        return [list(r.values()) for r in records]

    def close(self) -> None:
        self._session.close()
        self._driver.close()


def read_author_page(
    engine: Engine, slug: str, papers: int = 20, coauthors: int = 10
) -> AuthorPage:
    found = engine.rows(engine.author_by_slug, {"slug": slug})
    if not found:
        raise LookupError(f"no author with slug {slug!r}")
    author_id, name, _status, affiliation, works, followers = found[0]
    by_paper: dict[str, list[Any]] = {}
    for pid, _title, _year, _kind, _venue, key, author_name in engine.rows(
        PAPERS, {"id": author_id, "first": papers}
    ):
        by_paper.setdefault(pid, [key, []])[1].append(author_name)
    ordered = sorted(by_paper.items(), key=lambda item: item[1][0])
    top = engine.rows(COAUTHORS, {"id": author_id, "first": coauthors})
    collaborators = engine.rows(COLLABORATORS, {"id": author_id})[0][0]
    topics = engine.rows(TOPICS, {"id": author_id})
    return AuthorPage(
        id=author_id,
        name=name,
        affiliation=affiliation,
        works=int(works),
        followers=int(followers),
        collaborators=int(collaborators),
        topics={t_slug: int(n) for t_slug, _, n in topics},
        coauthors=tuple((b_slug, int(shared)) for b_slug, _, shared in top),
        papers=tuple(pid for pid, _ in ordered),
        paper_authors={pid: tuple(sorted(names)) for pid, (_, names) in ordered},
    )


@dataclass(frozen=True, slots=True)
class Timed:
    latencies: tuple[float, ...]
    result: AuthorPage


def time_author_page(engine: Engine, slug: str, repeats: int, warmup: int = 3) -> Timed:
    page = read_author_page(engine, slug)
    for _ in range(warmup):
        read_author_page(engine, slug)
    latencies = []
    for _ in range(repeats):
        started = time.perf_counter()
        read_author_page(engine, slug)
        latencies.append(time.perf_counter() - started)
    return Timed(tuple(latencies), page)


@dataclass(frozen=True, slots=True)
class GraphFacts:
    authors: int
    papers: int
    authorships: int
    papers_per_author: tuple[tuple[str, str, int], ...]  # (id, slug, papers), by (papers, id)


def graph_facts(engine: Engine) -> GraphFacts:
    def count(query: str) -> int:
        return int(engine.rows(query, {})[0][0])

    per_author = sorted(
        ((aid, slug, int(n)) for aid, slug, n in engine.rows(PAPERS_PER_AUTHOR, {})),
        key=lambda row: (row[2], row[0]),
    )
    return GraphFacts(
        authors=count(AUTHOR_TOTAL),
        papers=count(PAPER_TOTAL),
        authorships=count(AUTHORSHIP_TOTAL),
        papers_per_author=tuple(per_author),
    )


def page_from_graphql(author: dict[str, Any]) -> AuthorPage:
    """The API's answer to bench.queries.AUTHOR_PAGE, reduced like the floor's."""
    edges = author["papers"]["edges"]
    return AuthorPage(
        id=author["id"],
        name=author["name"],
        affiliation=(author.get("affiliation") or {}).get("name"),
        works=author["stats"]["works"],
        followers=author["stats"]["followers"],
        collaborators=author["stats"]["collaborators"],
        topics={w["topic"]["slug"]: w["paperCount"] for w in author["topics"]},
        coauthors=tuple((c["author"]["slug"], c["sharedPaperCount"]) for c in author["coauthors"]),
        papers=tuple(e["node"]["id"] for e in edges),
        paper_authors={
            e["node"]["id"]: tuple(sorted(a["name"] for a in e["node"]["authors"])) for e in edges
        },
    )


def differences(floor: AuthorPage, api: AuthorPage) -> list[str]:
    """The fields where the API's page and the floor's disagree (none expected)."""
    return [f.name for f in fields(AuthorPage) if getattr(floor, f.name) != getattr(api, f.name)]
