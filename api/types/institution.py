"""Institution: where an author works."""

from __future__ import annotations

import strawberry

from api.types.node import Node
from graph_store.records import InstitutionRecord


@strawberry.type(
    description="An institution (university, lab, company) an author is affiliated with, "
    "from the imported source."
)
class Institution(Node):
    id: strawberry.ID = strawberry.field(description="The institution's global id (inst:…).")
    name: str = strawberry.field(description="Its name as imported.")

    @classmethod
    def from_record(cls, record: InstitutionRecord) -> Institution:
        return cls(id=strawberry.ID(record.id), name=record.name)
