"""Assign topics from the controlled vocabulary (``seeds/topics.toml``) to a paper.

The same tagger runs on every import: a topic applies when one of its
terms, patterns or acronyms occurs in the title, or when they occur at least
``min_abstract_hits`` times in the abstract (a single passing mention in an
abstract does not make a paper "about" a topic). See topics.toml for the
matching rules.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_store.records import NodeKind, TopicRecord

DEFAULT_VOCABULARY_PATH = Path(__file__).with_name("topics.toml")

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TERM_SEPARATOR_RE = re.compile(r"[\s-]+")


class VocabularyError(ValueError):
    """topics.toml is malformed."""


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str
    matcher: re.Pattern[str]
    min_abstract_hits: int

    @property
    def id(self) -> str:
        return topic_id(self.slug)

    def record(self) -> TopicRecord:
        return TopicRecord(id=self.id, slug=self.slug, name=self.name)

    def title_matches(self, title: str) -> bool:
        return self.matcher.search(title) is not None

    def abstract_hits(self, abstract: str) -> int:
        return sum(1 for _ in self.matcher.finditer(abstract))

    def applies_to(self, title: str, abstract: str | None) -> bool:
        if self.title_matches(title):
            return True
        return abstract is not None and self.abstract_hits(abstract) >= self.min_abstract_hits


def topic_id(slug: str) -> str:
    return f"{NodeKind.TOPIC.value}:{slug}"


def term_regex(term: str) -> str:
    """A plain phrase as a regex: a space or hyphen matches a space, a hyphen or nothing."""
    words = [w for w in _TERM_SEPARATOR_RE.split(term.strip()) if w]
    if not words:
        raise VocabularyError(f"empty term {term!r}")
    return r"[\s-]?".join(re.escape(w) for w in words)


def _string_list(entry: Mapping[str, Any], key: str, slug: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VocabularyError(f"topic {slug!r}: {key} must be a list of strings")
    return list(value)


def _compile_topic(entry: Mapping[str, Any], default_hits: int) -> Topic:
    slug = entry.get("slug")
    name = entry.get("name")
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise VocabularyError(f"topic slug {slug!r} is not lower-case-hyphenated")
    if not isinstance(name, str) or not name.strip():
        raise VocabularyError(f"topic {slug!r}: name missing")
    alternatives = [term_regex(t) for t in _string_list(entry, "terms", slug)]
    alternatives += [f"(?:{p})" for p in _string_list(entry, "patterns", slug)]
    # Acronyms are matched case-sensitively inside the case-insensitive regex.
    alternatives += [f"(?-i:{re.escape(a)})" for a in _string_list(entry, "acronyms", slug)]
    if not alternatives:
        raise VocabularyError(f"topic {slug!r}: no terms, patterns or acronyms")
    # Whole words only: a match may not start or end inside a word.
    source = r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"
    try:
        matcher = re.compile(source, re.IGNORECASE)
    except re.error as e:
        raise VocabularyError(f"topic {slug!r}: bad pattern: {e}") from e
    hits = entry.get("min_abstract_hits", default_hits)
    if not isinstance(hits, int) or hits < 1:
        raise VocabularyError(f"topic {slug!r}: min_abstract_hits must be a positive integer")
    return Topic(slug=slug, name=name.strip(), matcher=matcher, min_abstract_hits=hits)


@dataclass(frozen=True, slots=True)
class Tagger:
    topics: tuple[Topic, ...]

    @classmethod
    def from_toml(cls, text: str) -> Tagger:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise VocabularyError(f"topics.toml: {e}") from e
        default_hits = data.get("default_min_abstract_hits", 2)
        if not isinstance(default_hits, int) or default_hits < 1:
            raise VocabularyError("default_min_abstract_hits must be a positive integer")
        entries = data.get("topic", [])
        if not isinstance(entries, list) or not entries:
            raise VocabularyError("topics.toml has no [[topic]] entries")
        topics = tuple(_compile_topic(e, default_hits) for e in entries)
        slugs = [t.slug for t in topics]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise VocabularyError(f"duplicate topic slugs: {', '.join(duplicates)}")
        return cls(topics=topics)

    @classmethod
    def from_path(cls, path: Path) -> Tagger:
        return cls.from_toml(path.read_text(encoding="utf-8"))

    def by_slug(self, slug: str) -> Topic | None:
        return next((t for t in self.topics if t.slug == slug), None)

    def tag(self, title: str, abstract: str | None) -> tuple[Topic, ...]:
        """The vocabulary's topics that apply to this paper, in vocabulary order."""
        return tuple(t for t in self.topics if t.applies_to(title, abstract))

    def tag_slugs(self, title: str, abstract: str | None) -> tuple[str, ...]:
        return tuple(t.slug for t in self.tag(title, abstract))


@functools.cache
def default_tagger() -> Tagger:
    """The tagger for the packaged vocabulary (loaded once)."""
    return Tagger.from_path(DEFAULT_VOCABULARY_PATH)
