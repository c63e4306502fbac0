"""External ids: an author's ORCID and a paper's DOI are stored, read back
everywhere a record is, merged on re-import and kept by the graph's own
writes."""

from __future__ import annotations

from dataclasses import replace

from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import BAO, DONG, P1, P2, at, make_user

ORCID = "0000-0002-1825-0097"
OTHER_ORCID = "0000-0001-5109-3700"
DOI = "10.48550/arXiv.2106.08254"
OTHER_DOI = "10.1000/other"

AUTHOR = AuthorRecord(id="author:ext", slug="ext", name="Ext Ernal", orcid=ORCID)
PAPER = PaperRecord(id="paper:ext", title="External Ids", kind=PaperKind.JOURNAL, doi=DOI)
BATCH = ImportBatch(
    authors=(AUTHOR,), papers=(PAPER,), authorships=(AuthorshipRow(AUTHOR.id, PAPER.id, 1),)
)


async def test_orcid_and_doi_round_trip(store: GraphStore) -> None:
    await store.import_batch(BATCH)
    assert (await store.get_authors([AUTHOR.id]))[AUTHOR.id] == AUTHOR
    assert (await store.get_authors_by_slug(["ext"]))["ext"].orcid == ORCID
    assert (await store.get_papers([PAPER.id]))[PAPER.id] == PAPER
    assert (await store.authors_of_papers([PAPER.id]))[PAPER.id] == [AUTHOR]
    pages = await store.paper_pages_of_authors([AUTHOR.id], 10, None)
    assert pages[AUTHOR.id].items == (PAPER,)
    assert (await store.list_authors(AuthorFilterSpec(), 10, None)).items == (AUTHOR,)
    assert (await store.list_papers(PaperFilterSpec(), 10, None)).items == (PAPER,)
    assert (await store.find_authors_by_name(["ext ernal"]))["ext ernal"] == AUTHOR
    assert (await store.find_papers_by_title(["EXTERNAL IDS"]))["external ids"] == PAPER


async def test_records_without_external_ids_read_as_none(graph: GraphStore) -> None:
    assert (await graph.get_authors([BAO]))[BAO].orcid is None
    assert (await graph.get_papers([P1]))[P1].doi is None


async def test_reimport_fills_a_missing_orcid_and_doi(graph: GraphStore) -> None:
    bao = (await graph.get_authors([BAO]))[BAO]
    p1 = (await graph.get_papers([P1]))[P1]
    await graph.import_batch(
        ImportBatch(authors=(replace(bao, orcid=ORCID),), papers=(replace(p1, doi=DOI),))
    )
    assert (await graph.get_authors([BAO]))[BAO] == replace(bao, orcid=ORCID)
    assert (await graph.get_papers([P1]))[P1] == replace(p1, doi=DOI)


async def test_reimport_keeps_a_known_orcid_and_doi(store: GraphStore) -> None:
    await store.import_batch(BATCH)
    again = ImportBatch(
        authors=(replace(AUTHOR, orcid=OTHER_ORCID),), papers=(replace(PAPER, doi=OTHER_DOI),)
    )
    await store.import_batch(again)
    # Without: a source that lacks them does not clear them either.
    await store.import_batch(
        ImportBatch(authors=(replace(AUTHOR, orcid=None),), papers=(replace(PAPER, doi=None),))
    )
    assert (await store.get_authors([AUTHOR.id]))[AUTHOR.id].orcid == ORCID
    assert (await store.get_papers([PAPER.id]))[PAPER.id].doi == DOI


async def test_a_reimport_fills_the_doi_and_keeps_the_corrected_field(graph: GraphStore) -> None:
    fix = CorrectionRecord(
        "corr:x", P2, "venue", "", "wrong venue", CorrectionStatus.OPEN, "user:u1", at(1)
    )
    await graph.create_correction(fix)
    await graph.decide_correction(
        fix.id, CorrectionStatus.APPLIED, "user:u9", None, at(2), ("venue", None)
    )
    p2 = (await graph.get_papers([P2]))[P2]
    assert p2.doi is None and p2.venue is None
    # The page brings the venue back and a DOI: only the DOI is taken.
    await graph.import_batch(ImportBatch(papers=(replace(p2, doi=DOI, venue="Old Venue"),)))
    assert (await graph.get_papers([P2]))[P2] == replace(p2, doi=DOI)


async def test_claims_and_corrections_keep_the_external_ids(store: GraphStore) -> None:
    await store.import_batch(BATCH)
    user = await store.create_user(make_user(1))
    claim = ClaimRecord("claim:x", AUTHOR.id, user.id, ClaimDecision.PENDING, "orcid", at(1))
    await store.create_claim(claim)
    await store.decide_claim(claim.id, True, None, at(2))
    for n, (target, prop, value) in enumerate(
        [(AUTHOR.id, "name", "Ext Ernal-Renamed"), (PAPER.id, "title", "External Ids, Revised")]
    ):
        fix = CorrectionRecord(
            f"corr:{n}", target, prop, value, "typo", CorrectionStatus.OPEN, user.id, at(3 + n)
        )
        await store.create_correction(fix)
        await store.decide_correction(
            fix.id, CorrectionStatus.APPLIED, "user:u9", None, at(5 + n), (prop, value)
        )
    author = (await store.get_authors([AUTHOR.id]))[AUTHOR.id]
    assert (author.name, author.orcid) == ("Ext Ernal-Renamed", ORCID)
    paper = (await store.get_papers([PAPER.id]))[PAPER.id]
    assert (paper.title, paper.doi) == ("External Ids, Revised", DOI)


async def test_an_orcid_is_per_author(graph: GraphStore) -> None:
    """Two records with one ORCID are two authors (no merging by external id)."""
    bao, dong = (await graph.get_authors([BAO, DONG])).values()
    await graph.import_batch(
        ImportBatch(authors=(replace(bao, orcid=ORCID), replace(dong, orcid=ORCID)))
    )
    both = await graph.get_authors([BAO, DONG])
    assert {a.orcid for a in both.values()} == {ORCID} and len(both) == 2
