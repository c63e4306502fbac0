"""A deterministic synthetic dataset in OpenAlex's works format (JSON Lines).

Real scholarly dumps come as OpenAlex works; this writes the same shape at
any size, so imports and benchmarks run on a graph the size of a real field
without downloading one. The same spec and seed give the same bytes.

- Papers per author follow a power law: author popularity is Zipf-like, so a
  few hubs write thousands of papers and most authors one or two.
- Authors per paper follow a heavy tail too (most papers 1-5 authors, a few
  large collaborations), summing exactly to ``authorships``.
- Titles and abstracts use the topic vocabulary's terms, so the tagger finds
  topics; half of the works also carry OpenAlex ``topics`` of their own.
- Some names are non-Latin (Chinese, Cyrillic, Polish), to exercise slugs.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, TextIO

OPENALEX = "https://openalex.org/"

_GIVEN = ("Ana", "Ben", "Chen", "Dara", "Eli", "Farah", "Gil", "Hana", "Ivo", "Jun", "Kai",
          "Lena", "Mei", "Nils", "Omar", "Pia", "Qing", "Rosa", "Sven", "Tara", "Uma", "Vik",
          "Wen", "Xia", "Yara", "Zoe")  # fmt: skip
_FAMILY = ("Adams", "Bao", "Costa", "Dong", "Evans", "Fischer", "Garcia", "Huang", "Ito",
           "Jensen", "Kim", "Li", "Moreau", "Nakamura", "Okafor", "Patel", "Qureshi", "Rossi",
           "Silva", "Tanaka", "Ueda", "Varga", "Wei", "Xu", "Yilmaz", "Zhang")  # fmt: skip
_NON_LATIN = ("张伟", "王芳", "李娜", "刘洋", "Сергей Иванов", "Анна Петрова", "Łukasz Kaiser",
              "Paweł Żak", "김민수", "Ngô Bảo Châu")  # fmt: skip
_FILLER = ("we", "study", "a", "new", "method", "for", "large", "models", "and", "show",
           "that", "it", "improves", "results", "on", "standard", "benchmarks", "with", "less",
           "compute", "our", "analysis", "of", "the", "approach", "data")  # fmt: skip
_KINDS = ("article", "preprint", "proceedings-article")
_KIND_WEIGHTS = (6.0, 3.0, 4.0)
_VENUES = 400
_MAX_AUTHORS_PER_PAPER = 500


@dataclass(frozen=True, slots=True)
class GeneratorSpec:
    authors: int = 100_000
    papers: int = 300_000
    authorships: int = 1_000_000
    institutions: int = 2_000
    seed: int = 7

    def check(self) -> None:
        if min(self.authors, self.papers, self.institutions) < 1:
            raise ValueError("authors, papers and institutions must be at least 1")
        most = self.papers * min(self.authors, _MAX_AUTHORS_PER_PAPER)
        if not self.papers <= self.authorships <= most:
            raise ValueError(
                "authorships must be between papers (one author each) and papers x "
                f"min(authors, {_MAX_AUTHORS_PER_PAPER})"
            )


def _topic_terms() -> list[tuple[str, str, str]]:
    """(slug, name, a term) of each topic of the packaged vocabulary (its first
    term, or its name when it has only patterns)."""
    text = resources.files("seeds").joinpath("topics.toml").read_text(encoding="utf-8")
    return [
        (t["slug"], t["name"], (t.get("terms") or [t["name"]])[0].lower())
        for t in tomllib.loads(text)["topic"]
    ]


def _name(rng: random.Random, i: int) -> str:
    if i % 20 == 7:  # one in twenty
        return _NON_LATIN[rng.randrange(len(_NON_LATIN))]
    return f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"


def _authors_per_paper(rng: random.Random, spec: GeneratorSpec) -> list[int]:
    """A heavy-tailed count per paper, each at least 1, summing to ``authorships``."""
    extra = spec.authorships - spec.papers
    weights = [rng.paretovariate(2.0) - 1.0 for _ in range(spec.papers)]
    total = sum(weights) or 1.0
    cap = min(spec.authors, _MAX_AUTHORS_PER_PAPER) - 1
    counts = [1 + min(cap, int(w / total * extra)) for w in weights]
    missing = spec.authorships - sum(counts)
    order = sorted(range(spec.papers), key=lambda i: -weights[i])
    for i in itertools.cycle(order):  # hand out what rounding left, biggest first
        if missing <= 0:
            break
        if counts[i] <= cap:
            counts[i] += 1
            missing -= 1
    return counts


def _position(i: int, count: int) -> str:
    return "first" if i == 0 else "last" if i == count - 1 else "middle"


def _inverted_index(words: list[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    return index


def works(spec: GeneratorSpec) -> Iterator[dict[str, Any]]:
    """The works, one dict each, in id order."""
    spec.check()
    rng = random.Random(spec.seed)
    topics = _topic_terms()
    names = [_name(rng, i) for i in range(spec.authors)]
    affiliation = [rng.randrange(spec.institutions) for _ in range(spec.authors)]
    # Zipf-like popularity: the author at rank r is picked with weight
    # 1/(r+1)^0.55; at the default size the top hub writes about 2,500 papers
    # (a measured real hub: 2,421) and the median author about 7.
    popularity = list(itertools.accumulate(1.0 / (r + 1) ** 0.55 for r in range(spec.authors)))
    for n, count in enumerate(_authors_per_paper(rng, spec), start=1):
        chosen: list[int] = []
        seen: set[int] = set()
        while len(chosen) < count:
            a = bisect.bisect_left(popularity, rng.random() * popularity[-1])
            if a not in seen:
                seen.add(a)
                chosen.append(a)
        slug, topic_name, term = topics[rng.randrange(len(topics))]
        title = f"{term.capitalize()} {rng.choice(('for', 'with', 'beyond'))} " + " ".join(
            rng.choice(_FILLER) for _ in range(rng.randint(2, 5))
        )
        words = [rng.choice(_FILLER) for _ in range(rng.randint(20, 60))]
        words[rng.randrange(len(words))] = term.replace(" ", "-")
        venue = rng.randrange(_VENUES)
        work: dict[str, Any] = {
            "id": f"{OPENALEX}W{n}",
            "doi": f"https://doi.org/10.5555/peergraph.{n}",
            "title": title,
            "display_name": title,
            "publication_year": 1995 + rng.randrange(31),
            "type": rng.choices(_KINDS, weights=_KIND_WEIGHTS)[0],
            "primary_location": {
                "source": {"id": f"{OPENALEX}S{venue}", "display_name": f"Venue {venue}"}
            },
            "abstract_inverted_index": _inverted_index(words),
            "authorships": [
                {
                    "author_position": _position(i, count),
                    "author": {
                        "id": f"{OPENALEX}A{a + 1}",
                        "display_name": names[a],
                        "orcid": f"https://orcid.org/0000-0000-{a // 10000:04d}-{a % 10000:04d}"
                        if a % 3 == 0
                        else None,
                    },
                    "institutions": [
                        {
                            "id": f"{OPENALEX}I{affiliation[a] + 1}",
                            "display_name": f"Institute {affiliation[a] + 1}",
                        }
                    ],
                }
                for i, a in enumerate(chosen)
            ],
        }
        if n % 2 == 0:
            work["topics"] = [{"id": f"{OPENALEX}T-{slug}", "display_name": topic_name,
                               "score": round(0.5 + rng.random() / 2, 3)}]  # fmt: skip
        yield work


def write(spec: GeneratorSpec, out: TextIO) -> int:
    """Write the works as JSON Lines; the number written."""
    count = 0
    for work in works(spec):
        out.write(json.dumps(work, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count
