"""What a new password must be: NIST SP 800-63B's rules for memorized
secrets, and nothing more (no composition rules, no expiry).

A password is taken in Unicode NFC (the same characters typed on two
systems are one password) and counted in code points after it: at least
``PASSWORD_MIN``, at most ``PASSWORD_MAX`` (which bounds the hashing work one
request can ask for). It is refused when it is a common password (the list
in ``domain/data``, compared ignoring case), one character repeated, or when
it contains the account's e-mail local part or display name. Spaces count
like any other character and are kept.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from importlib import resources

from domain.problems import Code, FieldPath, Problem

PASSWORD_MIN = 10
PASSWORD_MAX = 1024
# Shorter names and local parts ("li", "jo") are part of too many good passwords.
PERSONAL_MIN = 3


def normalize_password(password: str) -> str:
    """The form a password is hashed and verified in."""
    return unicodedata.normalize("NFC", password)


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list shipped in ``domain/data`` (lower-cased)."""
    data = resources.files("domain").joinpath("data/common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


def password_problem(
    password: str, field: FieldPath, *, email: str, display_name: str
) -> Problem | None:
    """Why ``password`` cannot be a new password for the account with this
    e-mail and display name; None when it can."""
    password = normalize_password(password)
    n = len(password)
    if n < PASSWORD_MIN:
        return Problem(
            Code.INVALID_INPUT,
            f"The password must be at least {PASSWORD_MIN} characters (got {n}).",
            field,
        )
    if n > PASSWORD_MAX:
        return Problem(
            Code.INVALID_INPUT, f"The password must be at most {PASSWORD_MAX} characters.", field
        )
    folded = password.casefold()
    if len(set(folded)) == 1:
        return Problem(
            Code.INVALID_INPUT, "The password must not be one character repeated.", field
        )
    if folded in common_passwords():
        return Problem(
            Code.INVALID_INPUT,
            "This password is too common: it is on a list of passwords attackers try first.",
            field,
        )
    local_part = email.strip().rpartition("@")[0]
    for personal in (local_part, display_name.strip()):
        personal = unicodedata.normalize("NFC", personal).casefold()
        if len(personal) >= PERSONAL_MIN and personal in folded:
            return Problem(
                Code.INVALID_INPUT,
                "The password must not contain your e-mail name or display name.",
                field,
            )
    return None
