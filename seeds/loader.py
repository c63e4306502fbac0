"""Import parsed seed pages into the graph store.

``load_pages`` parses every page first; a page that cannot be parsed raises
``SeedParseError`` (file name and line) before anything is written. All
pages are then written as one ``ImportBatch``: one transaction, so an import
is all or nothing.

Identity rules (what makes a re-import change nothing):
- An author is the same person as an existing author with the same name
  (case-insensitive, whitespace-normalised); otherwise a new author with id
  ``author:<slug>``, the slug being the lower-case hyphenated name, suffixed
  ``-2``, ``-3``... when another author already holds it. An author a
  correction renamed is still found by the name a page gave it: the author
  holding the id that name's slug gives, with that name in its history.
- A paper is the same work as an existing paper with the same title
  (case-insensitive, whitespace-normalised), or as the paper already holding
  the id the title hashes to (its title was corrected since it was imported);
  otherwise a new paper ``paper:<sha1(normalised casefolded title)[:12]>``.
- A page updates the records it is the source of: an existing record whose
  recorded origin is this page (the same file; lines may move) takes the
  page's name, title, kind, year, venue, abstract and code link through the
  import rules every import follows (graph_store/shared_rules.py: a
  correction or a claim keeps its value, a value the page lacks clears
  none, and each changed tracked field records a revision). A record another
  source made (another page, OpenAlex, no recorded origin) keeps its stored
  values and the page only fills the fields it lacks, so pages loaded one
  at a time, in any order, change nothing. Names and titles identify
  records, so an edit beyond case and spacing makes a new one. Imported
  figures are replaced by those of the owner's profile page, and so is the
  profile header (role, affiliation note, open to collaborate), except that
  a claimed author keeps its openToCollaborate. An author no profile page
  describes is not open to collaborate.

Provenance: every author and paper of the batch carries its source
(``SEED_PAGE``, locator ``<page file>:<line>``: an author's name line on its
own profile or anthology page, else the first line naming them as an author;
a paper's title line on the page its kind, year and venue were taken from;
an author's name is as printed there). The pages print no date, so there is
no snapshot date.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from anyascii import anyascii

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ImportBatch,
    ImportedFigures,
    NodeKind,
    PaperKind,
    PaperRecord,
    SourceKind,
    SourceRecord,
    TopicRecord,
    utcnow,
)
from graph_store.shared_rules import legacy_origin
from graph_store.store import GraphStore
from seeds.parser import (
    ParsedPage,
    ParsedPaper,
    ProfileHeader,
    SeedParseError,
    name_key,
    normalize_space,
    parse_file,
    title_key,
)
from seeds.tagger import Tagger, default_tagger

__all__ = [
    "ImportSummary",
    "PlannedImport",
    "SeedParseError",
    "author_id_for_slug",
    "build_import",
    "default_seed_paths",
    "expand_paths",
    "load_pages",
    "paper_id_for_title",
    "parse_pages",
    "slugify",
]

PAGES_DIR = Path(__file__).with_name("pages")
_SLUG_SPARE = 4  # suffixes asked beyond one per new name, in a slug's first round
_NAME_HISTORY = 100  # revisions of a name read to find a renamed author (few exist)
K = TypeVar("K", bound=Hashable)


def default_seed_paths() -> list[Path]:
    """The packaged seed pages (``seeds/pages/*.txt``), in file-name order."""
    return sorted(PAGES_DIR.glob("*.txt"))


# --- ids and slugs -------------------------------------------------------------


# Scripts whose every character is a syllable of its own: transliterated one
# by one and kept apart, so '张伟' is "zhang-wei", not "zhangwei".
_SYLLABIC = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HANGUL SYLLABLE")


def _transliterate(name: str) -> str:
    out = []
    for c in unicodedata.normalize("NFC", name):
        if c.isascii():
            out.append(c)
        elif unicodedata.name(c, "").startswith(_SYLLABIC):
            out.append(f" {anyascii(c)} ")
        else:
            out.append(anyascii(c))
    return "".join(out)


def slugify(name: str) -> str:
    """Lower-case hyphenated ASCII name: "Hangbo Bao" → "hangbo-bao",
    "Łukasz Kaiser" → "lukasz-kaiser", "张伟" → "zhang-wei" (anyascii)."""
    slug = re.sub(r"[^a-z0-9]+", "-", _transliterate(name).lower()).strip("-")
    return slug or "author"


def author_id_for_slug(slug: str) -> str:
    return f"{NodeKind.AUTHOR.value}:{slug}"


def paper_id_for_title(title: str) -> str:
    digest = hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()
    return f"{NodeKind.PAPER.value}:{digest[:12]}"


# --- summary -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did: records created vs. already present in the store."""

    pages: tuple[str, ...]
    authors_created: int
    authors_existing: int
    papers_created: int
    papers_existing: int
    topics_created: int
    topics_existing: int
    authorships: int  # author-paper links written (merged when present)
    paper_topics: int  # paper-topic links written (merged when present)

    @property
    def authors(self) -> int:
        return self.authors_created + self.authors_existing

    @property
    def papers(self) -> int:
        return self.papers_created + self.papers_existing

    @property
    def topics(self) -> int:
        return self.topics_created + self.topics_existing

    @property
    def created(self) -> int:
        return self.authors_created + self.papers_created + self.topics_created

    @property
    def nothing_created(self) -> bool:
        return self.created == 0

    def describe(self) -> str:
        return (
            f"{len(self.pages)} page(s): "
            f"{self.authors} authors ({self.authors_created} new, "
            f"{self.authors_existing} already present), "
            f"{self.papers} papers ({self.papers_created} new, "
            f"{self.papers_existing} already present), "
            f"{self.topics} topics ({self.topics_created} new, "
            f"{self.topics_existing} already present)"
        )


# --- merging the pages -----------------------------------------------------------


@dataclass(slots=True)
class _AuthorDraft:
    name: str
    locator: str  # page file and line
    figures: ImportedFigures | None = None
    header: ProfileHeader | None = None

    def with_header(self, record: AuthorRecord) -> AuthorRecord:
        """The record with this draft's profile header, if a page printed one."""
        h = self.header
        if h is None:
            return record
        return replace(
            record,
            role=h.role,
            affiliation_note=h.affiliation_note,
            open_to_collaborate=h.open_to_collaborate,
        )


@dataclass(slots=True)
class _PaperDraft:
    occurrences: list[ParsedPaper] = field(default_factory=list)

    def primary(self) -> ParsedPaper:
        """The first occurrence that says where it was published (not a preprint)."""
        return next(
            (p for p in self.occurrences if p.kind is not PaperKind.PREPRINT),
            self.occurrences[0],
        )

    def merged(self) -> ParsedPaper:
        """One record from every page listing the work: the primary occurrence
        decides kind, year and venue; missing abstract and code link are filled
        from the others."""
        primary = self.primary()
        abstract = primary.abstract or next(
            (p.abstract for p in self.occurrences if p.abstract), None
        )
        code_url = primary.code_url or next(
            (p.code_url for p in self.occurrences if p.code_url), None
        )
        return replace(primary, abstract=abstract, code_url=code_url)

    def positions(self) -> dict[str, int]:
        """name_key → position. The first page giving an author order decides it;
        authors known only from other pages are at 0 (unknown)."""
        ordered = next(
            (p for p in self.occurrences if any(a.position > 0 for a in p.authors)), None
        )
        result: dict[str, int] = {}
        if ordered is not None:
            for a in ordered.authors:
                result[name_key(a.name)] = a.position
        for p in self.occurrences:
            for a in p.authors:
                result.setdefault(name_key(a.name), 0)
        return result


def _figures(page: ParsedPage) -> ImportedFigures | None:
    if page.figures is None:
        return None
    f = page.figures
    return ImportedFigures(
        works=f.works,
        followers=f.followers,
        topics=f.topics,
        collaborators=f.collaborators,
        trust_score=f.trust_score,
        trust_tier=f.trust_tier,
        verification=f.verification,
        source=page.source,
    )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a directory stands for its ``*.txt`` pages in name order."""
    result: list[Path] = []
    for p in map(Path, paths):
        result.extend(sorted(p.glob("*.txt")) if p.is_dir() else [p])
    return result


def parse_pages(paths: Iterable[Path]) -> list[ParsedPage]:
    """Parse every page (a directory: its ``*.txt`` files); the first failure
    raises ``SeedParseError``."""
    return [parse_file(p) for p in expand_paths(paths)]


async def free_slugs(
    store: GraphStore, names: Mapping[K, str], taken_below: dict[str, int] | None = None
) -> dict[K, str]:
    """key → a free slug for each author about to be created (named ``names[key]``):
    the name's slug, else the lowest free ``-2``, ``-3``…; keys of one name in
    ``names`` order.

    Names are grouped by slug; each round asks the store about one window of
    suffixes per slug still short of free ones, twice as wide as the last. So
    a common name whose first hundred suffixes are taken costs a few rounds,
    not one round per ten suffixes (a large import meets many such names).

    ``taken_below`` (slug → n: every suffix under n is taken) is read and
    updated, so an import of many chunks starts each name where the last
    chunk stopped. Sound because a slug is never given up (authors are not
    deleted and keep their slugs).
    """
    memo = {} if taken_below is None else taken_below
    waiting: dict[str, deque[K]] = {}  # slug → keys still without one, in order
    for key, name in names.items():
        waiting.setdefault(slugify(name), deque()).append(key)
    found: dict[K, str] = {}
    used: set[str] = set()  # "a-b-2" is both a suffix of "a-b" and a name's own slug
    start = {base: memo.get(base, 1) for base in waiting}
    width = {base: len(keys) + _SLUG_SPARE for base, keys in waiting.items()}
    while waiting:
        asked = {
            base: [
                (n, base if n == 1 else f"{base}-{n}")
                for n in range(start[base], start[base] + width[base])
            ]
            for base in waiting
        }
        taken = await store.existing_slugs([s for pairs in asked.values() for _, s in pairs])
        for base, candidates in asked.items():
            free = ((n, s) for n, s in candidates if s not in taken and s not in used)
            keys = waiting[base]
            while keys and (pair := next(free, None)) is not None:
                n, slug = pair
                found[keys.popleft()] = slug
                used.add(slug)
                memo[base] = n + 1  # every candidate before it was taken
            if keys:
                start[base] += width[base]
                width[base] *= 2
                memo[base] = start[base]
        waiting = {base: keys for base, keys in waiting.items() if keys}
    return {key: found[key] for key in names}


async def _renamed_authors(store: GraphStore, names: Mapping[str, str]) -> dict[str, AuthorRecord]:
    """name_key → the author a page named so before a correction renamed it:
    the author holding the id the name's slug gives, whose name history has
    this name from a seed page (a correction records the value it replaces)."""
    ids = {key: author_id_for_slug(slugify(name)) for key, name in names.items()}
    found = await store.get_authors(list(ids.values()))
    if not found:
        return {}
    histories = await store.revisions_of(list(found), "name", _NAME_HISTORY)
    out = {}
    for key, author_id in ids.items():
        if author_id in found and any(
            r.kind is SourceKind.SEED_PAGE and r.value is not None and name_key(r.value) == key
            for r in histories.get(author_id, ())
        ):
            out[key] = found[author_id]
    return out


def _page_of(locator: str) -> str:
    """``000_x.txt:63`` → ``000_x.txt`` (a legacy origin names the page alone)."""
    return locator.rpartition(":")[0] or locator


async def _sourced_here(
    store: GraphStore, found: Sequence[tuple[AuthorRecord | PaperRecord, str]]
) -> set[str]:
    """Ids of the existing records (with the locator this import gives each)
    whose recorded origin is the same page: the records that page updates."""
    if not found:
        return set()
    origins = await store.sources_of([r.id for r, _ in found])
    out = set()
    for record, locator in found:
        origin = origins.get(record.id) or legacy_origin(record)
        if origin.kind is SourceKind.SEED_PAGE and _page_of(origin.locator) == _page_of(locator):
            out.add(record.id)
    return out


@dataclass(frozen=True, slots=True)
class PlannedImport:
    batch: ImportBatch
    summary: ImportSummary


async def build_import(
    store: GraphStore,
    pages: Sequence[ParsedPage],
    tagger: Tagger | None = None,
    retrieved_at: datetime | None = None,
) -> PlannedImport:
    """The batch that imports these pages into this store (reads only);
    ``retrieved_at`` (default: now) is recorded as when they were imported."""
    tagger = tagger or default_tagger()
    retrieved_at = retrieved_at or utcnow()

    authors: dict[str, _AuthorDraft] = {}  # name_key → draft, in first-seen order
    papers: dict[str, _PaperDraft] = {}  # title_key → draft, in first-seen order
    owners = {name_key(page.owner): page for page in reversed(pages)}  # first page wins
    for page in pages:
        own_page = owners[name_key(page.owner)]
        owner = authors.setdefault(
            name_key(page.owner),
            _AuthorDraft(own_page.owner, f"{own_page.source}:{own_page.owner_line}"),
        )
        figures = _figures(page)
        if figures is not None:
            owner.figures = figures
        if page.header is not None:
            owner.header = page.header
        for paper in page.papers:
            papers.setdefault(paper.title_key, _PaperDraft()).occurrences.append(paper)
            for a in paper.authors:
                key = name_key(a.name)
                located = owners.get(key)
                draft = (
                    _AuthorDraft(located.owner, f"{located.source}:{located.owner_line}")
                    if located is not None
                    else _AuthorDraft(a.name, f"{paper.source}:{a.line}")
                )
                authors.setdefault(key, draft)

    # Authors: reuse by name, else a new slug.
    found_authors = await store.find_authors_by_name([d.name for d in authors.values()])
    existing_by_key = {name_key(k): v for k, v in found_authors.items()}
    existing_by_key |= await _renamed_authors(
        store, {k: d.name for k, d in authors.items() if k not in existing_by_key}
    )
    new_names = [d.name for k, d in authors.items() if k not in existing_by_key]
    slugs = await free_slugs(store, {name: name for name in new_names})
    # Papers found by title, or by the id the title hashes to.
    merged = {key: draft.merged() for key, draft in papers.items()}
    found_papers = await store.find_papers_by_title([p.title for p in merged.values()])
    by_title = {title_key(k): v for k, v in found_papers.items()}
    hashed_ids = {key: paper_id_for_title(p.title) for key, p in merged.items()}
    by_id = await store.get_papers([hashed_ids[k] for k in merged if k not in by_title])
    existing_papers = {
        key: found
        for key in merged
        if (found := by_title.get(key) or by_id.get(hashed_ids[key])) is not None
    }
    ours = await _sourced_here(
        store,
        [(existing_by_key[k], d.locator) for k, d in authors.items() if k in existing_by_key]
        + [(p, f"{papers[k].primary().source}:{papers[k].primary().line}")
           for k, p in existing_papers.items()],
    )  # fmt: skip

    # Authors: reuse by name, else a new slug.
    author_records: dict[str, AuthorRecord] = {}  # name_key → record
    authors_created = 0
    for key, draft in authors.items():
        existing = existing_by_key.get(key)
        if existing is not None:
            name = normalize_space(draft.name) if existing.id in ours else existing.name
            author_records[key] = draft.with_header(
                replace(existing, name=name, imported=draft.figures or existing.imported)
            )
        else:
            slug = slugs[draft.name]
            author_records[key] = draft.with_header(
                AuthorRecord(
                    id=author_id_for_slug(slug),
                    slug=slug,
                    name=normalize_space(draft.name),
                    imported=draft.figures,
                )
            )
            authors_created += 1

    # Papers: reuse what was found; else new.
    paper_records: dict[str, PaperRecord] = {}  # title_key → record
    papers_created = 0
    for key, parsed in merged.items():
        existing_paper = existing_papers.get(key)
        if existing_paper is not None and existing_paper.id in ours:
            # The page's values; the import rules decide what they change.
            paper_records[key] = replace(
                existing_paper,
                title=parsed.title,
                kind=parsed.kind,
                year=parsed.year,
                venue=parsed.venue,
                abstract=parsed.abstract,
                code_url=parsed.code_url,
            )
        elif existing_paper is not None:
            paper_records[key] = replace(
                existing_paper,
                year=existing_paper.year if existing_paper.year is not None else parsed.year,
                venue=existing_paper.venue or parsed.venue,
                abstract=existing_paper.abstract or parsed.abstract,
                code_url=existing_paper.code_url or parsed.code_url,
            )
        else:
            paper_records[key] = PaperRecord(
                id=hashed_ids[key],
                title=parsed.title,
                kind=parsed.kind,
                year=parsed.year,
                venue=parsed.venue,
                abstract=parsed.abstract,
                code_url=parsed.code_url,
            )
            papers_created += 1

    # Topics from the vocabulary, by title and abstract.
    topic_records: dict[str, TopicRecord] = {}
    paper_topics: list[tuple[str, str]] = []
    for record in paper_records.values():
        for topic in tagger.tag(record.title, record.abstract):
            topic_records.setdefault(topic.slug, topic.record())
            paper_topics.append((record.id, topic.id))
    existing_topics = await store.get_topics_by_slug(list(topic_records))

    authorships: list[AuthorshipRow] = []
    for key, paper_draft in papers.items():
        paper_id = paper_records[key].id
        for author_key, position in paper_draft.positions().items():
            authorships.append(AuthorshipRow(author_records[author_key].id, paper_id, position))

    def source(entity_id: str, locator: str) -> SourceRecord:
        return SourceRecord(entity_id, SourceKind.SEED_PAGE, locator, retrieved_at=retrieved_at)

    sources = [source(author_records[k].id, d.locator) for k, d in authors.items()]
    for key, paper_draft in papers.items():
        primary = paper_draft.primary()
        sources.append(source(paper_records[key].id, f"{primary.source}:{primary.line}"))
    batch = ImportBatch(
        authors=tuple(author_records.values()),
        papers=tuple(paper_records.values()),
        topics=tuple(topic_records.values()),
        authorships=tuple(authorships),
        paper_topics=tuple(paper_topics),
        sources=tuple(sources),
    )
    summary = ImportSummary(
        pages=tuple(page.source for page in pages),
        authors_created=authors_created,
        authors_existing=len(author_records) - authors_created,
        papers_created=papers_created,
        papers_existing=len(paper_records) - papers_created,
        topics_created=sum(1 for s in topic_records if s not in existing_topics),
        topics_existing=sum(1 for s in topic_records if s in existing_topics),
        authorships=len(authorships),
        paper_topics=len(paper_topics),
    )
    return PlannedImport(batch=batch, summary=summary)


async def load_pages(
    store: GraphStore, paths: Sequence[Path], tagger: Tagger | None = None
) -> ImportSummary:
    """Parse all pages (a directory: its ``*.txt`` files), then write them in
    one transaction.

    Raises ``SeedParseError`` (nothing written) when a page cannot be parsed.
    """
    pages = parse_pages(paths)
    if not pages:
        return ImportSummary((), 0, 0, 0, 0, 0, 0, 0, 0)
    plan = await build_import(store, pages, tagger)
    await store.import_batch(plan.batch)
    return plan.summary
