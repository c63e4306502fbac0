"""Provenance and Revision: where each tracked field of an author or paper
came from and every value it held (domain/provenance.py)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info
from api.errors import BadRequest
from api.types.enums import SourceKind
from domain import provenance as rules
from graph_store.records import AuthorRecord, PaperRecord, RevisionRecord


@strawberry.type(description="Where a value of a field came from.")
class Provenance:
    source: SourceKind = strawberry.field(description="The kind of source.")
    locator: str = strawberry.field(
        description='Where in the source: a seed page file and line ("000_ca22.txt:3"), an '
        'OpenAlex record URL ("https://openalex.org/A5023888391"), or a correction id; '
        '"not recorded" for a record imported before provenance was kept.'
    )
    snapshot_date: str | None = strawberry.field(
        description="The source's own date (ISO 8601, YYYY-MM-DD) when it has one: an "
        "OpenAlex record's updated_date. Null for seed pages (they print none) and "
        "corrections."
    )
    retrieved_at: datetime | None = strawberry.field(
        description="When PeerGraph imported it (UTC); for a correction, when it was "
        "applied. Null when not recorded."
    )

    @classmethod
    def from_source(cls, s: rules.Source) -> Provenance:
        return cls(
            source=s.kind,
            locator=s.locator,
            snapshot_date=s.snapshot_date,
            retrieved_at=s.retrieved_at,
        )


@strawberry.type(description="One value a tracked field of an author or paper took.")
class Revision:
    record_id: strawberry.ID = strawberry.field(description="The author or paper revised.")
    field: str = strawberry.field(description="The field, as the API names it (codeUrl).")
    value: str | None = strawberry.field(
        description="The value as text (a year as its digits); null: the field was cleared."
    )
    at: datetime = strawberry.field(
        description="When the value was imported or the correction applied (UTC); "
        "1970-01-01 when an import time was not recorded."
    )
    source: SourceKind = strawberry.field(description="Where the value came from.")
    provenance: Provenance = strawberry.field(description="The source in full.")
    reason: str | None = strawberry.field(
        description="A correction's reason, as its suggester gave it; null for imports."
    )
    overridden: bool = strawberry.field(
        description="An import's value that was not applied because a moderator's "
        "correction holds the field: kept here and listed in Query.provenanceConflicts "
        "for the moderators, never written over the correction."
    )

    @classmethod
    def from_record(cls, r: RevisionRecord) -> Revision:
        return cls(
            record_id=strawberry.ID(r.entity_id),
            field=rules.api_field(r.entity_id, r.field),
            value=r.value,
            at=r.at,
            source=r.kind,
            provenance=Provenance.from_source(rules.source_of(r)),
            reason=r.reason,
            overridden=r.overridden,
        )


def field_argument() -> strawberry.types.arguments.StrawberryArgumentAnnotation:
    return strawberry.argument(
        description="A tracked field, as the API names it. Author: name. Paper: title, "
        "year, venue, abstract, codeUrl. Any other name is a BAD_USER_INPUT error listing "
        "them."
    )


async def field_history(
    info: Info, record: AuthorRecord | PaperRecord, field: str, first: int
) -> list[RevisionRecord]:
    """The newest ``first`` values of ``field`` (domain.provenance.history);
    one store call per GraphQL level for each of origins and revisions."""
    kind = rules.kind_of_record(record)
    prop = rules.record_field(kind, field)
    if prop is None:
        raise BadRequest(rules.unknown_field_message(kind, field))
    loaders = info.context.loaders
    revisions = await loaders.revisions(prop).load(record.id)
    origin = None if revisions else await loaders.source.load(record.id)
    return rules.history(record, prop, origin, revisions)[:first]


async def field_provenance(
    info: Info, record: AuthorRecord | PaperRecord, field: str
) -> list[Provenance]:
    entries = await field_history(info, record, field, rules.MAX_HISTORY)
    return [Provenance.from_source(s) for s in rules.provenance(entries)]
