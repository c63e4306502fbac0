"""Correction ("Fix data") rules: which fields of which records can be
corrected, what a valid proposed value is, and the store update applying it.
Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.problems import Code, FieldPath, Problem, clean_text, text_problem
from graph_store.errors import Rule
from graph_store.records import NodeKind

REASON_MAX = 2000

SUGGEST_FIELDS: Mapping[Rule, FieldPath | None] = {Rule.NOT_FOUND: ("input", "targetId")}
REVIEW_FIELDS: Mapping[Rule, FieldPath | None] = {
    Rule.NOT_FOUND: ("input", "correctionId"),
    Rule.CORRECTION_NOT_OPEN: ("input", "correctionId"),
}

VALUE_FIELD: FieldPath = ("input", "proposedValue")

StoreValue = str | int | None


@dataclass(frozen=True, slots=True)
class FieldRule:
    store_property: str  # the record property the store sets
    parse: Callable[[str], StoreValue | Problem]


def _required_text(label: str, max_len: int) -> Callable[[str], StoreValue | Problem]:
    def parse(raw: str) -> StoreValue | Problem:
        return text_problem(raw, VALUE_FIELD, label, max_len) or clean_text(raw)

    return parse


def _optional_text(label: str, max_len: int) -> Callable[[str], StoreValue | Problem]:
    """Empty clears the field."""

    def parse(raw: str) -> StoreValue | Problem:
        value = clean_text(raw)
        if not value:
            return None
        return text_problem(value, VALUE_FIELD, label, max_len) or value

    return parse


def _year(raw: str) -> StoreValue | Problem:
    value = raw.strip()
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        return Problem(Code.INVALID_INPUT, "A year is a number between 1900 and 2100.", VALUE_FIELD)
    return int(value)


def _url(raw: str) -> StoreValue | Problem:
    value = raw.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        return Problem(
            Code.INVALID_INPUT,
            "A code link is an http(s) URL, e.g. https://github.com/…",
            VALUE_FIELD,
        )
    if len(value) > 500:
        return Problem(Code.INVALID_INPUT, "A code link is at most 500 characters.", VALUE_FIELD)
    return value


# GraphQL field name → how to check and store it, per target kind.
CORRECTABLE: Mapping[NodeKind, Mapping[str, FieldRule]] = {
    NodeKind.AUTHOR: {
        "name": FieldRule("name", _required_text("A name", 200)),
    },
    NodeKind.PAPER: {
        "title": FieldRule("title", _required_text("A title", 500)),
        "year": FieldRule("year", _year),
        "venue": FieldRule("venue", _optional_text("A venue", 300)),
        "abstract": FieldRule("abstract", _optional_text("An abstract", 10_000)),
        "codeUrl": FieldRule("code_url", _url),
    },
}


def field_problem(kind: NodeKind, field: str) -> Problem | None:
    fields = CORRECTABLE.get(kind, {})
    if field in fields:
        return None
    allowed = ", ".join(fields) or "none"
    return Problem(
        Code.INVALID_INPUT,
        f"{field!r} cannot be corrected on a {kind.name.lower()}; correctable: {allowed}.",
        ("input", "field"),
    )


def parse_value(kind: NodeKind, field: str, raw: str) -> tuple[str, StoreValue] | Problem:
    """The store update ``(property, value)`` for a proposed value, or why not."""
    rule = CORRECTABLE[kind][field]
    parsed = rule.parse(raw)
    if isinstance(parsed, Problem):
        return parsed
    return rule.store_property, parsed


def reason_problem(reason: str) -> Problem | None:
    return text_problem(reason, ("input", "reason"), "The reason", REASON_MAX)


def validate_suggestion(
    kind: NodeKind | None, field: str, proposed_value: str, reason: str
) -> list[Problem]:
    """Input problems of a suggestion whose target kind is known to be
    AUTHOR or PAPER (the caller answers NOT_FOUND otherwise)."""
    problems: list[Problem] = []
    if kind is not None:
        fp = field_problem(kind, field)
        if fp:
            problems.append(fp)
        else:
            parsed = parse_value(kind, field, proposed_value)
            if isinstance(parsed, Problem):
                problems.append(parsed)
    rp = reason_problem(reason)
    if rp:
        problems.append(rp)
    return problems
