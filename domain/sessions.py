"""Rules of sessions and suspensions (plain data, no I/O): what logOut,
changePassword, logIn for a suspended account and the moderators'
suspendUser/unsuspendUser answer. The rules read from the stored user
(token version, suspension) are decided in ``graph_store/decisions.py``
inside the write's transaction."""

from __future__ import annotations

from collections.abc import Mapping

from domain.passwords import PASSWORD_MAX, normalize_password, password_problem
from domain.problems import Code, FieldPath, Problem, clean_text, forbidden, text_problem
from graph_store.errors import Rule
from graph_store.records import UserRecord

REASON_MAX = 1000
SUSPENDED = "This account is suspended; contact the moderators."
MODERATORS_ONLY = "Only moderators suspend and reinstate accounts."

USER_ID = ("input", "userId")
SUSPEND_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.NOT_FOUND: USER_ID,
    Rule.SELF_SUSPENSION: USER_ID,
    Rule.TARGET_IS_MODERATOR: USER_ID,
    Rule.ALREADY_SUSPENDED: USER_ID,
}
UNSUSPEND_FIELDS: Mapping[Rule, FieldPath | None] = {Rule.NOT_FOUND: ("userId",)}
OWN_ACCOUNT_FIELDS: Mapping[Rule, FieldPath | None] = {Rule.NOT_FOUND: None}


def account_suspended() -> Problem:
    """logIn for a suspended account, whatever the password: the answer
    tells nobody whether the password was right."""
    return forbidden(SUSPENDED)


def wrong_current_password() -> Problem:
    return Problem(
        Code.INVALID_INPUT, "The current password is wrong.", ("input", "currentPassword")
    )


def could_be_password(value: str) -> bool:
    """Whether ``value`` is worth an Argon2 verification: nothing longer than
    a password may be is hashed."""
    return len(normalize_password(value)) <= PASSWORD_MAX


def new_password_problem(user: UserRecord | None, new_password: str) -> Problem | None:
    """The new password of changePassword, against the signed-in user's
    e-mail and display name (no user: nothing to check, the flow answers
    UNAUTHENTICATED)."""
    if user is None:
        return None
    return password_problem(
        new_password,
        ("input", "newPassword"),
        email=user.email,
        display_name=user.display_name,
    )


def reason_problem(reason: str) -> Problem | None:
    return text_problem(reason, ("input", "reason"), "The reason", REASON_MAX)


def clean_reason(reason: str) -> str:
    return clean_text(reason)
