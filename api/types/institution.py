"""Institution: where an author works."""

from __future__ import annotations

import strawberry

from api.types.node import Node
from graph_store.records import InstitutionRecord


@strawberry.type
class Institution(Node):
    id: strawberry.ID
    name: str

    @classmethod
    def from_record(cls, record: InstitutionRecord) -> Institution:
        return cls(id=strawberry.ID(record.id), name=record.name)
