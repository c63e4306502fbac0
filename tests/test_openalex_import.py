"""Importing OpenAlex works: the graph it makes, idempotency that keeps claims
and corrections, and bad records reported by file and line, on both stores."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from api.cli import main
from graph_store.records import (
    AuthorFilterSpec,
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    PaperFilterSpec,
    SourceKind,
)
from graph_store.store import GraphStore
from seeds.openalex_generator import GeneratorSpec, works, write
from seeds.openalex_import import abstract_text, import_openalex
from tests.contract.conftest import at, make_user

SPEC = GeneratorSpec(authors=60, papers=150, authorships=400, institutions=8, seed=5)


def _dataset(tmp: Path) -> Path:
    out = io.StringIO()
    write(SPEC, out)
    path = tmp / "works.jsonl.gz"
    path.write_bytes(gzip.compress(out.getvalue().encode()))
    return path


async def _counts(store: GraphStore) -> tuple[int, int]:
    papers = await store.list_papers(PaperFilterSpec(), 1, None)
    authors = await store.list_authors(AuthorFilterSpec(), 1, None)
    return papers.total, authors.total


async def test_works_become_papers_authors_and_topics(store: GraphStore, tmp_path: Path) -> None:
    report = await import_openalex(store, [_dataset(tmp_path)], chunk=40, workers=0)
    data = list(works(SPEC))
    assert report.works == SPEC.papers and report.authorships == SPEC.authorships
    assert report.bad == []
    distinct = {a["author"]["id"] for w in data for a in w["authorships"]}
    assert await _counts(store) == (SPEC.papers, len(distinct))
    first = data[0]
    paper_id = "paper:openalex-w1"
    paper = (await store.get_papers([paper_id]))[paper_id]
    assert paper.title == first["title"] and paper.year == first["publication_year"]
    assert paper.venue == first["primary_location"]["source"]["display_name"]
    assert paper.abstract == abstract_text(first["abstract_inverted_index"])
    assert paper.doi == first["doi"].removeprefix("https://doi.org/")
    # The generator's updated_date is the snapshot date of every origin.
    origins = await store.sources_of([paper_id])
    assert origins[paper_id].snapshot_date == first["updated_date"][:10]
    authors = (await store.authors_of_papers([paper_id]))[paper_id]
    expected = [a["author"]["display_name"] for a in first["authorships"]]
    assert [a.name for a in authors] == expected
    ship = next(s for w in data for s in w["authorships"] if s["author"].get("orcid"))
    author_id = "author:openalex-" + ship["author"]["id"].rsplit("/", 1)[1].lower()
    orcid = (await store.get_authors([author_id]))[author_id].orcid
    assert orcid == ship["author"]["orcid"].removeprefix("https://orcid.org/")
    assert all(a.affiliation_id and a.affiliation_id.startswith("inst:openalex-") for a in authors)
    # The vocabulary's tagger finds the topic term the title starts with.
    assert (await store.topics_of_papers([paper_id]))[paper_id]


async def test_a_second_run_changes_nothing_and_keeps_claims_and_corrections(
    store: GraphStore, tmp_path: Path
) -> None:
    path = _dataset(tmp_path)
    await import_openalex(store, [path], workers=0)
    before = await _counts(store)
    user = await store.create_user(make_user(1))
    author = "author:openalex-a1"
    await store.create_claim(
        ClaimRecord("claim:x", author, user.id, ClaimDecision.PENDING, "orcid", at(1))
    )
    await store.decide_claim("claim:x", True, None, at(2))
    fix = CorrectionRecord(
        "corr:x", "paper:openalex-w1", "title", "A Better Title", "typo",
        CorrectionStatus.OPEN, user.id, at(3),
    )  # fmt: skip
    await store.create_correction(fix)
    await store.decide_correction(
        fix.id, CorrectionStatus.APPLIED, user.id, None, at(4), ("title", "A Better Title")
    )
    again = await import_openalex(store, [path], workers=0)
    assert again.works == SPEC.papers and await _counts(store) == before
    assert (await store.get_authors([author]))[author].claim_status is ClaimStatus.CLAIMED
    assert (await store.get_papers(["paper:openalex-w1"]))["paper:openalex-w1"].title == (
        "A Better Title"
    )


async def test_bad_records_are_reported_and_the_rest_imported(
    store: GraphStore, tmp_path: Path
) -> None:
    good = list(works(GeneratorSpec(authors=5, papers=3, authorships=6, institutions=2)))
    untitled = {**good[1], "title": "", "display_name": ""}
    lines = [json.dumps(good[0]), "{not json", json.dumps(untitled), "", json.dumps(good[2])]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = await import_openalex(store, [path], workers=0)
    assert report.works == 2
    assert [b.split(": ")[0] for b in report.bad] == [f"{path}:2", f"{path}:3"]
    assert "not JSON" in report.bad[0] and "no title" in report.bad[1]
    assert (await _counts(store))[0] == 2


def test_the_command_imports_and_says_what_it_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("PEERGRAPH_DATA_DIR", str(tmp_path / "data"))
    path = _dataset(tmp_path)
    assert main(["import", "openalex", str(path)]) == 0
    out = capsys.readouterr()
    assert f"imported {SPEC.papers} works, {SPEC.authorships} authorships" in out.out
    assert "works/s" in out.err  # the progress line
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{oops\n", encoding="utf-8")
    assert main(["import", "openalex", str(broken)]) == 1
    assert f"skipped {broken}:1: not JSON" in capsys.readouterr().err


async def test_odd_records_are_reported_or_cleaned_never_fatal(
    store: GraphStore, tmp_path: Path
) -> None:
    good = list(works(GeneratorSpec(authors=5, papers=4, authorships=8, institutions=2)))
    odd_year = {**good[0], "publication_year": True}  # a bool is an int to Python
    odd_shape = {**good[1], "primary_location": "foo"}
    lines = [json.dumps(odd_year), json.dumps(odd_shape), json.dumps(good[2])]
    lines.append(json.dumps(good[3]).replace(json.dumps(good[3]["title"]), '"Lone \\ud83d"'))
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = await import_openalex(store, [path], workers=0)
    assert report.works == 2
    assert [b.split(": ")[0] for b in report.bad] == [f"{path}:2", f"{path}:4"]
    assert "unreadable record" in report.bad[0] and "not valid Unicode" in report.bad[1]
    paper = (await store.get_papers(["paper:openalex-w1"]))["paper:openalex-w1"]
    assert paper.year is None


async def test_sources_and_a_newer_snapshot_are_recorded(store: GraphStore, tmp_path: Path) -> None:
    work = next(iter(works(SPEC)))
    work["updated_date"] = "2024-05-01T03:04:05.123"
    first = tmp_path / "old.jsonl"
    first.write_text(json.dumps(work) + "\n")
    await import_openalex(store, [first], workers=0, retrieved_at=at(0))
    short = work["authorships"][0]["author"]["id"].rsplit("/", 1)[1]
    author_id = f"author:openalex-{short.lower()}"
    origins = await store.sources_of(["paper:openalex-w1", author_id])
    assert {(s.kind, s.locator, s.snapshot_date, s.retrieved_at) for s in origins.values()} == {
        (SourceKind.OPENALEX, "https://openalex.org/W1", "2024-05-01", at(0)),
        (SourceKind.OPENALEX, f"https://openalex.org/{short}", "2024-05-01", at(0)),
    }
    # The same file again: no revision. A newer snapshot with a new title: one,
    # above the value it replaces.
    await import_openalex(store, [first], workers=0, retrieved_at=at(5))
    assert (await store.revisions_of(["paper:openalex-w1"], "title", 10))["paper:openalex-w1"] == []
    newer = tmp_path / "new.jsonl"
    newer.write_text(
        json.dumps({**work, "title": "A Retitled Work", "updated_date": "2024-09-30"}) + "\n"
    )
    await import_openalex(store, [newer], workers=0, retrieved_at=at(9))
    revisions = (await store.revisions_of(["paper:openalex-w1"], "title", 10))["paper:openalex-w1"]
    assert [(r.value, r.snapshot_date, r.at) for r in revisions] == [
        ("A Retitled Work", "2024-09-30", at(9)),
        (work["title"], "2024-05-01", at(0)),
    ]
