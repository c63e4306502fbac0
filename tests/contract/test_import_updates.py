"""A newer import (a newer snapshot, an edited page) updates what changed and
never undoes a claim, a correction or a follow: shared_rules.refresh_*, on
both stores, through import_batch and bulk_import alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    InstitutionRecord,
    PaperKind,
    PaperRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import at, make_user

ANN = AuthorRecord("author:upd-ann", "ann-old", "Ann Old", orcid="0000-0001")
BOB = AuthorRecord("author:upd-bob", "bob-old", "Bob Old")
PAPER = PaperRecord(
    "paper:upd", "An Old Title", PaperKind.PREPRINT, year=2020, venue="arXiv", abstract="Old."
)
FIRST = ImportBatch(
    authors=(ANN, BOB),
    papers=(PAPER,),
    authorships=(AuthorshipRow(ANN.id, PAPER.id, 1), AuthorshipRow(BOB.id, PAPER.id, 2)),
)


def _newer(*, paper: PaperRecord, ann: AuthorRecord, bob: AuthorRecord) -> ImportBatch:
    return replace(FIRST, authors=(ann, bob), papers=(paper,))


Write = Callable[[ImportBatch], Awaitable[None]]


@pytest.fixture(params=["import_batch", "bulk_import"])
def write(request: pytest.FixtureRequest, store: GraphStore) -> Write:
    method: Write = getattr(store, request.param)
    return method


async def test_a_newer_import_updates_what_changed(store: GraphStore, write: Write) -> None:
    await store.import_batch(FIRST)
    newer = replace(PAPER, title="A New Title", year=2021, venue="NeurIPS", abstract=None)
    renamed = replace(ANN, slug="ann-new", name="Ann New", orcid="0000-0009")
    await write(_newer(paper=newer, ann=renamed, bob=BOB))
    # An import that lacks a value never clears one.
    assert (await store.get_papers([PAPER.id]))[PAPER.id] == replace(newer, abstract="Old.")
    # The name follows; the slug (the profile's address) and the ORCID stay.
    assert (await store.get_authors([ANN.id]))[ANN.id] == replace(ANN, name="Ann New")
    assert [h.node_id for h in await store.search("a new title", 3)][:1] == [PAPER.id]
    assert (await store.get_authors_by_slug(["ann-old"]))["ann-old"].name == "Ann New"


async def test_a_newer_import_keeps_claims_corrections_and_follows(
    store: GraphStore, write: Write
) -> None:
    await store.import_batch(FIRST)
    user = await store.create_user(make_user(1))
    moderator = await store.create_user(make_user(2))
    await store.create_claim(
        ClaimRecord("claim:u", ANN.id, user.id, ClaimDecision.PENDING, "e", at(1))
    )
    await store.follow(user.id, BOB.id, at(2))
    for n, (target, field, prop, value) in enumerate(
        [(PAPER.id, "title", "title", "The Corrected Title"), (BOB.id, "name", "name", "Bob Right")]
    ):
        fix = CorrectionRecord(
            f"corr:u{n}", target, field, value, "typo", CorrectionStatus.OPEN, user.id, at(3 + n)
        )
        await store.create_correction(fix)
        await store.decide_correction(
            fix.id, CorrectionStatus.APPLIED, moderator.id, None, at(5 + n), (prop, value)
        )
    newer = replace(PAPER, title="A New Title", venue="NeurIPS")
    await write(
        _newer(paper=newer, ann=replace(ANN, name="Ann New"), bob=replace(BOB, name="Bob New"))
    )
    paper = (await store.get_papers([PAPER.id]))[PAPER.id]
    assert (paper.title, paper.venue) == ("The Corrected Title", "NeurIPS")
    authors = await store.get_authors([ANN.id, BOB.id])
    # A pending claimant's name stays; so does a corrected name.
    assert (authors[ANN.id].name, authors[ANN.id].claim_status) == ("Ann Old", ClaimStatus.PENDING)
    assert authors[BOB.id].name == "Bob Right"
    assert (await store.author_stats([BOB.id]))[BOB.id].followers == 1


async def test_an_institution_that_comes_later_gets_its_affiliation_edge(
    store: GraphStore,
) -> None:
    ann = replace(ANN, affiliation_id="inst:upd")
    await store.import_batch(ImportBatch(authors=(ann,)))  # the institution is unknown yet
    assert await store.graph_edges([ann.id]) == []
    later = ImportBatch(authors=(ann,), institutions=(InstitutionRecord("inst:upd", "Upd"),))
    await store.import_batch(later)  # the author itself is unchanged
    edges = await store.graph_edges([ann.id])
    assert [(e.kind, e.target) for e in edges] == [("AFFILIATED", "inst:upd")]
