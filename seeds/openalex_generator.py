"""A deterministic synthetic dataset in OpenAlex's works format (JSON Lines).

Real scholarly dumps come as OpenAlex works; this writes the same shape at
any size, so imports and benchmarks run on a graph the size of a real field
without downloading one. The same spec and seed give the same bytes.

- Papers per author follow a power law: author popularity is Zipf-like, so a
  few hubs write thousands of papers and most authors one or two.
- Realistic for link prediction (bench/linkpred.py): authors belong to
  research communities (each with a home topic and two home venues most of
  its papers go to); a paper's further authors come by triadic closure (a
  co-author's co-author, or a repeat co-author), from the lead's community,
  or from anyone; the most popular tenth of authors is there from the start
  and the others join over the years, so late joiners have few co-authors.
  Ids follow time: publication years rise with them.
- Authors per paper follow a heavy tail too (most papers 1-5 authors, a few
  large collaborations), summing exactly to ``authorships``.
- Titles and abstracts use the topic vocabulary's terms, so the tagger finds
  topics; half of the works also carry OpenAlex ``topics`` of their own.
- Some names are non-Latin (Chinese, Cyrillic, Polish), to exercise slugs.
- Each work has OpenAlex's ``updated_date`` (the snapshot date provenance
  shows), a time in the SNAPSHOT_DAYS after SNAPSHOT_FROM drawn from a
  stream of its own, so adding it left every other value as it was.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
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
SNAPSHOT_FROM = datetime(2025, 11, 1)
SNAPSHOT_DAYS = 120


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


# The structure link prediction needs (bench/linkpred.py): research
# communities, each with a home topic and home venues; co-authors picked by
# triadic closure (a co-author's co-author), from the lead's community, or
# from anyone; authors joining over time.
P_TRIADIC = 0.5  # a further author comes through a co-author already on the paper
P_FRIEND_OF_FRIEND = 0.5  # ... as that co-author's co-author (else a repeat co-author)
P_COMMUNITY = 0.35  # else from the lead's community (the rest: anyone active)
P_HOME = 0.75  # a paper is on its community's topic, at one of its venues
FOUNDERS = 0.1  # the most popular tenth of authors is active from the start
COMMUNITY_SIZE = 400
HOME_VENUES = 2


@dataclass(slots=True)
class _Population:
    """Who is active when, and popularity-weighted picks among them."""

    join_order: list[int]  # author indices, in the order they join
    cum: list[float]  # cumulative popularity along join_order
    founders: int
    community: list[int]  # author -> community
    members: list[list[int]]  # community -> join positions of its members, ascending
    member_cum: list[list[float]]  # community -> cumulative popularity along members

    def active(self, t: float, at_least: int) -> int:
        """How many authors have joined at time t (0 to 1): founders, then linearly."""
        n = len(self.join_order)
        return min(n, max(at_least, self.founders + int((n - self.founders) * t)))

    def pick(self, rng: random.Random, k: int) -> int:
        j = bisect.bisect_left(self.cum, rng.random() * self.cum[k - 1], 0, k - 1)
        return self.join_order[j]

    def pick_in(self, rng: random.Random, c: int, k: int) -> int | None:
        joined = bisect.bisect_left(self.members[c], k)  # members with position < k
        if joined == 0:
            return None
        cum = self.member_cum[c]
        i = bisect.bisect_left(cum, rng.random() * cum[joined - 1], 0, joined - 1)
        return self.join_order[self.members[c][i]]


def _population(rng: random.Random, spec: GeneratorSpec, communities: int) -> _Population:
    # Zipf-like popularity: the author at rank r is picked with weight
    # 1/(r+1)^0.55; the most popular are the founders, the others join in
    # random order over the years.
    founders = max(1, int(spec.authors * FOUNDERS))
    rest = list(range(founders, spec.authors))
    rng.shuffle(rest)
    order = [*range(founders), *rest]
    weight = [1.0 / (a + 1) ** 0.55 for a in order]
    community = [rng.randrange(communities) for _ in range(spec.authors)]
    members: list[list[int]] = [[] for _ in range(communities)]
    member_cum: list[list[float]] = [[] for _ in range(communities)]
    for position, a in enumerate(order):
        c = community[a]
        members[c].append(position)
        member_cum[c].append((member_cum[c][-1] if member_cum[c] else 0.0) + weight[position])
    return _Population(
        order, list(itertools.accumulate(weight)), founders, community, members, member_cum
    )


def works(spec: GeneratorSpec) -> Iterator[dict[str, Any]]:
    """The works, one dict each, in id order (and publication year order)."""
    spec.check()
    rng = random.Random(spec.seed)
    # Its own stream (a str seed is hashed the same in every process).
    updates = random.Random(f"updated_date:{spec.seed}")
    topics = _topic_terms()
    names = [_name(rng, i) for i in range(spec.authors)]
    affiliation = [rng.randrange(spec.institutions) for _ in range(spec.authors)]
    communities = max(1, spec.authors // COMMUNITY_SIZE)
    home_venues = [[rng.randrange(_VENUES) for _ in range(HOME_VENUES)] for _ in range(communities)]
    people = _population(rng, spec, communities)
    papers_of: list[list[int]] = [[] for _ in range(spec.authors)]  # author -> paper numbers
    authors_of: list[tuple[int, ...]] = [()]  # paper number (from 1) -> its authors

    def through(anchor: int) -> int | None:
        """Triadic closure: a co-author of ``anchor`` (or a co-author's co-author)."""
        mine = papers_of[anchor]
        if not mine:
            return None
        cand = rng.choice(authors_of[rng.choice(mine)])
        if rng.random() < P_FRIEND_OF_FRIEND and papers_of[cand]:
            cand = rng.choice(authors_of[rng.choice(papers_of[cand])])
        return cand

    for n, count in enumerate(_authors_per_paper(rng, spec), start=1):
        # Enough authors active for this paper's count, with room to pick.
        k = people.active((n - 1) / spec.papers, min(spec.authors, 2 * count))
        lead = people.pick(rng, k)
        home = people.community[lead]
        chosen = [lead]
        seen = {lead}
        tries = 0
        while len(chosen) < count:
            tries += 1
            r = rng.random()
            cand: int | None
            if tries > 4 * count:  # a small world exhausted: anyone
                cand = people.pick(rng, k)
            elif r < P_TRIADIC:
                cand = through(rng.choice(chosen))
            elif r < P_TRIADIC + P_COMMUNITY:
                cand = people.pick_in(rng, home, k)
            else:
                cand = people.pick(rng, k)
            if cand is not None and cand not in seen:
                seen.add(cand)
                chosen.append(cand)
        authors_of.append(tuple(chosen))
        for a in chosen:
            papers_of[a].append(n)
        on_home = rng.random() < P_HOME
        slug, topic_name, term = topics[
            home % len(topics) if on_home else rng.randrange(len(topics))
        ]
        title = f"{term.capitalize()} {rng.choice(('for', 'with', 'beyond'))} " + " ".join(
            rng.choice(_FILLER) for _ in range(rng.randint(2, 5))
        )
        words = [rng.choice(_FILLER) for _ in range(rng.randint(20, 60))]
        words[rng.randrange(len(words))] = term.replace(" ", "-")
        venue = rng.choice(home_venues[home]) if rng.random() < P_HOME else rng.randrange(_VENUES)
        work: dict[str, Any] = {
            "id": f"{OPENALEX}W{n}",
            "doi": f"https://doi.org/10.5555/peergraph.{n}",
            "title": title,
            "display_name": title,
            # Ids follow time: the years rise with them, 1995 to 2025.
            "publication_year": 1995 + (n - 1) * 31 // spec.papers,
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
            "updated_date": (
                SNAPSHOT_FROM
                + timedelta(microseconds=updates.randrange(SNAPSHOT_DAYS * 86_400_000_000))
            ).isoformat(timespec="microseconds"),
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
