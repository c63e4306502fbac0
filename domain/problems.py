"""Expected failures of a social write, as plain data (no GraphQL here).

A ``Problem`` is what the API turns into one ``userErrors`` entry: a code, a
message a person can act on, and the input field it concerns (a path such as
``("input", "message")``, or None when it concerns no single field).

``RULE_PROBLEMS`` is the one table from the store's ``Rule`` (a conditional
write found a rule broken, nothing written) to the code and message clients
see; each mutation says which field a rule concerns for its own arguments.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from graph_store.errors import Rule


class Code(enum.StrEnum):
    """Why a write did not happen: the API serves this enum as ``ErrorCode``."""

    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"


FieldPath = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    code: Code
    message: str
    field: FieldPath | None = None
    retry_after: int | None = None  # RATE_LIMITED: seconds until a retry can succeed


RULE_PROBLEMS: Mapping[Rule, tuple[Code, str]] = {
    Rule.NOT_FOUND: (Code.NOT_FOUND, "Nothing with this id exists."),
    Rule.EMAIL_TAKEN: (Code.CONFLICT, "An account with this e-mail already exists."),
    Rule.AUTHOR_ALREADY_CLAIMED: (
        Code.CONFLICT,
        "This author already has a pending or verified claim.",
    ),
    Rule.USER_ALREADY_VERIFIED: (
        Code.CONFLICT,
        "The claimant already holds a verified author record; a user holds at most one.",
    ),
    # A product rule (not a throttle): a slot frees when a pending claim is decided or withdrawn.
    Rule.PENDING_CLAIMS_LIMIT: (
        Code.CONFLICT,
        "You already have as many pending claims as an account may hold at once: withdraw one "
        "(withdrawClaim) or wait until a moderator has reviewed one, then claim again.",
    ),
    Rule.CLAIM_NOT_PENDING: (Code.CONFLICT, "This claim is no longer pending."),
    # Only the claimant may withdraw: anyone else is told the claim is not theirs to see.
    Rule.NOT_CLAIMANT: (Code.NOT_FOUND, "Nothing with this id exists."),
    Rule.SENDER_NOT_VERIFIED: (
        Code.FORBIDDEN,
        "Only a researcher with a verified claim can send invitations: claim your author "
        "record and have it verified first.",
    ),
    Rule.RECIPIENT_NOT_CLAIMED: (
        Code.INVALID_INPUT,
        "Invitations go to claimed authors only; this author has not been claimed yet.",
    ),
    Rule.RECIPIENT_NOT_OPEN: (
        Code.FORBIDDEN,
        "This researcher is not open to collaboration invitations (openToCollaborate is "
        "false); only they can change that.",
    ),
    Rule.NO_VERIFIED_AUTHOR: (
        Code.FORBIDDEN,
        "Only the verified claimant of an author record can change its settings: claim your "
        "author record and have it verified first.",
    ),
    Rule.SELF_INVITATION: (Code.INVALID_INPUT, "You cannot invite your own author record."),
    Rule.INVITATION_PENDING_EXISTS: (
        Code.CONFLICT,
        "You already have a pending invitation to this author.",
    ),
    Rule.RATE_LIMITED: (
        Code.RATE_LIMITED,
        "You have sent the most invitations allowed in 24 hours; try again later.",
    ),
    Rule.INVITATION_NOT_PENDING: (Code.CONFLICT, "This invitation is no longer pending."),
    # Someone who is not a party must not learn the invitation exists.
    Rule.NOT_A_PARTY: (Code.NOT_FOUND, "Nothing with this id exists."),
    Rule.CORRECTION_NOT_OPEN: (Code.CONFLICT, "This correction has already been reviewed."),
    Rule.PASSWORD_CHANGED: (
        Code.CONFLICT,
        "The password was changed by another request meanwhile; sign in again.",
    ),
    Rule.SELF_SUSPENSION: (Code.INVALID_INPUT, "You cannot suspend your own account."),
    Rule.TARGET_IS_MODERATOR: (
        Code.FORBIDDEN,
        "Moderators cannot suspend moderators; a moderator account is the operators' to manage.",
    ),
    Rule.ALREADY_SUSPENDED: (Code.CONFLICT, "This account is already suspended."),
}

NOT_FOUND_MESSAGE = RULE_PROBLEMS[Rule.NOT_FOUND][1]


def problem_for_rule(rule: Rule, fields: Mapping[Rule, FieldPath | None]) -> Problem:
    """The client-facing problem for a store rule, with the field ``fields``
    names for it in this mutation (None when it names none)."""
    code, message = RULE_PROBLEMS[rule]
    return Problem(code, message, fields.get(rule))


def not_found(field: FieldPath | None) -> Problem:
    return Problem(Code.NOT_FOUND, NOT_FOUND_MESSAGE, field)


def unauthenticated() -> Problem:
    return Problem(Code.UNAUTHENTICATED, "Sign in to do this.", None)


def forbidden(message: str, field: FieldPath | None = None) -> Problem:
    return Problem(Code.FORBIDDEN, message, field)


def wait_text(seconds: int) -> str:
    """A wait as a person reads it: 45 seconds, 15 minutes, 3 hours."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            n = -(-seconds // size)  # rounded up: never promise too early
            return f"{n} {unit}s"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def rate_limited(what: str, retry_after: int) -> Problem:
    """``what`` happened too often; the client may retry in ``retry_after`` s."""
    return Problem(
        Code.RATE_LIMITED,
        f"{what}; try again in {wait_text(retry_after)}.",
        None,
        retry_after,
    )


# Characters that reorder how text displays (a name could then read as another).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\t")


def clean_text(value: str) -> str:
    """Text as it is stored: NFC (one spelling per character), stripped."""
    return unicodedata.normalize("NFC", value).strip()


def _visible(c: str) -> bool:
    # Whitespace and format characters (U+200B and its kin) show nothing.
    return not c.isspace() and unicodedata.category(c) != "Cf"


def text_problem(
    value: str,
    field: FieldPath,
    label: str,
    max_len: int,
    min_len: int = 1,
    *,
    single_line: bool = False,
) -> Problem | None:
    """Length (characters, not bytes) and hygiene of user text, as stored
    (``clean_text``): no control characters (line breaks only where text may
    span lines), no text-direction overrides, something visible."""
    value = clean_text(value)
    n = len(value)
    allowed = frozenset() if single_line else _LINE_BREAKS
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        what = "line breaks or control characters" if single_line else "control characters"
        return Problem(Code.INVALID_INPUT, f"{label} must not contain {what}.", field)
    if any(c in _BIDI_CONTROLS for c in value):
        return Problem(
            Code.INVALID_INPUT, f"{label} must not contain text-direction controls.", field
        )
    if min_len > 0 and not any(map(_visible, value)):
        return Problem(Code.INVALID_INPUT, f"{label} must not be empty.", field)
    if n < min_len:
        return Problem(
            Code.INVALID_INPUT, f"{label} must be at least {min_len} characters (got {n}).", field
        )
    if n > max_len:
        return Problem(
            Code.INVALID_INPUT, f"{label} must be at most {max_len} characters (got {n}).", field
        )
    return None
