"""The social rules that need no store: input checks, the rule table, tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api import auth
from api.settings import Settings
from domain import accounts, claims, corrections, invitations, passwords
from domain.problems import RULE_PROBLEMS, Code, Problem, problem_for_rule
from graph_store.errors import Rule
from graph_store.records import (
    ClaimDecision,
    ClaimRecord,
    InvitationRecord,
    InvitationStatus,
    NodeKind,
    Role,
    UserRecord,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _user(uid: str = "user:a", role: Role = Role.MEMBER) -> UserRecord:
    return UserRecord(uid, "a@example.org", "A", "hash", role, NOW)


def test_every_store_rule_has_a_code_and_a_message() -> None:
    assert set(RULE_PROBLEMS) == set(Rule)
    p = problem_for_rule(Rule.RATE_LIMITED, invitations.SEND_FIELDS)
    assert p == Problem(Code.RATE_LIMITED, RULE_PROBLEMS[Rule.RATE_LIMITED][1], None)
    assert problem_for_rule(Rule.NOT_FOUND, claims.CLAIM_FIELDS).field == ("input", "authorId")
    # Not being a party looks exactly like a missing invitation.
    assert RULE_PROBLEMS[Rule.NOT_A_PARTY] == RULE_PROBLEMS[Rule.NOT_FOUND]


@pytest.mark.parametrize(
    ("email", "password", "name", "fields"),
    [
        ("ada@example.org", "long enough", "Ada", []),
        (" ada@example.org ", "tidy 4 plums", " Ada ", []),
        ("ada", "long enough", "Ada", [("input", "email")]),
        ("a@b", "long enough", "Ada", [("input", "email")]),
        ("a b@c.org", "long enough", "Ada", [("input", "email")]),
        ("x" * 250 + "@e.org", "long enough", "Ada", [("input", "email")]),
        ("a@b.org", "123456789", "Ada", [("input", "password")]),
        ("a@b.org", "p" * 1025, "Ada", [("input", "password")]),
        # NIST SP 800-63B (issue 9): common, repeated, personal; no composition rules.
        ("a@b.org", "1234567890", "Ada", [("input", "password")]),
        ("a@b.org", "PassWord123", "Ada", [("input", "password")]),
        ("a@b.org", "x" * 12, "Ada", [("input", "password")]),
        ("ada.lovelace@b.org", "I am Ada.Lovelace", "Ada", [("input", "password")]),
        ("a@b.org", "hi it's grace hopper!", "Grace Hopper", [("input", "password")]),
        ("a@b.org", "all lower case words", "Ada", []),
        ("a@b.org", "long enough", "", [("input", "displayName")]),
        ("a@b.org", "long enough", "n" * 101, [("input", "displayName")]),
        # Issue 9, item 7: invisible-only, control characters, direction overrides.
        ("a@b.org", "long enough", "\u200b", [("input", "displayName")]),
        ("a@b.org", "long enough", "\u200b \u2060\ufeff", [("input", "displayName")]),
        ("a@b.org", "long enough", "Ada\x00", [("input", "displayName")]),
        ("a@b.org", "long enough", "Ada\nLovelace", [("input", "displayName")]),
        ("a@b.org", "long enough", "Ada \u202egnp.exe", [("input", "displayName")]),
        ("a@b.org", "long enough", "\u2066Ada\u2069", [("input", "displayName")]),
    ],
)
def test_sign_up_validation(
    email: str, password: str, name: str, fields: list[tuple[str, ...]]
) -> None:
    signup, problems = accounts.validate_sign_up(email, password, name)
    assert [p.field for p in problems] == fields
    assert all(p.code is Code.INVALID_INPUT for p in problems)
    if not fields:
        assert signup is not None
        assert signup.email == email.strip() and signup.display_name == name.strip()


def test_names_are_stored_in_one_spelling() -> None:
    # "Amélie" typed with a combining accent is stored as the composed character.
    signup, problems = accounts.validate_sign_up("a@b.org", "long enough", " Ame\u0301lie ")
    assert problems == [] and signup is not None and signup.display_name == "Am\u00e9lie"


def test_messages_keep_line_breaks_but_refuse_overrides() -> None:
    assert invitations.message_problem("Hello,\n\nlet us work together.") is None
    bad = invitations.message_problem("Hello \u202e")
    assert bad is not None and "direction" in bad.message
    assert invitations.message_problem("\u200b\u200b") is not None  # nothing visible
    assert invitations.message_problem("bell\x07") is not None


def test_normalized_e_mails_compare_case_insensitively() -> None:
    assert accounts.normalize_email(" Ada@Example.ORG ") == "ada@example.org"


def test_password_length_counts_code_points_after_nfc() -> None:
    # Nine composed characters typed as eighteen code points: too short.
    decomposed = "e\u0301" * 9
    too_short = passwords.password_problem(decomposed, ("p",), email="a@b.org", display_name="A")
    assert too_short is not None and "got 9" in too_short.message
    # Ten emoji (twenty UTF-16 units, forty bytes) are ten characters: enough.
    assert (
        passwords.password_problem("🦉" * 5 + "🐢" * 5, ("p",), email="", display_name="") is None
    )
    # Hashing and verifying take the NFC form: either spelling signs in.
    h = accounts.hash_password("caf\u00e9 au lait!")
    assert accounts.verify_password(h, "cafe\u0301 au lait!")


def test_the_common_password_list_is_shipped() -> None:
    common = passwords.common_passwords()
    assert len(common) > 19_000
    assert {"password", "12345678", "qwertyuiop", "iloveyou12"} <= common


def test_passwords_are_argon2id_and_verify() -> None:
    h = accounts.hash_password("s3cret-password")
    assert h.startswith("$argon2id$")
    assert accounts.verify_password(h, "s3cret-password")
    assert not accounts.verify_password(h, "wrong")
    assert not accounts.verify_password("not a hash", "wrong")


def test_tokens_round_trip_and_expire() -> None:
    settings = Settings(env="test", token_ttl_hours=1)
    user = _user()
    token = auth.issue_token(user, settings)
    assert auth.user_id_from_token(token, settings) == user.id
    old = auth.issue_token(user, settings, now=datetime.now(UTC) - timedelta(hours=2))
    assert auth.user_id_from_token(old, settings) is None
    other = Settings(env="test", secret_key="x" * 40)
    assert auth.user_id_from_token(token, other) is None


@pytest.mark.parametrize(
    ("header", "token"),
    [(None, None), ("", None), ("Bearer abc", "abc"), ("bearer  abc ", "abc"),
     ("Basic abc", None), ("Bearer", None), ("Bearer ", None)],
)  # fmt: skip
def test_bearer_header(header: str | None, token: str | None) -> None:
    assert auth.bearer_token(header) == token


def test_text_limits_count_stripped_characters() -> None:
    assert invitations.message_problem("x" * 2000) is None
    assert invitations.message_problem(" " + "é" * 2000 + " ") is None
    too_long = invitations.message_problem("x" * 2001)
    assert too_long is not None and too_long.field == ("input", "message")
    empty = invitations.message_problem(" \n ")
    assert empty is not None and empty.code is Code.INVALID_INPUT
    assert claims.evidence_problem("0000-0002-1825-0097") is None  # a bare ORCID iD
    assert claims.evidence_problem("jd@mit.edu") is None
    for trivial in ("", "   ", "orcid", " me too ", "\u200b" * 12):
        problem = claims.evidence_problem(trivial)
        assert problem is not None and problem.code is Code.INVALID_INPUT, trivial
        assert problem.field == ("input", "evidence")
    short = claims.evidence_problem("  123456789  ")
    assert short is not None
    assert short.message == "Evidence must be at least 10 characters (got 9)."
    assert claims.note_problem(None) is None and claims.note_problem("") is None
    assert claims.clean_note("  ") is None


def test_who_sees_a_claim() -> None:
    claim = ClaimRecord("claim:1", "author:x", "user:a", ClaimDecision.PENDING, "e", NOW)
    assert claims.can_see_claim(_user("user:a"), claim)
    assert claims.can_see_claim(_user("user:m", Role.MODERATOR), claim)
    assert not claims.can_see_claim(_user("user:b"), claim)
    assert not claims.can_see_claim(None, claim)


def test_invitation_parties_and_the_window() -> None:
    inv = InvitationRecord(
        "inv:1", "user:a", "author:a", "author:b", "hi", InvitationStatus.PENDING, NOW
    )
    assert invitations.party_of("user:a", inv, "user:b") is invitations.Party.SENDER
    assert invitations.party_of("user:b", inv, "user:b") is invitations.Party.RECIPIENT
    assert invitations.party_of("user:c", inv, "user:b") is None
    assert invitations.party_of("user:b", inv, None) is None
    assert invitations.window_start(NOW) == NOW - timedelta(hours=24)
    assert invitations.ACTOR_FOR[InvitationStatus.WITHDRAWN] is invitations.Party.SENDER


def test_can_invite() -> None:
    base = dict(viewer_author_id="author:a", author_id="author:b", author_claimed=True,
                author_open=True, pending_exists=False, sent_in_window=0,
                daily_limit=20)  # fmt: skip
    assert invitations.can_invite(**base)  # type: ignore[arg-type]
    for change in (
        {"viewer_author_id": None},
        {"author_id": "author:a"},
        {"author_claimed": False},
        {"author_open": False},
        {"pending_exists": True},
        {"sent_in_window": 20},
    ):
        assert not invitations.can_invite(**{**base, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "field", "raw", "expected"),
    [
        (NodeKind.AUTHOR, "name", " Hangbo Bao ", ("name", "Hangbo Bao")),
        # A name typed with a combining accent becomes the composed character,
        # as a display name does (one spelling per name).
        (NodeKind.AUTHOR, "name", " Ame\u0301lie Li ", ("name", "Am\u00e9lie Li")),
        (NodeKind.PAPER, "venue", "Ame\u0301lie", ("venue", "Am\u00e9lie")),
        (NodeKind.PAPER, "title", "T", ("title", "T")),
        (NodeKind.PAPER, "year", " 2022 ", ("year", 2022)),
        (NodeKind.PAPER, "year", "", ("year", None)),
        (NodeKind.PAPER, "venue", "", ("venue", None)),
        (NodeKind.PAPER, "abstract", " text ", ("abstract", "text")),
        (NodeKind.PAPER, "codeUrl", "https://aka.ms/x", ("code_url", "https://aka.ms/x")),
        (NodeKind.PAPER, "codeUrl", "", ("code_url", None)),
    ],
)
def test_correction_values(kind: NodeKind, field: str, raw: str, expected: object) -> None:
    assert corrections.parse_value(kind, field, raw) == expected


@pytest.mark.parametrize(
    ("kind", "field", "raw", "bad_field"),
    [
        (NodeKind.AUTHOR, "title", "x", ("input", "field")),
        (NodeKind.PAPER, "name", "x", ("input", "field")),
        (NodeKind.PAPER, "kind", "JOURNAL", ("input", "field")),
        (NodeKind.AUTHOR, "name", " ", ("input", "proposedValue")),
        (NodeKind.PAPER, "title", "", ("input", "proposedValue")),
        (NodeKind.PAPER, "year", "1850", ("input", "proposedValue")),
        (NodeKind.PAPER, "year", "-3", ("input", "proposedValue")),
        (NodeKind.PAPER, "codeUrl", "ftp://x.org", ("input", "proposedValue")),
        (NodeKind.PAPER, "codeUrl", "github.com/x", ("input", "proposedValue")),
        (NodeKind.AUTHOR, "name", "n" * 201, ("input", "proposedValue")),
    ],
)
def test_bad_corrections(kind: NodeKind, field: str, raw: str, bad_field: tuple[str, ...]) -> None:
    problems = corrections.validate_suggestion(kind, field, raw, "because")
    assert [p.field for p in problems] == [bad_field]


def test_a_correction_needs_a_reason() -> None:
    problems = corrections.validate_suggestion(NodeKind.AUTHOR, "name", "X", "")
    assert [p.field for p in problems] == [("input", "reason")]
