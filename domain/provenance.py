"""Provenance for reading: which fields of authors and papers keep their
history (by their API names), a field's history and the sources of its
values. Plain Python, no I/O; how revisions are written is the store's rule
(graph_store/shared_rules.py).

A field's history is its stored revisions, newest first; a field never
revised has one entry, the value its record's origin gave it. Its provenance
is the distinct sources of the values it has held (overridden import values
left out: the field never held them), the current one first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.corrections import CORRECTABLE
from graph_store.records import (
    AuthorRecord,
    NodeKind,
    PaperRecord,
    RevisionRecord,
    SourceKind,
    SourceRecord,
    kind_of,
)
from graph_store.shared_rules import UNRECORDED_TIME, baseline_revision

# API field name → record field, per kind: the correctable fields (one list:
# every value a correction can set is kept).
TRACKED: Mapping[NodeKind, Mapping[str, str]] = {
    kind: {name: rule.store_property for name, rule in fields.items()}
    for kind, fields in CORRECTABLE.items()
}

# The longest history read for one field: a field revised more often shows its
# newest revisions and provenance of those.
MAX_HISTORY = 100


def kind_of_record(record: AuthorRecord | PaperRecord) -> NodeKind:
    return NodeKind.AUTHOR if isinstance(record, AuthorRecord) else NodeKind.PAPER


def record_field(kind: NodeKind, field: str) -> str | None:
    """The record field behind API field ``field``; None when it is not tracked."""
    return TRACKED.get(kind, {}).get(field)


def unknown_field_message(kind: NodeKind, field: str) -> str:
    allowed = ", ".join(TRACKED.get(kind, {}))
    what = kind.name.lower()
    return f"{field!r} is not a tracked field of an {what}; tracked: {allowed}."


def api_field(entity_id: str, prop: str) -> str:
    """The API name of record field ``prop`` of a record (``code_url`` → ``codeUrl``)."""
    fields = TRACKED.get(kind_of(entity_id) or NodeKind.PAPER, {})
    return next((n for n, p in fields.items() if p == prop), prop)


def history(
    record: AuthorRecord | PaperRecord,
    prop: str,
    origin: SourceRecord | None,
    revisions: Sequence[RevisionRecord],
) -> list[RevisionRecord]:
    """Newest first; the origin's value when the field was never revised."""
    if revisions:
        return sorted(revisions, key=lambda r: r.sort_key, reverse=True)
    return [baseline_revision(record, prop, origin)]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value came from, as a client sees it."""

    kind: SourceKind
    locator: str
    snapshot_date: str | None
    retrieved_at: datetime | None  # a correction: when it was applied


def source_of(r: RevisionRecord) -> Source:
    """Where a revision's value came from (an import's retrieved-at is its time)."""
    return Source(r.kind, r.locator, r.snapshot_date, None if r.at == UNRECORDED_TIME else r.at)


def provenance(entries: Iterable[RevisionRecord]) -> list[Source]:
    """The distinct sources of the values a field held, in ``entries`` order
    (newest first), overridden import values left out."""
    out: dict[tuple[SourceKind, str], Source] = {}
    for r in entries:
        if not r.overridden:
            out.setdefault((r.kind, r.locator), source_of(r))
    return list(out.values())
