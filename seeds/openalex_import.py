"""Import OpenAlex works (JSON Lines, plain or gzipped) into the graph.

Each work becomes a paper, its authorships authors (with their first
institution as affiliation) and AUTHORED edges, and the topic vocabulary's
tagger gives its topics, as for the seed pages; an OpenAlex topic whose name
is a vocabulary topic's name counts too. External ids are kept for
provenance and for re-imports: in our ids (``author:openalex-a123``,
``paper:openalex-w456``, ``inst:openalex-i789``) and as the paper's DOI and
the author's ORCID. So a second run of the same file changes nothing, and an
author or paper someone claimed or corrected keeps that (the import merge
rules of ``graph_store.shared_rules``).

Streaming and speed: lines are parsed and tagged in blocks by worker
processes (JSON and the tagger's regular expressions are the importer's CPU
cost) while the store writes the previous chunk through its bulk path
(``GraphStore.bulk_import``: LadybugDB ``COPY`` for new rows, batched
``UNWIND`` on Neo4j); at most about two chunks are in memory, whatever the
input size. A record that cannot be read is reported with its file and line
and skipped; the rest goes on.

Provenance: every paper and author of a chunk carries its source
(``OPENALEX``, the record's URL such as ``https://openalex.org/W123`` or
``…/A45``, the work's ``updated_date`` as snapshot date, and the run's start
as retrieved-at); the store records it for the records it creates and on the
revisions of values a newer snapshot changes (graph_store.shared_rules).

Not yet: an OpenAlex author and a seed-page author of the same person stay
two records.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import multiprocessing
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ImportBatch,
    InstitutionRecord,
    PaperKind,
    PaperRecord,
    SourceKind,
    SourceRecord,
    utcnow,
)
from graph_store.shared_rules import openalex_locator
from graph_store.store import GraphStore
from seeds.loader import free_slugs, slugify
from seeds.tagger import Tagger, default_tagger

OPENALEX = "https://openalex.org/"
CHUNK = 20_000  # works per bulk_import
BLOCK = 1_000  # lines per parsing task

_KINDS = {
    "preprint": PaperKind.PREPRINT,
    "posted-content": PaperKind.PREPRINT,
    "proceedings-article": PaperKind.CONFERENCE,
    "proceedings": PaperKind.CONFERENCE,
}


class BadWork(ValueError):
    """A work that cannot be imported, with the reason."""


@dataclass(frozen=True, slots=True)
class _Author:
    id: str
    name: str
    institution: InstitutionRecord | None
    orcid: str | None = None


@dataclass(frozen=True, slots=True)
class _Work:
    paper: PaperRecord
    authors: tuple[_Author, ...]
    topic_names: tuple[str, ...]  # as OpenAlex names them, casefolded
    topic_slugs: tuple[str, ...] = ()  # vocabulary topics, once tagged
    snapshot_date: str | None = None  # the work's updated_date (ISO date)


@dataclass(frozen=True, slots=True)
class Progress:
    works: int
    bytes_read: int
    bytes_total: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.works / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if self.bytes_read <= 0 or self.seconds <= 0:
            return None
        return self.seconds * (self.bytes_total - self.bytes_read) / self.bytes_read


@dataclass
class ImportReport:
    works: int = 0
    authorships: int = 0
    bad: list[str] = field(default_factory=list)  # "file:line: reason"


def _key(openalex_id: Any, what: str) -> str:
    if not isinstance(openalex_id, str) or not openalex_id.strip():
        raise BadWork(f"{what} has no id")
    short = openalex_id.removeprefix(OPENALEX).strip().lower()
    if not short.replace("-", "").isalnum():
        raise BadWork(f"{what} id {openalex_id!r} is not an OpenAlex id")
    return f"openalex-{short}"


def abstract_text(index: Any) -> str | None:
    """The abstract from OpenAlex's inverted index (word → positions)."""
    if not isinstance(index, dict) or not index:
        return None
    words: dict[int, str] = {}
    for word, positions in index.items():
        for p in positions if isinstance(positions, list) else ():
            if isinstance(p, int):
                words[p] = str(word)
    return " ".join(words[p] for p in sorted(words)) or None


_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def external_id(value: Any, prefix: str, form: re.Pattern[str]) -> str | None:
    """The bare id of an OpenAlex URL-form external id (``https://orcid.org/0000-…``
    → ``0000-…``); None when absent or not of that form (kept out, not guessed)."""
    if not isinstance(value, str):
        return None
    bare = value.strip().removeprefix(prefix)
    return bare if form.match(bare) else None


def parse_work(obj: Any) -> _Work:
    """The records of one OpenAlex work; BadWork says why it cannot be used."""
    if not isinstance(obj, dict):
        raise BadWork("a work is a JSON object")
    title = obj.get("title") or obj.get("display_name")
    if not isinstance(title, str) or not title.strip():
        raise BadWork("the work has no title")
    year = obj.get("publication_year")
    source = (obj.get("primary_location") or {}).get("source") or {}
    venue = source.get("display_name") if isinstance(source, dict) else None
    paper = PaperRecord(
        id=f"paper:{_key(obj.get('id'), 'the work')}",
        title=" ".join(title.split()),
        kind=_KINDS.get(str(obj.get("type")), PaperKind.JOURNAL),
        # bool is an int to Python; a year must fit the store's INT64 and the calendar.
        year=year if type(year) is int and 0 < year < 10_000 else None,
        venue=venue if isinstance(venue, str) and venue.strip() else None,
        abstract=abstract_text(obj.get("abstract_inverted_index")),
        doi=external_id(obj.get("doi"), "https://doi.org/", _DOI),
    )
    authors: list[_Author] = []
    for ship in obj.get("authorships") or []:
        author = (ship or {}).get("author") or {}
        name = author.get("display_name")
        if not isinstance(name, str) or not name.strip():
            raise BadWork("an authorship has no author name")
        institution = None
        for inst in (ship or {}).get("institutions") or []:
            if isinstance(inst, dict) and inst.get("display_name"):
                institution = InstitutionRecord(
                    id=f"inst:{_key(inst.get('id'), 'an institution')}",
                    name=str(inst["display_name"]),
                )
                break
        authors.append(
            _Author(
                f"author:{_key(author.get('id'), 'an author')}",
                name.strip(),
                institution,
                external_id(author.get("orcid"), "https://orcid.org/", _ORCID),
            )
        )
    topic_names = tuple(
        str(t["display_name"]).casefold()
        for t in obj.get("topics") or obj.get("concepts") or []
        if isinstance(t, dict) and t.get("display_name")
    )
    updated = obj.get("updated_date")
    snapshot = updated[:10] if isinstance(updated, str) and _DATE.match(updated) else None
    return _Work(paper, tuple(authors), topic_names, snapshot_date=snapshot)


@dataclass(frozen=True, slots=True)
class _Block:
    """Consecutive lines of one file, parsed together by one worker."""

    path: str
    first_line: int
    lines: tuple[bytes, ...]
    position: int  # raw (compressed) bytes of the file read once the block is done


@dataclass(frozen=True, slots=True)
class _Parsed:
    works: tuple[_Work, ...]
    bad: tuple[str, ...]
    position: int


def _blocks(path: Path, size: int = BLOCK) -> Iterator[_Block]:
    with path.open("rb") as raw, gzip.open(raw) if path.suffix == ".gz" else raw as f:
        lines: list[bytes] = []
        first = 1
        for number, line in enumerate(f, start=1):
            lines.append(line)
            if len(lines) >= size:
                yield _Block(str(path), first, tuple(lines), raw.tell())
                lines, first = [], number + 1
        if lines:
            yield _Block(str(path), first, tuple(lines), raw.tell())


def _parse_block(block: _Block) -> _Parsed:
    """Parse and tag the works of one block (runs in a worker process)."""
    tagger = default_tagger()
    works: list[_Work] = []
    bad: list[str] = []
    for number, line in enumerate(block.lines, start=block.first_line):
        if not line.strip():
            continue
        try:
            work = parse_work(json.loads(line))
            _check_text(work)
            works.append(_tagged(work, tagger))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            bad.append(f"{block.path}:{number}: not JSON: {e}")
        except BadWork as e:
            bad.append(f"{block.path}:{number}: {e}")
        except Exception as e:  # a record of an unexpected shape: reported, not fatal
            bad.append(f"{block.path}:{number}: unreadable record: {type(e).__name__}: {e}")
    return _Parsed(tuple(works), tuple(bad), block.position)


def _check_text(work: _Work) -> None:
    """BadWork when a text cannot be stored: JSON can carry a lone surrogate
    (``"\\ud83d"``), which is no UTF-8."""
    p = work.paper
    texts = [p.title, p.venue, p.abstract, p.doi]
    for a in work.authors:
        texts += [a.name, a.orcid, a.institution.name if a.institution else None]
    try:
        for text in texts:
            if text is not None:
                text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise BadWork(f"a text is not valid Unicode: {e.reason}") from e


def _tagged(work: _Work, tagger: Tagger) -> _Work:
    """The work with its vocabulary topics: the tagger's, and OpenAlex topics
    named like a vocabulary topic."""
    by_name = _topics_by_name(tagger)
    slugs = dict.fromkeys(t.slug for t in tagger.tag(work.paper.title, work.paper.abstract))
    slugs.update((by_name[n], None) for n in work.topic_names if n in by_name)
    return replace(work, topic_slugs=tuple(slugs))


@functools.cache
def _topics_by_name(tagger: Tagger) -> dict[str, str]:
    return {t.name.casefold(): t.slug for t in tagger.topics}


def _source(entity_id: str, work: _Work, retrieved_at: datetime) -> SourceRecord:
    locator = openalex_locator(entity_id) or entity_id
    return SourceRecord(entity_id, SourceKind.OPENALEX, locator, work.snapshot_date, retrieved_at)


async def _import_chunk(
    store: GraphStore,
    works: Sequence[_Work],
    tagger: Tagger,
    taken_below: dict[str, int],
    retrieved_at: datetime,
) -> int:
    by_slug = {t.slug: t.record() for t in tagger.topics}
    authors: dict[str, _Author] = {}
    sources: list[SourceRecord] = []  # first per id wins: an author's first work
    for w in works:
        sources.append(_source(w.paper.id, w, retrieved_at))
        for a in w.authors:
            if a.id not in authors:
                authors[a.id] = a
                sources.append(_source(a.id, w, retrieved_at))
    # A stored author keeps its slug whatever a row says (shared_rules), so
    # only new authors need a free one.
    existing = await store.existing_author_ids(list(authors))
    slugs = await free_slugs(
        store, {a.id: a.name for a in authors.values() if a.id not in existing}, taken_below
    )
    author_records = [
        AuthorRecord(
            id=a.id,
            slug=slugs.get(a.id) or slugify(a.name),
            name=a.name,
            affiliation_id=a.institution.id if a.institution else None,
            orcid=a.orcid,
        )
        for a in authors.values()
    ]
    institutions = {a.institution.id: a.institution for a in authors.values() if a.institution}
    topics = {slug: by_slug[slug] for w in works for slug in w.topic_slugs}
    paper_topics = [(w.paper.id, by_slug[slug].id) for w in works for slug in w.topic_slugs]
    authorships = [
        AuthorshipRow(a.id, w.paper.id, position)
        for w in works
        for position, a in enumerate(w.authors, start=1)
    ]
    await store.bulk_import(
        ImportBatch(
            authors=tuple(author_records),
            papers=tuple(w.paper for w in works),
            topics=tuple(topics.values()),
            institutions=tuple(institutions.values()),
            authorships=tuple(authorships),
            paper_topics=tuple(paper_topics),
            sources=tuple(sources),
        )
    )
    return len(authorships)


class _Parser:
    """Parses blocks in worker processes (JSON and the tagger are the
    importer's CPU cost), or in this process when ``workers`` is 0."""

    def __init__(self, workers: int) -> None:
        self._pool = (
            ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            if workers > 0
            else None
        )

    def submit(self, block: _Block) -> asyncio.Future[_Parsed]:
        if self._pool is None:
            done: asyncio.Future[_Parsed] = asyncio.get_running_loop().create_future()
            done.set_result(_parse_block(block))
            return done
        return asyncio.get_running_loop().run_in_executor(self._pool, _parse_block, block)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def default_workers() -> int:
    return min(4, os.cpu_count() or 1)


async def import_openalex(
    store: GraphStore,
    paths: Iterable[Path],
    *,
    chunk: int = CHUNK,
    workers: int | None = None,
    progress: Callable[[Progress], None] | None = None,
    retrieved_at: datetime | None = None,
) -> ImportReport:
    """Import the works of ``paths``, ``chunk`` works per ``bulk_import``.

    Blocks of lines are parsed by ``workers`` processes (default: one per
    core, at most 4) while the store writes the previous chunk; at most about
    two chunks of works are in memory at once, whatever the input size.
    ``retrieved_at`` (default: now) is recorded as when the works were imported.
    """
    retrieved = retrieved_at or utcnow()
    files = list(paths)
    total = sum(p.stat().st_size for p in files)
    report = ImportReport()
    tagger = default_tagger()
    started = time.monotonic()
    pending: list[_Work] = []
    taken_below: dict[str, int] = {}  # free_slugs' memo, carried across chunks
    parser = _Parser(default_workers() if workers is None else workers)
    window = max(2, chunk // BLOCK + 2)  # blocks parsed ahead of the writes
    inflight: deque[asyncio.Future[_Parsed]] = deque()
    done_bytes = 0  # of the files already read

    async def flush(bytes_read: int) -> None:
        report.authorships += await _import_chunk(store, pending, tagger, taken_below, retrieved)
        report.works += len(pending)
        pending.clear()
        if progress is not None:
            progress(Progress(report.works, bytes_read, total, time.monotonic() - started))

    async def take(offset: int) -> None:
        parsed = await inflight.popleft()
        report.bad += parsed.bad
        pending.extend(parsed.works)
        if len(pending) >= chunk:
            await flush(offset + parsed.position)

    try:
        for path in files:
            for block in _blocks(path):
                inflight.append(parser.submit(block))
                if len(inflight) >= window:
                    await take(done_bytes)
            while inflight:
                await take(done_bytes)
            done_bytes += path.stat().st_size
        if pending:
            await flush(done_bytes)
        await store.finish_bulk_import()
    finally:
        parser.close()
    return report
