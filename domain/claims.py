"""Claim rules that need no store: input checks and the rule → field map.

The racy rules (one pending-or-verified claim per author, one verified author
per user, at most a few pending claims per user, only from PENDING) are
enforced inside the store's transaction (graph_store/decisions.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.problems import FieldPath, Problem, clean_text, text_problem
from domain.visibility import can_see_claim as can_see_claim  # re-exported; it lives there
from graph_store.errors import Rule

# Enough for a bare ORCID iD (19 characters), a homepage or an institutional
# e-mail, not for "x" or "me": a moderator needs something to check.
EVIDENCE_MIN = 10
EVIDENCE_MAX = 2000
NOTE_MAX = 2000

CLAIM_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.NOT_FOUND: ("input", "authorId"),
    Rule.AUTHOR_ALREADY_CLAIMED: ("input", "authorId"),
    Rule.USER_ALREADY_VERIFIED: ("input", "authorId"),
    Rule.PENDING_CLAIMS_LIMIT: None,  # the account's other claims, not this input
}
WITHDRAW_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.NOT_FOUND: ("claimId",),
    Rule.NOT_CLAIMANT: ("claimId",),
    Rule.CLAIM_NOT_PENDING: ("claimId",),
}
REVIEW_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.NOT_FOUND: ("input", "claimId"),
    Rule.CLAIM_NOT_PENDING: ("input", "claimId"),
    Rule.USER_ALREADY_VERIFIED: ("input", "approve"),
}


def evidence_problem(evidence: str) -> Problem | None:
    return text_problem(
        evidence, ("input", "evidence"), "Evidence", EVIDENCE_MAX, min_len=EVIDENCE_MIN
    )


def note_problem(note: str | None) -> Problem | None:
    if note is None:
        return None
    return text_problem(note, ("input", "note"), "The note", NOTE_MAX, min_len=0)


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    return clean_text(note) or None
