"""The profile header of an author as a seed page prints it ("Researcher ·
Affiliation not imported · Open to collaborate"): plain rules, no I/O."""

from __future__ import annotations

import enum

from graph_store.records import AuthorRecord


class AffiliationState(enum.StrEnum):
    IMPORTED = "IMPORTED"
    NOT_IMPORTED = "NOT_IMPORTED"
    UNKNOWN = "UNKNOWN"


def affiliation_state(author: AuthorRecord) -> AffiliationState:
    """IMPORTED once an institution is known (whatever a page said before);
    NOT_IMPORTED where the source page printed "Affiliation not imported";
    UNKNOWN where no source said anything."""
    if author.affiliation_id is not None:
        return AffiliationState.IMPORTED
    if author.affiliation_note is not None:
        return AffiliationState.NOT_IMPORTED
    return AffiliationState.UNKNOWN
