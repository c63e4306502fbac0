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
them)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from graph_store.errors import StoreError
from graph_store.records import AuthorRecord, ClaimStatus, NodeKind, PaperRecord, kind_of

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
