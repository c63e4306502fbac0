"""Rules both backends apply in Python, so the two stores answer alike:
how a re-import merges into existing records, how search ranks hits, and
when a create is the replay of one already stored.

Import rules, in two steps. Within one batch, records of one id combine
(``merge_*``): the first row's values win and later rows fill what it lacks.
Then the combined record refreshes the stored one (``refresh_*``): a newer
import (a newer snapshot, an edited page) updates what changed, but never
undoes a claim or a correction: a field a moderator corrected keeps its
corrected value, a claimed (or pending) author keeps its name, slug and
claim status never change, and a value the import lacks never clears one.
External ids (ORCID, DOI) and the affiliation are kept once known (the
affiliation is read from each work's first institution, so it would
otherwise flip between the works of one import). The profile header (role,
affiliation note, open to collaborate) takes a newer page's, but a claimed
or pending author keeps its openToCollaborate (its claimant decides it), and
an import that read no header (OpenAlex, a co-author list) changes none of
it; no import changes suggestible. A topic or institution
keeps its name (first import wins: both stores write them only when creating
them).

Provenance rules (``import_revisions``, ``correction_revisions``,
``baseline_revision``): an author or paper keeps where it came from (its
origin ``SourceRecord``, written by the import that creates it) and a
revision for every later value of a tracked field (``TRACKED``). The first
revision of a field also records the value it replaces (the baseline, from
the origin), so no value is ever lost; a field never revised has the one
value its origin gave it. An import adds a revision only when its value
differs from the last value an import gave the field (so re-importing the
same data adds none); when a correction holds the field, that revision is
flagged ``overridden`` and the corrected value stays (``refresh_*``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Final, Protocol, TypeVar

from graph_store.errors import StoreError
from graph_store.records import (
    AuthorRecord,
    ClaimStatus,
    CorrectionRecord,
    NodeKind,
    PaperRecord,
    RevisionRecord,
    SourceKind,
    SourceRecord,
    kind_of,
    to_micros,
    utcnow,
)

_WORD = re.compile(r"\w+")
T = TypeVar("T")

# Tie-break between equal scores: authors, then topics, then papers.
_KIND_RANK = {NodeKind.AUTHOR: 0, NodeKind.TOPIC: 1, NodeKind.PAPER: 2}


def merge_author(old: AuthorRecord | None, new: AuthorRecord) -> AuthorRecord:
    """Two rows of one author in one batch: the first keeps name, slug and
    claim status; imported figures, affiliation and ORCID fill in; the first
    row that read a profile header gives the header."""
    if old is None:
        return new
    header = old if has_header(old) or not has_header(new) else new
    return AuthorRecord(
        id=old.id,
        slug=old.slug,
        name=old.name,
        claim_status=old.claim_status,
        affiliation_id=old.affiliation_id or new.affiliation_id,
        imported=new.imported or old.imported,
        orcid=old.orcid or new.orcid,
        role=header.role,
        affiliation_note=header.affiliation_note,
        open_to_collaborate=header.open_to_collaborate,
        suggestible=old.suggestible,
    )


def has_header(row: AuthorRecord) -> bool:
    """Whether an import row read a profile header (a page prints the role
    first), so its open_to_collaborate is what the page said, not a default."""
    return row.role is not None


def merge_paper(old: PaperRecord | None, new: PaperRecord) -> PaperRecord:
    """Two rows of one paper in one batch: the first's values, the second's
    where the first has none."""
    if old is None:
        return new
    return PaperRecord(
        id=old.id,
        title=old.title,
        kind=old.kind,
        year=old.year if old.year is not None else new.year,
        venue=old.venue if old.venue is not None else new.venue,
        abstract=old.abstract if old.abstract is not None else new.abstract,
        code_url=old.code_url if old.code_url is not None else new.code_url,
        doi=old.doi if old.doi is not None else new.doi,
    )


def refresh_author(
    stored: AuthorRecord | None, imported: AuthorRecord, *, name_corrected: bool = False
) -> AuthorRecord:
    """The stored author updated by a newer import (module docstring)."""
    if stored is None:
        return imported
    claimed = stored.claim_status is not ClaimStatus.UNCLAIMED
    keep_name = name_corrected or claimed
    header = imported if has_header(imported) else stored
    return AuthorRecord(
        id=stored.id,
        slug=stored.slug,
        name=stored.name if keep_name else imported.name,
        claim_status=stored.claim_status,
        affiliation_id=stored.affiliation_id or imported.affiliation_id,
        imported=imported.imported or stored.imported,
        orcid=stored.orcid or imported.orcid,
        role=header.role,
        affiliation_note=header.affiliation_note,
        open_to_collaborate=stored.open_to_collaborate if claimed else header.open_to_collaborate,
        suggestible=stored.suggestible,
    )


def refresh_paper(
    stored: PaperRecord | None, imported: PaperRecord, *, corrected: Collection[str] = ()
) -> PaperRecord:
    """The stored paper updated by a newer import: each field takes the
    import's value, unless a correction was applied to that field or the
    import has none (module docstring). ``corrected``: the corrected fields."""
    if stored is None:
        return imported

    def pick(field: str, old: T, new: T | None) -> T:
        return old if field in corrected or new is None else new

    return PaperRecord(
        id=stored.id,
        title=pick("title", stored.title, imported.title),
        kind=pick("kind", stored.kind, imported.kind),
        year=pick("year", stored.year, imported.year),
        venue=pick("venue", stored.venue, imported.venue),
        abstract=pick("abstract", stored.abstract, imported.abstract),
        code_url=pick("code_url", stored.code_url, imported.code_url),
        doi=stored.doi or imported.doi,
    )


def authors_to_write(
    stored: Mapping[str, AuthorRecord],
    rows: Sequence[AuthorRecord],
    corrected: Mapping[str, Collection[str]],
) -> list[AuthorRecord]:
    """What an import writes of these author rows: combined per id, refreshing
    the stored record; only those that change (a re-import writes nothing).
    ``corrected``: id → fields a correction was applied to."""
    combined: dict[str, AuthorRecord] = {}
    for row in rows:
        combined[row.id] = merge_author(combined.get(row.id), row)
    out = []
    for i, row in combined.items():
        new = refresh_author(stored.get(i), row, name_corrected="name" in corrected.get(i, ()))
        if new != stored.get(i):
            out.append(new)
    return out


def papers_to_write(
    stored: Mapping[str, PaperRecord],
    rows: Sequence[PaperRecord],
    corrected: Mapping[str, Collection[str]],
) -> list[PaperRecord]:
    """As ``authors_to_write``, for papers."""
    combined: dict[str, PaperRecord] = {}
    for row in rows:
        combined[row.id] = merge_paper(combined.get(row.id), row)
    out = []
    for i, row in combined.items():
        new = refresh_paper(stored.get(i), row, corrected=corrected.get(i, ()))
        if new != stored.get(i):
            out.append(new)
    return out


def corrected_fields(rows: Iterable[Sequence[str]]) -> dict[str, set[str]]:
    """(target id, field) rows of applied corrections → id → record fields.

    A correction names the API's field (``codeUrl``), the camelCase form of
    the record field it sets (``code_url``)."""
    out: dict[str, set[str]] = {}
    for target, field in rows:
        out.setdefault(target, set()).add(_CAMEL_HUMP.sub("_", field).lower())
    return out


_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


# --- provenance --------------------------------------------------------------------

# The record fields whose every value is kept (revisions): the fields a
# correction can set (decisions.CORRECTABLE is this).
TRACKED: Final[Mapping[NodeKind, tuple[str, ...]]] = {
    NodeKind.AUTHOR: ("name",),
    NodeKind.PAPER: ("title", "year", "venue", "abstract", "code_url"),
}

OPENALEX_URL: Final = "https://openalex.org/"
# The locator of a record whose origin was not recorded (imported before
# provenance was kept, or by a caller that gave no source).
UNRECORDED: Final = "not recorded"
# The time of a baseline whose origin has no import time recorded.
UNRECORDED_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)

Target = AuthorRecord | PaperRecord


def tracked_fields(record: Target) -> tuple[str, ...]:
    return TRACKED[NodeKind.AUTHOR if isinstance(record, AuthorRecord) else NodeKind.PAPER]


def value_text(value: object) -> str | None:
    """A field's value as a revision stores it (a year as its digits)."""
    return None if value is None else str(value)


def openalex_locator(entity_id: str) -> str | None:
    """The OpenAlex record an id of ours was made from (``paper:openalex-w12``
    → ``https://openalex.org/W12``); None for other ids."""
    key = entity_id.partition(":")[2]
    if not key.startswith("openalex-"):
        return None
    return OPENALEX_URL + key.removeprefix("openalex-").upper()


def legacy_origin(record: Target) -> SourceRecord:
    """The origin of a record that has no SourceRecord: an OpenAlex id names
    its record; an author from a profile page names the page."""
    if (locator := openalex_locator(record.id)) is not None:
        return SourceRecord(record.id, SourceKind.OPENALEX, locator)
    page = record.imported.source if isinstance(record, AuthorRecord) and record.imported else None
    return SourceRecord(record.id, SourceKind.SEED_PAGE, page or UNRECORDED)


def _revision_id(entity_id: str, field: str, value: str | None, locator: str, at: datetime) -> str:
    """Deterministic, so a retried write merges onto the revision it made."""
    text = "\x1f".join((entity_id, field, value or "", locator, str(to_micros(at))))
    return "rev:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def baseline_revision(record: Target, field: str, origin: SourceRecord | None) -> RevisionRecord:
    """The value ``field`` has had since the record's origin imported it."""
    source = origin or legacy_origin(record)
    at = source.retrieved_at or UNRECORDED_TIME
    value = value_text(getattr(record, field))
    return RevisionRecord(
        id=_revision_id(record.id, field, value, source.locator, at),
        entity_id=record.id,
        field=field,
        value=value,
        at=at,
        kind=source.kind,
        locator=source.locator,
        snapshot_date=source.snapshot_date,
    )


def last_imported(revisions: Iterable[RevisionRecord]) -> str | None:
    """The value the newest import revision gave (applied or overridden)."""
    imports = [r for r in revisions if r.kind is not SourceKind.CORRECTION]
    return max(imports, key=lambda r: r.sort_key).value if imports else None


def _combined(rows: Sequence[Target]) -> dict[str, Target]:
    out: dict[str, Target] = {}
    for row in rows:
        old = out.get(row.id)
        if isinstance(row, AuthorRecord):
            out[row.id] = merge_author(old if isinstance(old, AuthorRecord) else None, row)
        else:
            out[row.id] = merge_paper(old if isinstance(old, PaperRecord) else None, row)
    return out


def revision_candidates(
    stored: Mapping[str, Target], rows: Sequence[Target]
) -> list[tuple[str, str]]:
    """(id, field) of the tracked fields whose imported value differs from the
    stored one: the only ones an import can revise, so the only revisions a
    store reads for ``import_revisions``."""
    out = []
    for row in _combined(rows).values():
        old = stored.get(row.id)
        if old is not None:
            out += [
                (row.id, f)
                for f in tracked_fields(row)
                if getattr(row, f) is not None and getattr(row, f) != getattr(old, f)
            ]
    return out


def import_revisions(
    stored: Mapping[str, Target],
    rows: Sequence[Target],
    corrected: Mapping[str, Collection[str]],
    revisions: Mapping[tuple[str, str], Sequence[RevisionRecord]],
    origins: Mapping[str, SourceRecord],
    sources: Mapping[str, SourceRecord],
) -> list[RevisionRecord]:
    """The revisions an import of ``rows`` adds to the stored records (module
    docstring). ``revisions``: the stored ones of ``revision_candidates``;
    ``origins``: the stored records' origins; ``sources``: the import's, by id
    (a row without one is not recorded)."""
    out: list[RevisionRecord] = []
    for row in _combined(rows).values():
        old, source = stored.get(row.id), sources.get(row.id)
        if old is None or source is None:
            continue
        fixed = corrected.get(row.id, ())
        if isinstance(row, AuthorRecord) and isinstance(old, AuthorRecord):
            new: Target = refresh_author(old, row, name_corrected="name" in fixed)
        elif isinstance(row, PaperRecord) and isinstance(old, PaperRecord):
            new = refresh_paper(old, row, corrected=fixed)
        else:
            continue
        at = source.retrieved_at or utcnow()
        for f in tracked_fields(row):
            value = value_text(getattr(row, f))
            if value is None or value == value_text(getattr(old, f)):
                continue  # no candidate: the stored value already is the import's
            past = revisions.get((row.id, f), ())
            last = last_imported(past) if past else value_text(getattr(old, f))
            if value == last:
                continue
            applied = value_text(getattr(new, f)) == value
            if not applied and f not in fixed:
                continue  # kept for a claim (refresh_author): no human correction to flag
            if not past:
                out.append(baseline_revision(old, f, origins.get(row.id)))
            out.append(
                RevisionRecord(
                    id=_revision_id(row.id, f, value, source.locator, at),
                    entity_id=row.id,
                    field=f,
                    value=value,
                    at=at,
                    kind=source.kind,
                    locator=source.locator,
                    snapshot_date=source.snapshot_date,
                    overridden=not applied,
                )
            )
    return out


def correction_revisions(
    correction: CorrectionRecord,
    target: Target,
    update: tuple[str, str | int | None],
    at: datetime,
    origin: SourceRecord | None,
    revised: bool,
) -> list[RevisionRecord]:
    """The revisions applying ``correction`` (``update`` on ``target``, as it
    was) adds: the corrected value, with the correction's id and reason (never
    who suggested or reviewed it), and first the replaced value when the
    field has no revision yet (``revised``)."""
    field, value = update
    out = [] if revised else [baseline_revision(target, field, origin)]
    out.append(
        RevisionRecord(
            id=f"rev:{correction.id}",
            entity_id=target.id,
            field=field,
            value=value_text(value),
            at=at,
            kind=SourceKind.CORRECTION,
            locator=correction.id,
            reason=correction.reason,
        )
    )
    return out


def first_sources(sources: Iterable[SourceRecord]) -> dict[str, SourceRecord]:
    """The first source given for each record id."""
    out: dict[str, SourceRecord] = {}
    for s in sources:
        out.setdefault(s.entity_id, s)
    return out


# Full-text candidates scored per search, for names/titles and for abstracts
# each (both backends narrow with a full-text index first).
SEARCH_CANDIDATES = 500

# Words of one search that count; the rest of a longer query is ignored (a
# query of hundreds of words would otherwise make Lucene refuse its clauses).
MAX_SEARCH_WORDS = 16


def search_words(query: str) -> list[str]:
    """The casefolded, de-duplicated words of a query, in order; at most
    ``MAX_SEARCH_WORDS``."""
    return list(dict.fromkeys(_WORD.findall(query.casefold())))[:MAX_SEARCH_WORDS]


def word_key(text: str) -> str:
    """The words of ``text`` joined by single spaces: an exact match is a
    name or title whose word key is the query's (punctuation aside)."""
    return " ".join(_WORD.findall(text))


def search_score(words: Sequence[str], primary: str, secondary: str) -> float:
    """Tiers: exact full name/title (4) > name/title hits (1..2.75) >
    abstract-only hits (< 0.5); 0 = no match."""
    n = len(words)
    if n == 0:
        return 0.0
    if word_key(primary) == " ".join(words):
        return 4.0
    primary_hits = sum(1 for w in words if w in primary)
    secondary_hits = sum(1 for w in words if w not in primary and w in secondary)
    if primary_hits:
        phrase_bonus = 0.5 if n > 1 and " ".join(words) in primary else 0.0
        return 1.0 + primary_hits / n + phrase_bonus + 0.25 * secondary_hits / n
    return 0.5 * secondary_hits / n


def search_order(score: float, node_id: str, primary: str) -> tuple[float, int, str, str]:
    """Best first; equal scores by kind (author, topic, paper), text, then id."""
    return (-score, _KIND_RANK.get(kind_of(node_id) or NodeKind.PAPER, 3), primary, node_id)


class _Created(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


C = TypeVar("C", bound=_Created)


def replayed_create(stored: C | None, new: C) -> C | None:
    """The stored record when ``new`` is a retry of the create that stored it.

    A client-side retry (after a commit whose acknowledgement was lost) runs
    the create again with the same generated id and time: it must answer the
    record it made, not fail on its own rules. The same id with another time
    is a genuine clash.
    """
    if stored is None:
        return None
    if _origin(stored) != _origin(new):
        raise StoreError(f"id {new.id} is already taken")
    return stored


# Fields a create sets and nothing later changes (those a record type lacks
# read as None): equal on both sides means the same request made both.
_ORIGIN_FIELDS = (
    "created_at",
    "email",
    "user_id",
    "author_id",
    "sender_id",
    "recipient_author_id",
    "target_id",
    "field",
    "proposed_value",
    "created_by",
)


def _origin(record: object) -> tuple[object, ...]:
    return tuple(getattr(record, f, None) for f in _ORIGIN_FIELDS)
