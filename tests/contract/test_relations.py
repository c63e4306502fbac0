"""Relations batched by the id of the "from" side, stats, labels and edges."""

from __future__ import annotations

from graph_store.records import AuthorStatsRecord, GraphEdgeRecord
from graph_store.store import GraphStore
from tests.contract.conftest import (
    ALICE,
    BAO,
    DONG,
    EVERYTHING,
    IR,
    KD,
    LONELY,
    MOE,
    MSR,
    P1,
    P2,
    P3,
    P4,
    P5,
    PRUNING,
    UNI,
    WEI,
    ZOE,
    all_papers_of_authors,
    at,
    make_user,
)


async def test_papers_of_authors(graph: GraphStore) -> None:
    got = await all_papers_of_authors(graph, [BAO, ZOE, LONELY, "author:nobody"])
    assert {k: [p.id for p in v] for k, v in got.items()} == {
        BAO: [P5, P2, P3, P1],
        ZOE: [P3, P4],
        LONELY: [],
        "author:nobody": [],
    }


async def test_authors_of_papers_in_author_order(graph: GraphStore) -> None:
    got = await graph.authors_of_papers([P1, P2, P3, "paper:none"])
    assert {k: [a.id for a in v] for k, v in got.items()} == {
        P1: [BAO, DONG, WEI],
        P2: [DONG, BAO],
        P3: [WEI, ZOE, BAO],  # Bao's position is unknown (0): after the known ones
        "paper:none": [],
    }


async def test_topics_and_papers_of_topics(graph: GraphStore) -> None:
    topics = await graph.topics_of_papers([P2, P4, "paper:none"])
    assert {k: [t.id for t in v] for k, v in topics.items()} == {
        P2: [KD, PRUNING],
        P4: [IR],
        "paper:none": [],
    }
    papers = await graph.paper_pages_of_topics([KD, MOE, "topic:none"], EVERYTHING, None)
    assert {k: [p.id for p in v.items] for k, v in papers.items()} == {
        KD: [P5, P2, P1],
        MOE: [P3],
        "topic:none": [],
    }


async def test_authors_of_topics_most_papers_first(graph: GraphStore) -> None:
    got = await graph.authors_of_topics([KD, IR, PRUNING], EVERYTHING)
    assert {k: [a.id for a in v] for k, v in got.items()} == {
        KD: [BAO, DONG, WEI],  # 3, 3 (tie by name), 1
        IR: [ZOE],
        PRUNING: [BAO, DONG],  # 1 each: by author sort_key
    }


async def test_topic_weights_of_authors(graph: GraphStore) -> None:
    got = await graph.topic_weights_of_authors([BAO, ZOE, LONELY])
    assert {k: [(w.topic.id, w.paper_count) for w in v] for k, v in got.items()} == {
        BAO: [(KD, 3), (MOE, 1), (PRUNING, 1)],
        ZOE: [(IR, 1), (MOE, 1)],
        LONELY: [],
    }


async def test_coauthors_with_shared_papers(graph: GraphStore) -> None:
    got = await graph.coauthors_of_authors([BAO, DONG, ZOE, LONELY], EVERYTHING)
    flat = {k: [(c.author.id, c.shared_paper_ids) for c in v] for k, v in got.items()}
    assert flat == {
        BAO: [(DONG, (P5, P2, P1)), (WEI, (P3, P1)), (ZOE, (P3,))],
        DONG: [(BAO, (P5, P2, P1)), (WEI, (P1,))],
        ZOE: [(WEI, (P3,)), (BAO, (P3,))],  # tie on count: by author sort_key
        LONELY: [],
    }


async def test_author_stats_counts_the_graph(graph: GraphStore) -> None:
    for n in (1, 2):
        user = await graph.create_user(make_user(n))
        await graph.follow(user.id, BAO, at(n))
    stats = await graph.author_stats([BAO, ZOE, LONELY, "author:nobody"])
    assert stats[BAO] == AuthorStatsRecord(works=4, followers=2, topics=3, collaborators=3)
    assert stats[ZOE] == AuthorStatsRecord(works=2, followers=0, topics=2, collaborators=2)
    assert stats[LONELY] == AuthorStatsRecord(works=0, followers=0, topics=0, collaborators=0)
    assert set(stats) == {BAO, ZOE, LONELY, "author:nobody"}
    # collaborators equals the length of the full coauthor list
    coauthors = await graph.coauthors_of_authors([BAO, ZOE], EVERYTHING)
    assert stats[BAO].collaborators == len(coauthors[BAO])
    assert stats[ZOE].collaborators == len(coauthors[ZOE])


async def test_node_labels(graph: GraphStore) -> None:
    assert await graph.node_labels([BAO, P2, KD, MSR, "author:nobody", "user:u1"]) == {
        BAO: "Hangbo Bao",
        P2: "Pruning Large Models",
        KD: "Knowledge Distillation",
        MSR: "Microsoft Research",
    }
    assert await graph.node_labels([]) == {}


async def test_graph_edges_touching_nodes_each_once(graph: GraphStore) -> None:
    edges = await graph.graph_edges([ZOE, P4])
    assert sorted((e.kind, e.source, e.target) for e in edges) == [
        ("AFFILIATED", ZOE, UNI),
        ("AUTHORED", ZOE, P3),
        ("AUTHORED", ZOE, P4),
        ("TAGGED", P4, IR),
    ]
    assert all(e.weight == 1 for e in edges)
    around_p3 = await graph.graph_edges([P3, MOE])
    # P3 and MOE both touch the TAGGED edge P3→MOE: it still comes once.
    assert sorted((e.kind, e.source, e.target) for e in around_p3) == [
        ("AUTHORED", WEI, P3),
        ("AUTHORED", BAO, P3),
        ("AUTHORED", ZOE, P3),
        ("TAGGED", P3, MOE),
    ]
    institutions = await graph.graph_edges([MSR])
    assert sorted(institutions, key=lambda e: e.source) == [
        GraphEdgeRecord(source=BAO, target=MSR, kind="AFFILIATED"),
        GraphEdgeRecord(source=DONG, target=MSR, kind="AFFILIATED"),
    ]
    assert await graph.graph_edges([ALICE]) == []
    assert await graph.graph_edges([]) == []


async def test_paper_pages_are_cut_in_the_store(graph: GraphStore) -> None:
    # Bao's papers in display order: P5, P2, P3, P1 (PAPER_ORDER without P4).
    first = await graph.paper_pages_of_authors([BAO, LONELY, "author:none"], 2, None)
    assert [p.id for p in first[BAO].items] == [P5, P2]
    assert first[BAO].total == 4 and first[BAO].has_next
    assert first[LONELY].items == () and first[LONELY].total == 0
    assert first["author:none"].total == 0 and not first["author:none"].has_next
    rest = await graph.paper_pages_of_authors([BAO], 2, first[BAO].items[-1].sort_key)
    assert [p.id for p in rest[BAO].items] == [P3, P1]
    assert rest[BAO].total == 4 and not rest[BAO].has_next


async def test_top_coauthors_are_ranked_in_the_store(graph: GraphStore) -> None:
    everyone = await graph.coauthors_of_authors([BAO, DONG], EVERYTHING)
    top = await graph.coauthors_of_authors([BAO, DONG], first=1)
    for author in (BAO, DONG):
        assert top[author] == everyone[author][:1]
    assert [c.author.id for c in top[BAO]] == [DONG]
    assert top[BAO][0].shared_paper_ids == (P5, P2, P1)
    assert await graph.coauthors_of_authors([BAO], first=0) == {BAO: []}


async def test_topic_paper_pages_and_top_authors_are_cut_in_the_store(graph: GraphStore) -> None:
    # Papers tagged knowledge-distillation in display order: P5, P2, P1.
    first = await graph.paper_pages_of_topics([KD, MOE], 2, None)
    assert [p.id for p in first[KD].items] == [P5, P2]
    assert first[KD].total == 3 and first[KD].has_next
    assert [p.id for p in first[MOE].items] == [P3] and not first[MOE].has_next
    rest = await graph.paper_pages_of_topics([KD], 2, first[KD].items[-1].sort_key)
    assert [p.id for p in rest[KD].items] == [P1] and not rest[KD].has_next
    everyone = await graph.authors_of_topics([KD, MOE], EVERYTHING)
    top = await graph.authors_of_topics([KD, MOE], first=2)
    assert top[KD] == everyone[KD][:2] and top[MOE] == everyone[MOE][:2]
    assert await graph.authors_of_topics([KD], first=0) == {KD: []}


async def test_ranked_lists_page_by_offset_in_the_store(graph: GraphStore) -> None:
    """Co-authors and topic authors from any rank (the connections' pages)."""
    coauthors = (await graph.coauthors_of_authors([BAO], EVERYTHING))[BAO]
    assert len(coauthors) >= 3
    for offset in range(len(coauthors) + 1):
        page = await graph.coauthors_of_authors([BAO], 2, offset)
        assert page[BAO] == coauthors[offset : offset + 2]
    authors = (await graph.authors_of_topics([KD], EVERYTHING))[KD]
    assert len(authors) >= 3
    for offset in range(len(authors) + 1):
        assert (await graph.authors_of_topics([KD], 2, offset))[KD] == authors[offset : offset + 2]
    counts = await graph.author_counts_of_topics([KD, MOE, "topic:nothing"])
    assert counts == {
        KD: len(authors),
        MOE: len((await graph.authors_of_topics([MOE], EVERYTHING))[MOE]),
        "topic:nothing": 0,
    }
