"""Loading the seed pages into a real store (every configured backend)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    CorrectionRecord,
    CorrectionStatus,
    ImportBatch,
    ImportedFigures,
    Page,
    PaperFilterSpec,
    PaperKind,
    PaperRecord,
    RevisionRecord,
    Role,
    SourceKind,
    SourceRecord,
    UserRecord,
    utcnow,
)
from graph_store.store import GraphStore
from seeds.loader import (
    ImportSummary,
    author_id_for_slug,
    default_seed_paths,
    expand_paths,
    load_pages,
    paper_id_for_title,
    slugify,
)
from seeds.parser import SeedParseError, name_key, parse_file
from tests.contract.conftest import EVERYTHING, all_papers_of_authors
from tests.test_seed_parser import (
    EFFICIENTBERT,
    EXPECTED_CODE_URLS,
    EXPECTED_TOPICS,
    HRKD,
    MINILM,
    SOFT_PROMPTS,
    THE_X,
    UNILMV2,
)


async def counts(store: GraphStore) -> tuple[int, int, int]:
    authors = await store.list_authors(AuthorFilterSpec(), 100, None)
    papers = await store.list_papers(PaperFilterSpec(), 100, None)
    topics = await store.list_topics(100, None)
    return authors.total, papers.total, topics.total


async def snapshot(store: GraphStore) -> dict[str, object]:
    """Everything the seed import writes, for before/after comparisons."""
    authors = (await store.list_authors(AuthorFilterSpec(), 100, None)).items
    papers = (await store.list_papers(PaperFilterSpec(), 100, None)).items
    topics = (await store.list_topics(100, None)).items
    paper_ids = [p.id for p in papers]
    by_paper = await store.authors_of_papers(paper_ids)
    topics_of = await store.topics_of_papers(paper_ids)
    return {
        "authors": authors,
        "papers": papers,
        "topics": topics,
        "authorship": {k: [a.id for a in v] for k, v in by_paper.items()},
        "tags": {k: [t.id for t in v] for k, v in topics_of.items()},
    }


async def paper(store: GraphStore, title: str) -> PaperRecord:
    found = await store.get_papers([paper_id_for_title(title)])
    return found[paper_id_for_title(title)]


async def author_names(store: GraphStore, title: str) -> list[str]:
    pid = paper_id_for_title(title)
    return [a.name for a in (await store.authors_of_papers([pid]))[pid]]


def test_ids_and_slugs() -> None:
    assert slugify("Hangbo Bao") == "hangbo-bao"
    assert slugify("  José  Ángel O'Neil ") == "jose-angel-o-neil"
    assert slugify("Hang-Xu") == slugify("hang xu") == "hang-xu"
    # Non-Latin names are transliterated, never collapsed to "author".
    assert slugify("Łukasz Kaiser") == "lukasz-kaiser"
    assert slugify("张伟") == "zhang-wei"
    assert slugify("Сергей Брин") == "sergey-brin"
    assert slugify("Ngô Bảo Châu") == "ngo-bao-chau"
    assert slugify("김민수") == "gim-min-su"
    assert slugify("Jürgen Schmidhuber") == "jurgen-schmidhuber"
    assert author_id_for_slug("hangbo-bao") == "author:hangbo-bao"
    pid = paper_id_for_title(THE_X)
    assert pid.startswith("paper:") and len(pid) == len("paper:") + 12
    assert paper_id_for_title("  " + THE_X.upper().replace(" ", "  ")) == pid


async def test_loads_sixteen_papers_and_fifteen_authors(store: GraphStore) -> None:
    summary = await load_pages(store, default_seed_paths())
    assert summary == ImportSummary(
        pages=tuple(p.name for p in default_seed_paths()),
        authors_created=15,
        authors_existing=0,
        papers_created=16,
        papers_existing=0,
        topics_created=12,
        topics_existing=0,
        authorships=29,
        paper_topics=22,
    )
    assert await store.author_count() == 15
    assert await counts(store) == (15, 16, 12)
    authors = (await store.list_authors(AuthorFilterSpec(), 100, None)).items
    assert {a.slug for a in authors} == {
        "binxing-jiao",
        "zhibin-xiao",
        "hangbo-bao",
        "qingru-zhang",
        "chenhe-dong",
        "yuexiang-xie",
        "bolin-ding",
        "ying-shen",
        "yaliang-li",
        "minghui-qiu",
        "guangrun-wang",
        "hang-xu",
        "jiefeng-peng",
        "xiaozhe-ren",
        "xiaodan-liang",
    }
    assert all(a.id == f"author:{a.slug}" for a in authors)


async def test_the_x_is_one_paper_with_both_authors(store: GraphStore) -> None:
    await load_pages(store, default_seed_paths())
    assert sorted(await author_names(store, THE_X)) == ["Binxing Jiao", "Hangbo Bao"]
    found = await store.find_papers_by_title([THE_X.lower()])
    assert next(iter(found.values())).id == paper_id_for_title(THE_X)
    works = await all_papers_of_authors(store, ["author:hangbo-bao", "author:binxing-jiao"])
    assert len(works["author:hangbo-bao"]) == 7
    assert len(works["author:binxing-jiao"]) == 3


async def test_anthology_author_order(store: GraphStore) -> None:
    await load_pages(store, default_seed_paths())
    assert await author_names(store, SOFT_PROMPTS) == [
        "Chenhe Dong",
        "Yuexiang Xie",
        "Bolin Ding",
        "Ying Shen",
        "Yaliang Li",
    ]
    assert await author_names(store, HRKD) == [
        "Chenhe Dong",
        "Yaliang Li",
        "Ying Shen",
        "Minghui Qiu",
    ]
    assert await author_names(store, EFFICIENTBERT) == [
        "Chenhe Dong",
        "Guangrun Wang",
        "Hang Xu",
        "Jiefeng Peng",
        "Xiaozhe Ren",
        "Xiaodan Liang",
    ]


async def test_years_venues_kinds_and_code_urls(store: GraphStore) -> None:
    await load_pages(store, default_seed_paths())
    hrkd = await paper(store, HRKD)
    assert (hrkd.kind, hrkd.year, hrkd.venue) == (
        PaperKind.CONFERENCE,
        2021,
        "Proceedings of the 2021 Conference on Empirical Methods in Natural Language Processing",
    )
    effbert = await paper(store, EFFICIENTBERT)
    assert (effbert.kind, effbert.year, effbert.venue) == (
        PaperKind.CONFERENCE,
        2021,
        "Findings of the Association for Computational Linguistics: EMNLP 2021",
    )
    prompts = await paper(store, SOFT_PROMPTS)
    assert (prompts.kind, prompts.year) == (PaperKind.CONFERENCE, 2023)
    for title, year in [(MINILM, 2020), (UNILMV2, 2020), (THE_X, 2022)]:
        p = await paper(store, title)
        assert (p.kind, p.year, p.venue) == (PaperKind.PREPRINT, year, "arXiv")
    preprints = await store.list_papers(PaperFilterSpec(kind=PaperKind.PREPRINT), 100, None)
    assert preprints.total == 13
    for title in EXPECTED_TOPICS:
        p = await paper(store, title)
        assert p.code_url == EXPECTED_CODE_URLS.get(title), title
        if p.code_url:
            assert p.abstract is not None
            assert p.code_url.removeprefix("https://") in p.abstract


async def test_imported_figures_only_for_profile_owners(store: GraphStore) -> None:
    await load_pages(store, default_seed_paths())
    authors = {a.slug: a for a in (await store.list_authors(AuthorFilterSpec(), 100, None)).items}
    assert authors["binxing-jiao"].imported == ImportedFigures(
        works=3,
        followers=0,
        topics=5,
        collaborators=4,
        trust_score=15,
        trust_tier="UNVERIFIED",
        verification="L1",
        source="000_ca2259648ed9fa42.txt",
    )
    expected = {
        "zhibin-xiao": (2, 0, 4, 4, 13, "UNVERIFIED", "001_00c73cd6fd89d392.txt"),
        "hangbo-bao": (7, 0, 4, 4, 21, "EMERGING", "002_8218f0f88b6f59d2.txt"),
        "qingru-zhang": (2, 0, 2, 4, 13, "UNVERIFIED", "003_c159ea6f8934b032.txt"),
    }
    for slug, (works, followers, topics, collab, score, tier, source) in expected.items():
        f = authors[slug].imported
        assert f is not None
        assert (f.works, f.followers, f.topics, f.collaborators) == (
            works,
            followers,
            topics,
            collab,
        )
        assert (f.trust_score, f.trust_tier, f.verification, f.source) == (
            score,
            tier,
            "L1",
            source,
        )
    with_figures = {slug for slug, a in authors.items() if a.imported is not None}
    assert with_figures == {"binxing-jiao", "zhibin-xiao", "hangbo-bao", "qingru-zhang"}


async def test_printed_coauthor_counts_are_reproduced(store: GraphStore) -> None:
    await load_pages(store, default_seed_paths())
    page = parse_file(default_seed_paths()[4])
    coauthors = (await store.coauthors_of_authors(["author:chenhe-dong"], EVERYTHING))[
        "author:chenhe-dong"
    ]
    shared = {name_key(c.author.name): len(c.shared_paper_ids) for c in coauthors}
    assert len(shared) == 10
    for printed in page.coauthors:
        assert shared[name_key(printed.name)] == printed.shared_papers, printed.name
    assert [c.author.name for c in coauthors[:2]] == ["Yaliang Li", "Ying Shen"]


async def test_topics_are_tagged(store: GraphStore) -> None:
    await load_pages(store, default_seed_paths())
    ids = {paper_id_for_title(t): t for t in EXPECTED_TOPICS}
    tagged = await store.topics_of_papers(list(ids))
    assert {ids[pid]: {t.slug for t in ts} for pid, ts in tagged.items()} == EXPECTED_TOPICS
    topics = {t.slug: t for t in (await store.list_topics(100, None)).items}
    assert topics["knowledge-distillation"].id == "topic:knowledge-distillation"
    assert topics["knowledge-distillation"].name == "Knowledge distillation"


async def test_importing_twice_changes_nothing(store: GraphStore) -> None:
    first = await load_pages(store, default_seed_paths())
    before = await snapshot(store)
    second = await load_pages(store, default_seed_paths())
    assert await snapshot(store) == before
    assert second.nothing_created
    assert (second.authors_existing, second.papers_existing, second.topics_existing) == (
        first.authors_created,
        first.papers_created,
        first.topics_created,
    )
    # Page by page, in any order, still one of each.
    await load_pages(store, list(reversed(default_seed_paths())))
    for path in default_seed_paths():
        assert (await load_pages(store, [path])).nothing_created
    assert await snapshot(store) == before


async def test_pages_loaded_one_at_a_time_merge(store: GraphStore) -> None:
    for path in default_seed_paths():
        await load_pages(store, [path])
    assert await counts(store) == (15, 16, 12)
    assert sorted(await author_names(store, THE_X)) == ["Binxing Jiao", "Hangbo Bao"]
    hangbo = (await store.get_authors_by_slug(["hangbo-bao"]))["hangbo-bao"]
    assert hangbo.imported is not None and hangbo.imported.trust_score == 21


def _broken_copy(tmp_path: Path) -> Path:
    source = default_seed_paths()[2]
    lines = source.read_text(encoding="utf-8").split("\n")
    assert lines[84] == "preprint2020arXiv"
    del lines[86:89]  # MiniLM's title and abstract
    broken = tmp_path / "002_broken.txt"
    broken.write_text("\n".join(lines), encoding="utf-8")
    return broken


async def test_malformed_page_writes_nothing(store: GraphStore, tmp_path: Path) -> None:
    broken = _broken_copy(tmp_path)
    with pytest.raises(SeedParseError) as err:
        await load_pages(store, [*default_seed_paths()[:2], broken])
    assert (err.value.source, err.value.line) == ("002_broken.txt", 88)
    assert str(err.value).startswith('002_broken.txt:88: expected a title after "preprint2020')
    assert await counts(store) == (0, 0, 0)

    await load_pages(store, default_seed_paths())
    before = await snapshot(store)
    with pytest.raises(SeedParseError, match=r"^002_broken\.txt:88:"):
        await load_pages(store, [broken])
    assert await snapshot(store) == before


async def test_slug_clash_gets_a_suffix(store: GraphStore) -> None:
    other = AuthorRecord(id="author:hangbo-bao", slug="hangbo-bao", name="Hangbo Bao-Li")
    await store.import_batch(ImportBatch(authors=(other,)))
    summary = await load_pages(store, default_seed_paths())
    assert summary.authors_created == 15
    assert await store.author_count() == 16
    clash = (await store.find_authors_by_name(["hangbo bao"]))["hangbo bao"]
    assert (clash.id, clash.slug, clash.name) == (
        "author:hangbo-bao-2",
        "hangbo-bao-2",
        "Hangbo Bao",
    )
    assert sorted(await author_names(store, THE_X)) == ["Binxing Jiao", "Hangbo Bao"]
    untouched = (await store.get_authors(["author:hangbo-bao"]))["author:hangbo-bao"]
    assert untouched == other
    # Re-import finds the author by name: no "-3".
    assert (await load_pages(store, default_seed_paths())).nothing_created


async def test_slug_clash_within_one_import(store: GraphStore, tmp_path: Path) -> None:
    page = tmp_path / "x.txt"
    page.write_text(
        "Hang Xu\n2020\nPaper One\nHang Xu\n|\nHang-Xu\nProceedings of Something\nAbstract.\n",
        encoding="utf-8",
    )
    await load_pages(store, [page])
    authors = (await store.list_authors(AuthorFilterSpec(), 100, None)).items
    assert {(a.name, a.slug) for a in authors} == {("Hang Xu", "hang-xu"), ("Hang-Xu", "hang-xu-2")}


async def test_existing_records_are_reused(store: GraphStore) -> None:
    me = AuthorRecord(id="author:hb", slug="hb", name="HANGBO BAO")
    the_x = PaperRecord(
        id="paper:the-x",
        title=THE_X.lower(),
        kind=PaperKind.CONFERENCE,
        venue="Findings of the Association for Computational Linguistics: ACL 2022",
    )
    await store.import_batch(ImportBatch(authors=(me,), papers=(the_x,)))
    summary = await load_pages(store, default_seed_paths())
    assert (summary.authors_created, summary.authors_existing) == (14, 1)
    assert (summary.papers_created, summary.papers_existing) == (15, 1)
    assert await counts(store) == (15, 16, 12)
    stored = (await store.get_papers(["paper:the-x"]))["paper:the-x"]
    # Stored values win; missing ones are filled in.
    assert (stored.title, stored.kind, stored.venue) == (the_x.title, the_x.kind, the_x.venue)
    assert stored.year == 2022 and stored.abstract
    authors = (await store.authors_of_papers(["paper:the-x"]))["paper:the-x"]
    assert sorted(a.id for a in authors) == ["author:binxing-jiao", "author:hb"]
    hb = (await store.get_authors(["author:hb"]))["author:hb"]
    assert hb.name == "HANGBO BAO"
    assert hb.imported is not None and hb.imported.trust_score == 21


async def test_paper_with_corrected_title_is_not_duplicated(store: GraphStore) -> None:
    # A moderator corrected MiniLM's title after an earlier import: its id
    # still comes from the imported title, so a re-import finds it by id.
    pid = paper_id_for_title(MINILM)
    await load_pages(store, default_seed_paths())
    now = utcnow()
    moderator = UserRecord(
        id="user:mod",
        email="mod@example.org",
        display_name="Mod",
        password_hash="x",
        role=Role.MODERATOR,
        created_at=now,
    )
    await store.create_user(moderator)
    correction = CorrectionRecord(
        id="corr:1",
        target_id=pid,
        field="title",
        proposed_value="MiniLM (corrected title)",
        reason="typo",
        status=CorrectionStatus.OPEN,
        created_by=moderator.id,
        created_at=now,
    )
    await store.create_correction(correction)
    await store.decide_correction(
        "corr:1",
        CorrectionStatus.APPLIED,
        moderator.id,
        None,
        now,
        ("title", "MiniLM (corrected title)"),
    )
    summary = await load_pages(store, default_seed_paths())
    assert summary.nothing_created
    assert (await store.get_papers([pid]))[pid].title == "MiniLM (corrected title)"
    assert await counts(store) == (15, 16, 12)


def test_packaged_pages_are_found_from_anywhere(tmp_path: Path) -> None:
    paths = default_seed_paths()
    assert len(paths) == 5 and all(p.is_absolute() and p.is_file() for p in paths)
    # load_pages takes any paths: copies outside the package load the same.
    copies = []
    for p in paths:
        copies.append(tmp_path / p.name)
        shutil.copy(p, copies[-1])
    assert [parse_file(c).owner for c in copies] == [parse_file(p).owner for p in paths]
    assert expand_paths([tmp_path]) == copies  # a directory stands for its pages


async def test_a_directory_loads_its_pages(store: GraphStore) -> None:
    summary = await load_pages(store, [default_seed_paths()[0].parent])
    assert summary.pages == tuple(p.name for p in default_seed_paths())
    assert await counts(store) == (15, 16, 12)


# --- an edited page: the import rules and provenance of every import ------------

PAGE0 = default_seed_paths()[0]
PRUNING = "Task-Specific Expert Pruning for Sparse Mixture-of-Experts"
JIAO = "author:binxing-jiao"


def _edited_pages(tmp_path: Path, edits: dict[int, str]) -> list[Path]:
    """The seed pages, the first a copy (same file name) with these lines
    (numbered from 1) replaced."""
    lines = PAGE0.read_text(encoding="utf-8").split("\n")
    assert (lines[2], lines[54], lines[56]) == ("Binxing Jiao", "preprint2022arXiv", PRUNING)
    for n, text in edits.items():
        lines[n - 1] = text
    copy = tmp_path / PAGE0.name
    copy.write_text("\n".join(lines), encoding="utf-8")
    return [copy, *default_seed_paths()[1:]]


def _rows(revisions: list[RevisionRecord]) -> list[tuple[object, ...]]:
    return [(r.value, r.kind, r.locator, r.overridden) for r in revisions]


async def _history(store: GraphStore, entity_id: str, field: str) -> list[RevisionRecord]:
    return (await store.revisions_of([entity_id], field, 100))[entity_id]


async def _apply_correction(store: GraphStore, target: str, field: str, value: str | int) -> None:
    now = utcnow()
    await store.create_user(
        UserRecord("user:mod", "mod@example.org", "Mod", "x", Role.MODERATOR, now)
    )
    await store.create_correction(
        CorrectionRecord(
            "corr:1", target, field, str(value), "typo", CorrectionStatus.OPEN, "user:mod", now
        )
    )
    await store.decide_correction(
        "corr:1", CorrectionStatus.APPLIED, "user:mod", None, now, (field, value)
    )


async def test_an_edited_page_revises_what_it_changed(store: GraphStore, tmp_path: Path) -> None:
    await load_pages(store, default_seed_paths())
    pid = (await paper(store, PRUNING)).id
    edited = _edited_pages(tmp_path, {3: "BINXING JIAO", 55: "preprint2023arXiv"})
    await load_pages(store, edited)
    assert (await paper(store, PRUNING)).year == 2023
    assert (await store.get_authors([JIAO]))[JIAO].name == "BINXING JIAO"
    # The new value from the page and line, above the value it replaced.
    here = f"{PAGE0.name}:57"
    assert _rows(await _history(store, pid, "year")) == [
        ("2023", SourceKind.SEED_PAGE, here, False),
        ("2022", SourceKind.SEED_PAGE, here, False),
    ]
    assert _rows(await _history(store, JIAO, "name")) == [
        ("BINXING JIAO", SourceKind.SEED_PAGE, f"{PAGE0.name}:3", False),
        ("Binxing Jiao", SourceKind.SEED_PAGE, f"{PAGE0.name}:3", False),
    ]
    for field in ("title", "venue", "abstract", "code_url"):
        assert await _history(store, pid, field) == []
    # The same pages again, or any one alone: nothing changes, no revision.
    before = await snapshot(store)
    years = await _history(store, pid, "year")
    await load_pages(store, edited)
    for path in edited:
        await load_pages(store, [path])
    assert await snapshot(store) == before
    assert await _history(store, pid, "year") == years
    assert await store.overridden_revisions(10, None) == Page((), 0, False, False)


async def test_a_page_changes_no_record_another_source_made(
    store: GraphStore, tmp_path: Path
) -> None:
    # The paper exists from another source: the edited page only fills in.
    pruning = PaperRecord("paper:elsewhere", PRUNING, PaperKind.JOURNAL, 2021)
    origin = SourceRecord(pruning.id, SourceKind.OPENALEX, "https://openalex.org/W9")
    await store.import_batch(ImportBatch(papers=(pruning,), sources=(origin,)))
    await load_pages(store, _edited_pages(tmp_path, {55: "preprint2023arXiv"}))
    stored = (await store.get_papers([pruning.id]))[pruning.id]
    assert (stored.kind, stored.year, stored.venue) == (PaperKind.JOURNAL, 2021, "arXiv")
    assert await _history(store, pruning.id, "year") == []


async def test_an_edited_page_does_not_undo_a_correction(store: GraphStore, tmp_path: Path) -> None:
    await load_pages(store, default_seed_paths())
    pid = (await paper(store, PRUNING)).id
    await _apply_correction(store, pid, "year", 2021)
    await load_pages(store, _edited_pages(tmp_path, {55: "preprint2023arXiv"}))
    assert (await paper(store, PRUNING)).year == 2021
    years = await _history(store, pid, "year")
    # The page's value is recorded as overridden, for the moderators.
    assert _rows(years) == [
        ("2023", SourceKind.SEED_PAGE, f"{PAGE0.name}:57", True),
        ("2021", SourceKind.CORRECTION, "corr:1", False),
        ("2022", SourceKind.SEED_PAGE, f"{PAGE0.name}:57", False),
    ]
    assert (await store.overridden_revisions(10, None)).items == (years[0],)
    # Again: nothing more.
    await load_pages(store, _edited_pages(tmp_path, {55: "preprint2023arXiv"}))
    assert await _history(store, pid, "year") == years


async def test_an_author_renamed_by_a_correction_is_found_and_kept(
    store: GraphStore, tmp_path: Path
) -> None:
    await load_pages(store, default_seed_paths())
    await _apply_correction(store, JIAO, "name", "Binxing J. Jiao")
    before = await snapshot(store)
    # The pages still print the old name: the same author, nothing changes.
    summary = await load_pages(store, default_seed_paths())
    assert summary.nothing_created and await snapshot(store) == before
    # An edited spelling is recorded, overridden by the correction.
    await load_pages(store, _edited_pages(tmp_path, {3: "BINXING JIAO"}))
    assert (await store.get_authors([JIAO]))[JIAO].name == "Binxing J. Jiao"
    assert _rows(await _history(store, JIAO, "name")) == [
        ("BINXING JIAO", SourceKind.SEED_PAGE, f"{PAGE0.name}:3", True),
        ("Binxing J. Jiao", SourceKind.CORRECTION, "corr:1", False),
        ("Binxing Jiao", SourceKind.SEED_PAGE, f"{PAGE0.name}:3", False),
    ]
    assert await store.author_count() == 15
