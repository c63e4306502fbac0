"""Provenance on both backends: each imported record's origin, a revision for
every later value of a tracked field, corrections never lost or overridden."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    PaperKind,
    PaperRecord,
    RevisionRecord,
    SourceKind,
    SourceRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import at, make_user

A = "author:openalex-a1"
P = "paper:openalex-w1"
MOD = "user:u9"


def batch(
    title: str = "Deep Things",
    venue: str | None = "NeurIPS",
    name: str = "Ada Lovelace",
    *,
    minute: int = 0,
    snapshot: str = "2024-01-01",
) -> ImportBatch:
    """One OpenAlex work and its author, as the importer gives them."""

    def source(entity: str, locator: str) -> SourceRecord:
        return SourceRecord(entity, SourceKind.OPENALEX, locator, snapshot, at(minute))

    return ImportBatch(
        authors=(AuthorRecord(A, "ada-lovelace", name),),
        papers=(PaperRecord(P, title, PaperKind.JOURNAL, 2021, venue),),
        authorships=(AuthorshipRow(A, P, 1),),
        sources=(
            source(P, "https://openalex.org/W1"),
            source(A, "https://openalex.org/A1"),
        ),
    )


async def history(store: GraphStore, entity: str, field: str) -> list[RevisionRecord]:
    return (await store.revisions_of([entity], field, 100))[entity]


@pytest.fixture(params=["import_batch", "bulk_import"])
def write(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def run(store: GraphStore, how: str, b: ImportBatch) -> None:
    await (store.import_batch(b) if how == "import_batch" else store.bulk_import(b))


async def correct(store: GraphStore, n: int, target: str, field: str, value: str) -> None:
    await store.create_user(make_user(1)) if n == 1 else None
    await store.create_correction(
        CorrectionRecord(
            id=f"corr:k{n}",
            target_id=target,
            field=field,
            proposed_value=value,
            reason=f"the journal's own page says so ({n})",
            status=CorrectionStatus.OPEN,
            created_by="user:u1",
            created_at=at(100 + n),
        )
    )
    await store.decide_correction(
        f"corr:k{n}",
        CorrectionStatus.APPLIED,
        MOD,
        "moderator's private note",
        at(110 + n),
        (field, value),
    )


async def test_an_import_records_one_origin_per_record_and_no_revision(
    store: GraphStore, write: str
) -> None:
    await run(store, write, batch())
    origins = await store.sources_of([P, A, "paper:none"])
    assert origins == {
        P: SourceRecord(P, SourceKind.OPENALEX, "https://openalex.org/W1", "2024-01-01", at(0)),
        A: SourceRecord(A, SourceKind.OPENALEX, "https://openalex.org/A1", "2024-01-01", at(0)),
    }
    assert await store.revisions_of([P, A], "title", 10) == {P: [], A: []}


async def test_reimporting_the_same_data_adds_no_revision(store: GraphStore, write: str) -> None:
    await run(store, write, batch())
    await run(store, write, batch(minute=5, snapshot="2024-02-01"))
    for field in ("title", "year", "venue", "abstract", "code_url"):
        assert await history(store, P, field) == []
    assert await history(store, A, "name") == []
    # The origin stays the import that created the record.
    assert (await store.sources_of([P]))[P].retrieved_at == at(0)


async def test_a_newer_import_that_changes_a_value_adds_a_revision(
    store: GraphStore, write: str
) -> None:
    await run(store, write, batch())
    await run(store, write, batch(title="Deep Things, Revised", minute=5, snapshot="2024-02-01"))
    assert (await store.get_papers([P]))[P].title == "Deep Things, Revised"
    revisions = await history(store, P, "title")
    # Newest first; the replaced value is kept, from the record's origin.
    assert [(r.value, r.at, r.snapshot_date, r.overridden) for r in revisions] == [
        ("Deep Things, Revised", at(5), "2024-02-01", False),
        ("Deep Things", at(0), "2024-01-01", False),
    ]
    assert {r.kind for r in revisions} == {SourceKind.OPENALEX}
    assert all(r.reason is None for r in revisions)
    # Only the field that changed.
    assert await history(store, P, "venue") == []
    # And again: the same newer data adds nothing more.
    await run(store, write, batch(title="Deep Things, Revised", minute=9, snapshot="2024-02-01"))
    assert len(await history(store, P, "title")) == 2


async def test_a_correction_appends_a_revision_and_keeps_the_old_value(
    store: GraphStore,
) -> None:
    await store.import_batch(batch())
    await correct(store, 1, P, "venue", "ICML")
    await correct(store, 2, P, "venue", "ICML 2021")
    revisions = await history(store, P, "venue")
    assert [(r.value, r.kind, r.locator, r.reason) for r in revisions] == [
        ("ICML 2021", SourceKind.CORRECTION, "corr:k2", "the journal's own page says so (2)"),
        ("ICML", SourceKind.CORRECTION, "corr:k1", "the journal's own page says so (1)"),
        ("NeurIPS", SourceKind.OPENALEX, "https://openalex.org/W1", None),
    ]
    assert revisions[0].at == at(112)
    # No moderator, no suggester, no moderator note in any revision.
    for r in revisions:
        text = " ".join(str(v) for v in asdict(r).values())
        assert MOD not in text and "user:u1" not in text and "private note" not in text


async def test_a_newer_import_never_overrides_a_correction_and_is_flagged(
    store: GraphStore, write: str
) -> None:
    await run(store, write, batch())
    await correct(store, 1, A, "name", "Augusta Ada King")
    await correct(store, 2, P, "title", "Deep Things (corrected)")
    # Re-importing the data the correction replaced: nothing new.
    await run(store, write, batch(minute=200))
    assert len(await history(store, P, "title")) == 2
    assert (await store.overridden_revisions(10, None)).items == ()
    # A newer snapshot with another value: recorded, flagged, not applied.
    await run(
        store, write, batch("Deep Things v2", name="A. Lovelace", minute=209, snapshot="2024-03-01")
    )
    assert (await store.get_papers([P]))[P].title == "Deep Things (corrected)"
    assert (await store.get_authors([A]))[A].name == "Augusta Ada King"
    newest = (await history(store, P, "title"))[0]
    assert (newest.value, newest.overridden, newest.snapshot_date) == (
        "Deep Things v2",
        True,
        "2024-03-01",
    )
    assert (await history(store, A, "name"))[0].overridden
    flagged = await store.overridden_revisions(10, None)
    assert {(r.entity_id, r.value) for r in flagged.items} == {
        (P, "Deep Things v2"),
        (A, "A. Lovelace"),
    }
    assert flagged.total == 2
    # The same newer snapshot again adds no second flag.
    await run(
        store, write, batch("Deep Things v2", name="A. Lovelace", minute=212, snapshot="2024-03-01")
    )
    assert (await store.overridden_revisions(10, None)).total == 2


async def test_records_imported_without_a_source_have_none(store: GraphStore) -> None:
    await store.import_batch(replace(batch(), sources=()))
    assert await store.sources_of([P, A]) == {}
    # A correction still keeps the value it replaces (the origin derived from the id).
    await correct(store, 1, P, "title", "Deeper Things")
    base = (await history(store, P, "title"))[-1]
    assert (base.value, base.kind, base.locator) == (
        "Deep Things",
        SourceKind.OPENALEX,
        "https://openalex.org/W1",
    )


async def test_an_import_agreeing_with_a_correction_adds_nothing(
    store: GraphStore, write: str
) -> None:
    await run(store, write, batch())
    await correct(store, 1, P, "venue", "ICML")
    # A newer snapshot changes the title and now gives the corrected venue.
    await run(store, write, batch("Deep Things 2", venue="ICML", minute=200))
    assert [r.value for r in await history(store, P, "venue")] == ["ICML", "NeurIPS"]
    assert [r.value for r in await history(store, P, "title")] == ["Deep Things 2", "Deep Things"]
