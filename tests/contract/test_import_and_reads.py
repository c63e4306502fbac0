"""Import idempotency, import look-ups and batch reads by id."""

from __future__ import annotations

import pytest

from graph_store.errors import StoreError
from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    ImportBatch,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
)
from graph_store.store import GraphStore
from seeds.loader import free_slugs
from tests.contract.conftest import (
    ALICE,
    AUTHORS,
    BAO,
    BAO_FIGURES,
    DONG,
    GRAPH,
    INSTITUTIONS,
    IR,
    KD,
    LONELY,
    MSR,
    P1,
    P2,
    P3,
    P4,
    P5,
    PAPERS,
    TOPICS,
    WEI,
    ZOE,
    all_papers_of_authors,
    at,
    make_user,
)

ALL_AUTHOR_IDS = [a.id for a in AUTHORS]
ALL_PAPER_IDS = [p.id for p in PAPERS]


async def test_initialize_is_idempotent_and_ping_answers(store: GraphStore) -> None:
    await store.initialize()
    await store.initialize()
    await store.ping()
    assert await store.author_count() == 0


async def test_import_writes_every_node(graph: GraphStore) -> None:
    assert await graph.author_count() == 6
    authors = await graph.get_authors(ALL_AUTHOR_IDS)
    assert authors == {a.id: a for a in AUTHORS}
    assert authors[BAO].imported == BAO_FIGURES
    assert authors[BAO].affiliation_id == MSR
    assert authors[BAO].claim_status is ClaimStatus.UNCLAIMED
    assert await graph.get_papers(ALL_PAPER_IDS) == {p.id: p for p in PAPERS}
    assert await graph.get_topics([t.id for t in TOPICS]) == {t.id: t for t in TOPICS}
    assert await graph.get_institutions([i.id for i in INSTITUTIONS]) == {
        i.id: i for i in INSTITUTIONS
    }


async def test_import_twice_changes_nothing(graph: GraphStore) -> None:
    before_authors = await all_papers_of_authors(graph, ALL_AUTHOR_IDS)
    before_order = await graph.authors_of_papers(ALL_PAPER_IDS)
    before_edges = await graph.graph_edges(ALL_AUTHOR_IDS + ALL_PAPER_IDS)
    await graph.import_batch(GRAPH)
    assert await graph.author_count() == 6
    assert await all_papers_of_authors(graph, ALL_AUTHOR_IDS) == before_authors
    assert await graph.authors_of_papers(ALL_PAPER_IDS) == before_order
    assert await graph.graph_edges(ALL_AUTHOR_IDS + ALL_PAPER_IDS) == before_edges
    assert (await graph.list_papers(PaperFilterSpec(), 100, None)).total == 5
    assert (await graph.list_topics(100, None)).total == 4
    assert await graph.get_authors(ALL_AUTHOR_IDS) == {a.id: a for a in AUTHORS}


async def test_reimport_keeps_authorship_position_and_claim_status(graph: GraphStore) -> None:
    user = await graph.create_user(make_user(1))
    await graph.create_claim(
        ClaimRecord(
            id="claim:c1",
            author_id=DONG,
            user_id=user.id,
            status=ClaimDecision.PENDING,
            evidence="orcid",
            created_at=at(5),
        )
    )
    # The same people again, with other positions and an UNCLAIMED status.
    await graph.import_batch(
        ImportBatch(
            authors=(AuthorRecord(id=DONG, slug="li-dong", name="Li Dong"),),
            authorships=(
                AuthorshipRow(DONG, P1, 9),
                AuthorshipRow(BAO, P1, 7),
                AuthorshipRow(ZOE, P1, 4),
            ),
        )
    )
    assert (await graph.get_authors([DONG]))[DONG].claim_status is ClaimStatus.PENDING
    # Existing positions kept (Bao 1, Dong 2, Wei 3); the new authorship (Zoe 4) added.
    assert [a.id for a in (await graph.authors_of_papers([P1]))[P1]] == [BAO, DONG, WEI, ZOE]


async def test_import_merges_a_paper_seen_twice(store: GraphStore) -> None:
    paper = PaperRecord(id="paper:x", title="Shared Work", kind=PaperKind.CONFERENCE, year=2020)
    await store.import_batch(
        ImportBatch(
            authors=AUTHORS[:1], papers=(paper,), authorships=(AuthorshipRow(BAO, "paper:x", 1),)
        )
    )
    await store.import_batch(
        ImportBatch(
            authors=AUTHORS[1:2], papers=(paper,), authorships=(AuthorshipRow(DONG, "paper:x", 2),)
        )
    )
    page = await store.list_papers(PaperFilterSpec(), 10, None)
    assert [p.id for p in page.items] == ["paper:x"]
    assert [a.id for a in (await store.authors_of_papers(["paper:x"]))["paper:x"]] == [BAO, DONG]


async def test_find_authors_by_name_is_case_insensitive(graph: GraphStore) -> None:
    found = await graph.find_authors_by_name(["HANGBO BAO", "li dong", "Nobody Here"])
    assert set(found) == {"hangbo bao", "li dong"}
    assert found["hangbo bao"].id == BAO
    assert found["li dong"].id == DONG
    assert await graph.find_authors_by_name([]) == {}


async def test_existing_slugs(graph: GraphStore) -> None:
    assert await graph.existing_slugs(["hangbo-bao", "zoe-adams", "new-person"]) == {
        "hangbo-bao",
        "zoe-adams",
    }
    assert await graph.existing_slugs([]) == set()


async def test_free_slugs_skip_taken_suffixes(graph: GraphStore) -> None:
    # A common name: its slug and suffixes 2..40 are taken, 43 too, then gaps.
    taken = ["wen-ueda", *(f"wen-ueda-{n}" for n in range(2, 41)), "wen-ueda-43"]
    await graph.import_batch(
        ImportBatch(
            authors=tuple(AuthorRecord(id=f"author:t-{s}", slug=s, name="Wen Ueda") for s in taken)
        )
    )
    names = {
        "a": "Wen Ueda",
        "b": "Wen Ueda 41",
        "c": "Wen Ueda",
        "d": "Wen Ueda",
        "e": "Zoe Adams",
    }
    memo: dict[str, int] = {}
    slugs = await free_slugs(graph, names, memo)
    assert list(slugs) == list(names)
    # "wen-ueda-41" is a name's own slug here, so the suffixes skip it; 43 is taken.
    assert slugs == {
        "a": "wen-ueda-42",
        "b": "wen-ueda-41",
        "c": "wen-ueda-44",
        "d": "wen-ueda-45",
        "e": "zoe-adams-2",
    }
    assert not await graph.existing_slugs(list(slugs.values()))
    # The memo says where each name's free suffixes start; the next chunk of
    # an import (these slugs now given) starts there.
    assert memo == {"wen-ueda": 46, "wen-ueda-41": 2, "zoe-adams": 3}
    assert await free_slugs(graph, {"f": "Wen Ueda"}, memo) == {"f": "wen-ueda-46"}
    assert await free_slugs(graph, {"f": "Wen Ueda"}) == {"f": "wen-ueda-41"}  # no memo


async def test_find_papers_by_title_is_case_insensitive(graph: GraphStore) -> None:
    found = await graph.find_papers_by_title(["pruning large MODELS", "Unknown Title"])
    assert set(found) == {"pruning large models"}
    assert found["pruning large models"].id == P2


async def test_batch_reads_return_every_known_id_and_leave_out_unknown(
    graph: GraphStore,
) -> None:
    authors = await graph.get_authors([BAO, WEI, "author:nobody", ZOE, LONELY, ALICE, DONG])
    assert set(authors) == {BAO, WEI, ZOE, LONELY, ALICE, DONG}
    assert authors[WEI].name == "Furu Wei"
    papers = await graph.get_papers([P1, P2, P3, P4, P5, "paper:none"])
    assert set(papers) == {P1, P2, P3, P4, P5}
    assert papers[P4].year is None and papers[P2].kind is PaperKind.CONFERENCE
    by_slug = await graph.get_authors_by_slug(["hangbo-bao", "zoe-adams", "nobody"])
    assert {k: v.id for k, v in by_slug.items()} == {"hangbo-bao": BAO, "zoe-adams": ZOE}
    topics = await graph.get_topics_by_slug(["knowledge-distillation", "information-retrieval"])
    assert {k: v.id for k, v in topics.items()} == {
        "knowledge-distillation": KD,
        "information-retrieval": IR,
    }
    assert await graph.get_authors([]) == {}
    assert await graph.get_users(["user:none"]) == {}
    assert await graph.get_claims(["claim:none"]) == {}
    assert await graph.get_invitations(["inv:none"]) == {}
    assert await graph.get_corrections(["corr:none"]) == {}


async def test_get_users_by_id(store: GraphStore) -> None:
    users = [await store.create_user(make_user(n)) for n in range(1, 4)]
    got = await store.get_users([u.id for u in users] + ["user:none"])
    assert got == {u.id: u for u in users}


async def test_engine_errors_surface_as_store_errors(store: GraphStore) -> None:
    user = make_user(1)
    await store.create_user(user)
    # Same id, another e-mail: a primary-key/constraint failure, not a rule.
    with pytest.raises(StoreError):
        await store.create_user(make_user(1, email="other@example.org"))
    assert await store.get_users([user.id]) == {user.id: user}
    # The failed transaction left the store writable.
    second = await store.create_user(make_user(2))
    assert await store.get_users([user.id, second.id]) == {user.id: user, second.id: second}
