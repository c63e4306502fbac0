"""Account rules: what a valid sign-up is (a password as
``domain/passwords.py`` says), and how passwords are hashed (Argon2id:
RFC 9106's low-memory parameters on one lane, over the NFC form). No I/O except
``create_user_command``, which writes through the store it is given."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.passwords import normalize_password, password_problem
from domain.problems import Code, FieldPath, Problem, clean_text, text_problem
from graph_store.errors import Rule, RuleViolation
from graph_store.records import Role, UserRecord, utcnow
from graph_store.store import GraphStore

EMAIL_MAX = 254
DISPLAY_NAME_MAX = 100

# Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is
# not something a regular expression can check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

LOGIN_FAILED = "Wrong e-mail or password."


@dataclass(frozen=True, slots=True)
class SignUp:
    email: str  # stripped, as typed otherwise; uniqueness is case-insensitive
    password: str
    display_name: str  # stripped


def normalize_email(email: str) -> str:
    """The form e-mails are compared in."""
    return email.strip().casefold()


def validate_sign_up(
    email: str, password: str, display_name: str, prefix: FieldPath = ("input",)
) -> tuple[SignUp | None, list[Problem]]:
    problems: list[Problem] = []
    email = email.strip()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        problems.append(
            Problem(Code.INVALID_INPUT, "Enter a valid e-mail address.", (*prefix, "email"))
        )
    password_issue = password_problem(
        password, (*prefix, "password"), email=email, display_name=display_name
    )
    if password_issue:
        problems.append(password_issue)
    name_problem = text_problem(
        display_name,
        (*prefix, "displayName"),
        "The display name",
        DISPLAY_NAME_MAX,
        single_line=True,
    )
    if name_problem:
        problems.append(name_problem)
    if problems:
        return None, problems
    return SignUp(email=email, password=password, display_name=clean_text(display_name)), []


def login_failed(prefix: FieldPath = ("input",)) -> Problem:
    """The one answer to an unknown e-mail and to a wrong password alike."""
    return Problem(Code.INVALID_INPUT, LOGIN_FAILED, prefix)


# --- passwords ----------------------------------------------------------------

# Argon2id, RFC 9106's 64 MiB and 3 passes, on one lane: with argon2-cffi's
# default of 4 lanes each hash runs on 4 threads of its own, and a bounded
# pool of hashing threads (api/hashing.py) would not bound the cores hashing
# takes. Hashes made with 4 lanes still verify (the parameters are in the hash).
_hasher = PasswordHasher(parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(normalize_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, normalize_password(password))
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def spend_verify() -> None:
    """Do the work of a verify for an unknown e-mail, so response time does
    not tell whether an account exists."""
    verify_password(_dummy_hash(), "not the password")


def new_user_id() -> str:
    return f"user:{secrets.token_hex(12)}"


# --- the command line ---------------------------------------------------------


class CreateUserError(ValueError):
    """``peergraph users create`` was given something the API would refuse."""


async def create_user_command(
    store: GraphStore, email: str, password: str, display_name: str, moderator: bool
) -> UserRecord:
    """Make a user from the command line (the only way to make a moderator).

    Raises CreateUserError with a readable message for invalid input or a
    taken e-mail.
    """
    signup, problems = validate_sign_up(email, password, display_name, prefix=())
    if signup is None:
        raise CreateUserError(
            "; ".join(f"{'.'.join(p.field or ())}: {p.message}" for p in problems)
        )
    record = UserRecord(
        id=new_user_id(),
        email=signup.email,
        display_name=signup.display_name,
        password_hash=hash_password(signup.password),
        role=Role.MODERATOR if moderator else Role.MEMBER,
        created_at=utcnow(),
    )
    try:
        return await store.create_user(record)
    except RuleViolation as e:
        if e.rule == Rule.EMAIL_TAKEN:
            raise CreateUserError(f"An account with e-mail {signup.email} already exists") from e
        raise
