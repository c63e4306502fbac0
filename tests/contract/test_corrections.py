"""Corrections: create, apply (record and sort keys in step), reject, the queue."""

from __future__ import annotations

import pytest

from graph_store.errors import Rule, RuleViolation
from graph_store.records import (
    AuthorFilterSpec,
    CorrectionRecord,
    CorrectionStatus,
    PaperFilterSpec,
)
from graph_store.store import GraphStore
from tests.contract.conftest import (
    AUTHOR_ORDER,
    BAO,
    DONG,
    LONELY,
    P1,
    P2,
    P3,
    P4,
    P5,
    WEI,
    ZOE,
    at,
    make_user,
)

MOD = "user:u9"


def correction(
    n: int,
    target: str,
    field: str,
    value: str,
    minute: int | None = None,
) -> CorrectionRecord:
    return CorrectionRecord(
        id=f"corr:k{n}",
        target_id=target,
        field=field,
        proposed_value=value,
        reason="typo on the page",
        status=CorrectionStatus.OPEN,
        created_by="user:u1",
        created_at=at(minute if minute is not None else n),
    )


@pytest.fixture
async def corr_graph(graph: GraphStore) -> GraphStore:
    await graph.create_user(make_user(1))
    return graph


async def test_create_correction(corr_graph: GraphStore) -> None:
    created = await corr_graph.create_correction(correction(1, BAO, "name", "Hangbo Bao II"))
    assert created.status is CorrectionStatus.OPEN
    assert (await corr_graph.get_corrections(["corr:k1"]))["corr:k1"] == created
    await corr_graph.create_correction(correction(2, P2, "year", "2024"))
    assert set(await corr_graph.get_corrections(["corr:k1", "corr:k2"])) == {"corr:k1", "corr:k2"}


async def test_create_correction_not_found(corr_graph: GraphStore) -> None:
    for n, target in enumerate(
        ("author:nobody", "paper:none", "topic:knowledge-distillation"), start=1
    ):
        with pytest.raises(RuleViolation) as err:
            await corr_graph.create_correction(correction(n, target, "name", "x"))
        assert err.value.rule is Rule.NOT_FOUND
    assert await corr_graph.get_corrections(["corr:k1", "corr:k2", "corr:k3"]) == {}


async def test_apply_author_rename_reorders_authors(corr_graph: GraphStore) -> None:
    await corr_graph.create_correction(correction(1, ZOE, "name", "Aaron Adams"))
    decided = await corr_graph.decide_correction(
        "corr:k1", CorrectionStatus.APPLIED, MOD, "confirmed", at(50), ("name", "Aaron Adams")
    )
    assert decided.status is CorrectionStatus.APPLIED
    assert decided.reviewed_by == MOD and decided.reviewed_at == at(50)
    assert decided.note == "confirmed"
    assert (await corr_graph.get_authors([ZOE]))[ZOE].name == "Aaron Adams"
    page = await corr_graph.list_authors(AuthorFilterSpec(), 100, None)
    assert [a.id for a in page.items] == [ZOE] + [a for a in AUTHOR_ORDER if a != ZOE]
    # Filters and look-ups see the new name, not the old one.
    assert [
        a.id
        for a in (
            await corr_graph.list_authors(AuthorFilterSpec(name_contains="aaron"), 10, None)
        ).items
    ] == [ZOE]
    assert (
        await corr_graph.list_authors(AuthorFilterSpec(name_contains="zoe"), 10, None)
    ).total == 0
    assert set(await corr_graph.find_authors_by_name(["AARON ADAMS"])) == {"aaron adams"}
    # Keyset paging still concatenates after the change.
    first = await corr_graph.list_authors(AuthorFilterSpec(), 3, None)
    rest = await corr_graph.list_authors(AuthorFilterSpec(), 10, first.items[-1].sort_key)
    assert [a.id for a in first.items + rest.items] == [a.id for a in page.items]


async def test_apply_paper_fields(corr_graph: GraphStore) -> None:
    await corr_graph.create_correction(correction(1, P4, "year", "2024"))
    await corr_graph.decide_correction(
        "corr:k1", CorrectionStatus.APPLIED, MOD, None, at(50), ("year", 2024)
    )
    assert (await corr_graph.get_papers([P4]))[P4].year == 2024
    page = await corr_graph.list_papers(PaperFilterSpec(), 10, None)
    assert [p.id for p in page.items] == [P4, P5, P2, P3, P1]  # newest now
    assert (await corr_graph.list_papers(PaperFilterSpec(year_from=2024), 10, None)).total == 1

    await corr_graph.create_correction(correction(2, P1, "title", "Zeta Title"))
    await corr_graph.decide_correction(
        "corr:k2", CorrectionStatus.APPLIED, MOD, None, at(51), ("title", "Zeta Title")
    )
    assert (await corr_graph.get_papers([P1]))[P1].title == "Zeta Title"
    assert [
        p.id
        for p in (
            await corr_graph.list_papers(PaperFilterSpec(title_contains="ZETA"), 10, None)
        ).items
    ] == [P1]
    assert set(await corr_graph.find_papers_by_title(["zeta title"])) == {"zeta title"}

    await corr_graph.create_correction(correction(3, P2, "venue", "ACL 2023"))
    await corr_graph.decide_correction(
        "corr:k3", CorrectionStatus.APPLIED, MOD, None, at(52), ("venue", "ACL 2023")
    )
    await corr_graph.create_correction(correction(4, P2, "code_url", ""))
    await corr_graph.decide_correction(
        "corr:k4",
        CorrectionStatus.APPLIED,
        MOD,
        None,
        at(53),
        ("code_url", "https://github.com/x/prune"),
    )
    await corr_graph.create_correction(correction(5, P1, "abstract", ""))
    await corr_graph.decide_correction(
        "corr:k5", CorrectionStatus.APPLIED, MOD, None, at(54), ("abstract", None)
    )
    papers = await corr_graph.get_papers([P1, P2])
    assert papers[P2].venue == "ACL 2023"
    assert papers[P2].code_url == "https://github.com/x/prune"
    assert papers[P2].title == "Pruning Large Models" and papers[P2].year == 2023
    assert papers[P1].abstract is None and papers[P1].title == "Zeta Title"


async def test_reject_leaves_the_record(corr_graph: GraphStore) -> None:
    await corr_graph.create_correction(correction(1, DONG, "name", "Wrong Name"))
    decided = await corr_graph.decide_correction(
        "corr:k1", CorrectionStatus.REJECTED, MOD, "not supported", at(50), None
    )
    assert decided.status is CorrectionStatus.REJECTED and decided.note == "not supported"
    assert (await corr_graph.get_authors([DONG]))[DONG].name == "Li Dong"
    assert [
        a.id for a in (await corr_graph.list_authors(AuthorFilterSpec(), 100, None)).items
    ] == AUTHOR_ORDER


async def test_decide_rules(corr_graph: GraphStore) -> None:
    with pytest.raises(RuleViolation) as err:
        await corr_graph.decide_correction(
            "corr:none", CorrectionStatus.APPLIED, MOD, None, at(50), ("name", "X")
        )
    assert err.value.rule is Rule.NOT_FOUND
    await corr_graph.create_correction(correction(1, WEI, "name", "Furu Wei Jr"))
    await corr_graph.decide_correction(
        "corr:k1", CorrectionStatus.REJECTED, MOD, None, at(50), None
    )
    for status in (CorrectionStatus.APPLIED, CorrectionStatus.REJECTED):
        with pytest.raises(RuleViolation) as err:
            await corr_graph.decide_correction(
                "corr:k1", status, MOD, "again", at(51), ("name", "Furu Wei Jr")
            )
        assert err.value.rule is Rule.CORRECTION_NOT_OPEN
    # Nothing written by the refused decisions.
    assert (await corr_graph.get_authors([WEI]))[WEI].name == "Furu Wei"
    stored = (await corr_graph.get_corrections(["corr:k1"]))["corr:k1"]
    assert stored.status is CorrectionStatus.REJECTED and stored.reviewed_at == at(50)
    assert stored.note is None


async def test_corrections_by_status_oldest_first(corr_graph: GraphStore) -> None:
    for n, (target, minute) in enumerate(((BAO, 30), (P3, 10), (LONELY, 20), (P5, 40)), start=1):
        await corr_graph.create_correction(correction(n, target, "name", "x", minute=minute))
    await corr_graph.decide_correction(
        "corr:k4", CorrectionStatus.REJECTED, MOD, None, at(60), None
    )

    def key(c: CorrectionRecord) -> str:
        return f"{int(c.created_at.timestamp() * 1_000_000):020d}|{c.id}"

    first = await corr_graph.corrections_by_status(CorrectionStatus.OPEN, 2, None)
    assert [c.id for c in first.items] == ["corr:k2", "corr:k3"]
    assert first.total == 3 and first.has_next is True
    second = await corr_graph.corrections_by_status(CorrectionStatus.OPEN, 2, key(first.items[-1]))
    assert [c.id for c in second.items] == ["corr:k1"]
    assert second.has_next is False and second.total == 3
    rejected = await corr_graph.corrections_by_status(CorrectionStatus.REJECTED, 10, None)
    assert [c.id for c in rejected.items] == ["corr:k4"]
    assert (await corr_graph.corrections_by_status(CorrectionStatus.APPLIED, 10, None)).total == 0
