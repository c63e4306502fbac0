"""The pure parts of the Neo4j backend's search: user words as Lucene query
text for the full-text index. Words and scores are the embedded backend's
(``shared_rules``), so both rank alike; the index only supplies candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters the Lucene classic query parser treats as syntax.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def escape_lucene(word: str) -> str:
    """Escape a user word so Lucene reads it as text, never as query syntax.

    Words are casefolded first, so ``AND``/``OR``/``NOT`` (operators only in
    upper case) are plain terms as well.
    """
    return _LUCENE_SPECIAL.sub(r"\\\1", word)


def lucene_query(words: Sequence[str], fields: Sequence[str]) -> str:
    """Each word as a term, a prefix (``distil`` finds ``distillation``) and an
    infix (``still`` finds it too, as the embedded store's substring match does),
    OR-ed, in each of ``fields``. Exact terms score highest in Lucene; wildcard
    hits score alike."""
    terms = " OR ".join(f"{w} OR {w}* OR *{w}*" for w in (escape_lucene(word) for word in words))
    return " OR ".join(f"{field}:({terms})" for field in fields)
