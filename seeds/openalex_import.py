"""Import OpenAlex works (JSON Lines, plain or gzipped) into the graph.

Each work becomes a paper, its authorships authors (with their first
institution as affiliation) and AUTHORED edges, and the topic vocabulary's
tagger gives its topics, as for the seed pages; an OpenAlex topic whose name
is a vocabulary topic's name counts too. External ids are kept in our ids for
provenance and for re-imports: ``author:openalex-a123``,
``paper:openalex-w456``, ``inst:openalex-i789``. So a second run of the same
file changes nothing, and an author or paper someone claimed or corrected
keeps that (the import merge rules of ``graph_store.shared_rules``).

Streaming: works are read line by line and imported in chunks, one
``import_batch`` transaction each, so memory does not grow with the file. A
record that cannot be read is reported with its file and line and skipped;
the rest goes on.

Not yet: the engines' bulk paths (COPY, large UNWIND batches); a newer
snapshot does not overwrite fields a paper already has (the seed import's
rule); an OpenAlex author and a seed-page author of the same person stay two
records; DOIs and ORCIDs are read but not stored.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ImportBatch,
    InstitutionRecord,
    PaperKind,
    PaperRecord,
    TopicRecord,
)
from graph_store.store import GraphStore
from seeds.loader import free_slugs
from seeds.tagger import Tagger, default_tagger

OPENALEX = "https://openalex.org/"
CHUNK = 2_000  # works per transaction

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


@dataclass(frozen=True, slots=True)
class _Work:
    paper: PaperRecord
    authors: tuple[_Author, ...]
    topic_names: tuple[str, ...]


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
        year=year if isinstance(year, int) else None,
        venue=venue if isinstance(venue, str) and venue.strip() else None,
        abstract=abstract_text(obj.get("abstract_inverted_index")),
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
            _Author(f"author:{_key(author.get('id'), 'an author')}", name.strip(), institution)
        )
    topic_names = tuple(
        str(t["display_name"]).casefold()
        for t in obj.get("topics") or obj.get("concepts") or []
        if isinstance(t, dict) and t.get("display_name")
    )
    return _Work(paper, tuple(authors), topic_names)


def read_works(path: Path, report: ImportReport) -> Iterator[tuple[_Work, int]]:
    """(work, raw file position) for each readable work of ``path``; bad ones go
    to ``report``."""
    with path.open("rb") as raw, gzip.open(raw) if path.suffix == ".gz" else raw as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                work = parse_work(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                report.bad.append(f"{path}:{number}: not JSON: {e}")
                continue
            except BadWork as e:
                report.bad.append(f"{path}:{number}: {e}")
                continue
            yield work, raw.tell()


async def _import_chunk(store: GraphStore, works: list[_Work], tagger: Tagger) -> int:
    by_name = {t.name.casefold(): t for t in tagger.topics}
    authors: dict[str, _Author] = {}
    for w in works:
        for a in w.authors:
            authors.setdefault(a.id, a)
    existing = await store.get_authors(list(authors))
    slugs = await free_slugs(
        store, {a.id: a.name for a in authors.values() if a.id not in existing}
    )
    author_records = [
        AuthorRecord(
            id=a.id,
            slug=existing[a.id].slug if a.id in existing else slugs[a.id],
            name=a.name,
            affiliation_id=a.institution.id if a.institution else None,
        )
        for a in authors.values()
    ]
    institutions = {a.institution.id: a.institution for a in authors.values() if a.institution}
    topics: dict[str, TopicRecord] = {}
    paper_topics: list[tuple[str, str]] = []
    authorships: list[AuthorshipRow] = []
    for w in works:
        tagged = {t.slug: t for t in tagger.tag(w.paper.title, w.paper.abstract)}
        tagged.update((by_name[n].slug, by_name[n]) for n in w.topic_names if n in by_name)
        for topic in tagged.values():
            topics.setdefault(topic.slug, topic.record())
            paper_topics.append((w.paper.id, topic.id))
        authorships += [
            AuthorshipRow(a.id, w.paper.id, position)
            for position, a in enumerate(w.authors, start=1)
        ]
    await store.import_batch(
        ImportBatch(
            authors=tuple(author_records),
            papers=tuple(w.paper for w in works),
            topics=tuple(topics.values()),
            institutions=tuple(institutions.values()),
            authorships=tuple(authorships),
            paper_topics=tuple(paper_topics),
        )
    )
    return len(authorships)


async def import_openalex(
    store: GraphStore,
    paths: Iterable[Path],
    *,
    chunk: int = CHUNK,
    progress: Callable[[Progress], None] | None = None,
) -> ImportReport:
    """Import the works of ``paths`` in chunks of ``chunk`` works per transaction."""
    files = list(paths)
    total = sum(p.stat().st_size for p in files)
    report = ImportReport()
    tagger = default_tagger()
    started = time.monotonic()
    done_bytes = 0  # of the files already read
    pending: list[_Work] = []

    async def flush(bytes_read: int) -> None:
        report.authorships += await _import_chunk(store, pending, tagger)
        report.works += len(pending)
        pending.clear()
        if progress is not None:
            progress(Progress(report.works, bytes_read, total, time.monotonic() - started))

    for path in files:
        for work, position in read_works(path, report):
            pending.append(work)
            if len(pending) >= chunk:
                await flush(done_bytes + position)
        done_bytes += path.stat().st_size
    if pending:
        await flush(done_bytes)
    return report
