"""Rules both backends apply in Python, so the two stores answer alike:
how a re-import merges into existing records, how search ranks hits, and
when a create is the replay of one already stored.

Re-import rules: an author keeps name, slug, claim status and ORCID (a
missing one is filled in); a paper keeps what it has and fills in what it
lacks, DOI included (nothing once a correction was applied to it); a topic or
institution keeps its name (first import wins: both stores write them only
when creating them)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from graph_store.errors import StoreError
from graph_store.records import AuthorRecord, NodeKind, PaperRecord, kind_of

_WORD = re.compile(r"\w+")

# Tie-break between equal scores: authors, then topics, then papers.
_KIND_RANK = {NodeKind.AUTHOR: 0, NodeKind.TOPIC: 1, NodeKind.PAPER: 2}


def merge_author(old: AuthorRecord | None, new: AuthorRecord) -> AuthorRecord:
    """An existing author keeps name, slug and claim status (a correction or a
    claim outlives a re-import); imported figures and affiliation fill in; an
    ORCID is kept once known, and filled in when missing."""
    if old is None:
        return new
    return AuthorRecord(
        id=old.id,
        slug=old.slug,
        name=old.name,
        claim_status=old.claim_status,
        affiliation_id=old.affiliation_id or new.affiliation_id,
        imported=new.imported or old.imported,
        orcid=old.orcid or new.orcid,
    )


def merge_paper(
    old: PaperRecord | None, new: PaperRecord, *, corrected: bool = False
) -> PaperRecord:
    """An existing paper keeps what it has; fields it lacks are filled in,
    unless a correction was applied to it: a moderator may have cleared a
    field on purpose, and the page would bring the old value back."""
    if old is None:
        return new
    if corrected:
        return old
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


def search_score(words: Sequence[str], primary: str, secondary: str) -> float:
    """Tiers: exact full name/title (4) > name/title hits (1..2.75) >
    abstract-only hits (< 0.5); 0 = no match."""
    n = len(words)
    if n == 0:
        return 0.0
    if _WORD.findall(primary) == list(words):
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
