"""bulk_import: the same graph as import_batch, on both stores, whatever mix
of new and existing rows a chunk holds, with every value stored exactly."""

from __future__ import annotations

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    ImportBatch,
    InstitutionRecord,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
    TopicRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import at, make_user

INST = InstitutionRecord("inst:bulk-1", 'Institut "Quote", Paris')
TOPIC = TopicRecord("topic:bulk-topic", "bulk-topic", "Bulk Topic")
ANA = AuthorRecord(
    "author:bulk-ana", "ana-bulk", 'Ana, "Bulk" O\'Neil', affiliation_id=INST.id, orcid="0000-0001"
)
BEN = AuthorRecord("author:bulk-ben", "ben-bulk", "Ben \\ Backslash")
# Text COPY files must carry exactly: quotes, commas, a newline, a backslash,
# the CSV null marker itself, an empty string, non-Latin letters.
ODD = PaperRecord(
    "paper:bulk-odd",
    'Line one\nline "two", with, commas',
    PaperKind.CONFERENCE,
    year=2020,
    venue="\\N",
    abstract="",
    doi="10.1000/odd",
)
PLAIN = PaperRecord("paper:bulk-plain", "Łukasz and 张伟 on pruning", PaperKind.PREPRINT)


def _batch(*papers: PaperRecord, authors: tuple[AuthorRecord, ...] = (ANA, BEN)) -> ImportBatch:
    return ImportBatch(
        authors=authors,
        papers=papers,
        topics=(TOPIC,),
        institutions=(INST,),
        authorships=tuple(
            AuthorshipRow(a.id, p.id, i) for p in papers for i, a in enumerate(authors, start=1)
        ),
        paper_topics=tuple((p.id, TOPIC.id) for p in papers),
    )


async def _papers_total(store: GraphStore) -> int:
    return (await store.list_papers(PaperFilterSpec(), 1, None)).total


async def test_new_rows_are_stored_exactly(store: GraphStore) -> None:
    await store.bulk_import(_batch(ODD, PLAIN))
    await store.finish_bulk_import()
    assert await store.get_papers([ODD.id, PLAIN.id]) == {ODD.id: ODD, PLAIN.id: PLAIN}
    assert await store.get_authors([ANA.id, BEN.id]) == {ANA.id: ANA, BEN.id: BEN}
    assert await store.existing_author_ids([ANA.id, "author:nobody", ANA.id]) == {ANA.id}
    assert await store.get_institutions([INST.id]) == {INST.id: INST}
    authors = await store.authors_of_papers([ODD.id])
    assert [a.id for a in authors[ODD.id]] == [ANA.id, BEN.id]
    assert await store.topics_of_papers([PLAIN.id]) == {PLAIN.id: [TOPIC]}
    edges = await store.graph_edges([ANA.id])
    assert {(e.kind, e.target) for e in edges} == {
        ("AUTHORED", ODD.id),
        ("AUTHORED", PLAIN.id),
        ("AFFILIATED", INST.id),
    }
    # The search index has the new documents.
    assert [h.node_id for h in await store.search("zhang wei pruning", 5)][:1] == [PLAIN.id]


async def test_a_second_bulk_import_changes_nothing(store: GraphStore) -> None:
    await store.bulk_import(_batch(ODD, PLAIN))
    ids = [ANA.id, BEN.id, ODD.id, PLAIN.id]
    before = set(await store.graph_edges(ids))
    await store.bulk_import(_batch(ODD, PLAIN))
    assert set(await store.graph_edges(ids)) == before and len(before) == 7
    assert await store.get_papers([ODD.id]) == {ODD.id: ODD}
    assert await _papers_total(store) == 2


async def test_new_and_existing_rows_in_one_chunk_merge_like_import_batch(
    store: GraphStore,
) -> None:
    # ANA and ODD exist (ANA claimed); the chunk brings BEN, PLAIN, and BEN on ODD.
    await store.import_batch(_batch(ODD, authors=(ANA,)))
    user = await store.create_user(make_user(1))
    await store.create_claim(
        ClaimRecord("claim:b", ANA.id, user.id, ClaimDecision.PENDING, "e", at(1))
    )
    renamed = AuthorRecord(ANA.id, "other-slug", "Someone Else", orcid="0000-0002")
    chunk = ImportBatch(
        authors=(renamed, BEN),
        papers=(ODD, PLAIN),
        authorships=(
            AuthorshipRow(BEN.id, ODD.id, 2),
            AuthorshipRow(ANA.id, ODD.id, 9),  # exists: keeps position 1
            AuthorshipRow(BEN.id, PLAIN.id, 1),
            AuthorshipRow(ANA.id, PLAIN.id, 2),
        ),
        paper_topics=((PLAIN.id, TOPIC.id),),
    )
    await store.bulk_import(chunk)
    ana = (await store.get_authors([ANA.id]))[ANA.id]
    assert (ana.slug, ana.name, ana.claim_status) == (ANA.slug, ANA.name, ClaimStatus.PENDING)
    assert ana.orcid == ANA.orcid  # an existing external id is kept
    shown = await store.authors_of_papers([ODD.id, PLAIN.id])
    assert [a.id for a in shown[ODD.id]] == [ANA.id, BEN.id]
    assert [a.id for a in shown[PLAIN.id]] == [BEN.id, ANA.id]
    assert await store.topics_of_papers([PLAIN.id]) == {PLAIN.id: [TOPIC]}
    assert await _papers_total(store) == 2


async def test_first_row_of_an_id_or_pair_wins_within_a_chunk(store: GraphStore) -> None:
    later = PaperRecord(PLAIN.id, "A later title", PaperKind.JOURNAL, year=1999, venue="V")
    chunk = ImportBatch(
        authors=(BEN, BEN),
        papers=(PLAIN, later),
        authorships=(AuthorshipRow(BEN.id, PLAIN.id, 3), AuthorshipRow(BEN.id, PLAIN.id, 1)),
    )
    await store.bulk_import(chunk)
    # As import_batch merges a record twice: kept fields stay, missing ones fill in.
    expected = PaperRecord(PLAIN.id, PLAIN.title, PLAIN.kind, year=1999, venue="V")
    assert await store.get_papers([PLAIN.id]) == {PLAIN.id: expected}
    edges = [e for e in await store.graph_edges([BEN.id]) if e.kind == "AUTHORED"]
    assert len(edges) == 1
