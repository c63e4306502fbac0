"""Search: words matched case-insensitively, name/title above abstract-only."""

from __future__ import annotations

from graph_store.records import (
    AuthorRecord,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    PaperKind,
    PaperRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import BAO, DONG, KD, P1, P2, P5, PRUNING, at, make_user


async def test_exact_name_ranks_first(graph: GraphStore) -> None:
    hits = await graph.search("hangbo BAO", 10)
    assert hits[0].node_id == BAO
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


async def test_title_matches_rank_above_abstract_only(graph: GraphStore) -> None:
    hits = await graph.search("Distillation", 10)
    ids = [h.node_id for h in hits]
    # Titles/names containing the word: P1, P5 and the topic; P2 only in its abstract.
    assert set(ids) == {P1, P5, KD, P2}
    assert ids[-1] == P2
    assert hits[-1].score < min(h.score for h in hits[:-1])
    assert all(h.score > 0 for h in hits)


async def test_exact_topic_name_and_title_word(graph: GraphStore) -> None:
    hits = await graph.search("pruning", 10)
    ids = [h.node_id for h in hits]
    assert ids[0] == PRUNING  # the whole name
    assert set(ids) == {PRUNING, P2}


async def test_more_matching_words_rank_higher_and_first_limits(graph: GraphStore) -> None:
    hits = await graph.search("li dong", 10)
    assert hits[0].node_id == DONG
    assert len(await graph.search("distillation", 2)) == 2
    top2 = [h.node_id for h in await graph.search("distillation", 2)]
    assert top2 == [h.node_id for h in await graph.search("distillation", 10)][:2]


async def test_no_match_and_empty_query(graph: GraphStore) -> None:
    assert await graph.search("zzzqqq", 10) == []
    assert await graph.search("   ", 10) == []


async def test_search_is_deterministic(graph: GraphStore) -> None:
    first = await graph.search("models experts retrieval", 10)
    assert first == await graph.search("models experts retrieval", 10)
    assert first


async def test_words_match_after_case_folding(graph: GraphStore) -> None:
    await graph.import_batch(
        ImportBatch(authors=(AuthorRecord(id="author:ks", slug="ks", name="Karl Straße"),))
    )
    assert [h.node_id for h in await graph.search("STRASSE", 5)] == ["author:ks"]
    assert [h.node_id for h in await graph.search("straße", 5)] == ["author:ks"]


async def test_many_abstract_matches_never_crowd_out_a_title_match(graph: GraphStore) -> None:
    crowd = tuple(
        PaperRecord(
            id=f"paper:crowd{i}",
            title=f"Crowd {i}",
            kind=PaperKind.PREPRINT,
            abstract="We revisit resnet baselines.",
        )
        for i in range(600)
    )
    inside = PaperRecord(id="paper:dense", title="DenseResNets Revisited", kind=PaperKind.PREPRINT)
    await graph.import_batch(ImportBatch(papers=(*crowd, inside)))
    hits = await graph.search("resnet", 3)
    assert hits[0].node_id == "paper:dense"  # inside a title word beats 600 abstracts
    assert hits[1].score < hits[0].score


async def test_search_follows_a_corrected_name(graph: GraphStore) -> None:
    await graph.create_user(make_user(1))
    fix = CorrectionRecord(
        "corr:s", BAO, "name", "Hangbo Quux", "typo", CorrectionStatus.OPEN, "user:u1", at(1)
    )
    await graph.create_correction(fix)
    await graph.decide_correction(
        fix.id, CorrectionStatus.APPLIED, "user:u9", None, at(2), ("name", "Hangbo Quux")
    )
    assert [h.node_id for h in await graph.search("quux", 5)] == [BAO]
    assert BAO not in {h.node_id for h in await graph.search("bao", 10)}
