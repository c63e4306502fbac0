"""The dataset: written by ``peergraph generate``, then read back once for the
facts the import and the store must reproduce (counted from the file, not
from any store)."""

from __future__ import annotations

import gzip
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson

from seeds.openalex_generator import GeneratorSpec


@dataclass(frozen=True, slots=True)
class Size:
    authors: int
    papers: int
    authorships: int
    institutions: int
    seed: int

    @classmethod
    def scaled(
        cls,
        authors: int | None,
        papers: int | None,
        authorships: int | None,
        institutions: int | None,
        seed: int | None,
    ) -> Size:
        """The generator's default, or the given sizes; what is not given keeps
        the default's proportions to what is (3 papers and 10 authorships per
        author at the default), so ``--authors 5000`` alone is a coherent set."""
        d = GeneratorSpec()
        a = authors if authors is not None else round((papers or d.papers) * d.authors / d.papers)
        p = papers if papers is not None else round(a * d.papers / d.authors)
        return cls(
            authors=a,
            papers=p,
            authorships=authorships
            if authorships is not None
            else round(p * d.authorships / d.papers),
            institutions=institutions if institutions is not None else d.institutions,
            seed=seed if seed is not None else d.seed,
        )

    def flags(self) -> list[str]:
        return [
            f"--authors={self.authors}",
            f"--papers={self.papers}",
            f"--authorships={self.authorships}",
            f"--institutions={self.institutions}",
            f"--seed={self.seed}",
        ]


@dataclass(frozen=True, slots=True)
class FileFacts:
    works: int
    authorships: int
    authors: int  # distinct authors named by at least one work
    hub_papers: int  # most works of one author
    median_papers: int  # of the authors with at least one work (upper median)
    bytes: int


def scan(path: Path) -> FileFacts:
    per_author: Counter[str] = Counter()
    works = authorships = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            work = orjson.loads(line)
            works += 1
            ids = {a["author"]["id"] for a in work.get("authorships") or []}
            authorships += len(work.get("authorships") or [])
            per_author.update(ids)
    counts = sorted(per_author.values())
    return FileFacts(
        works=works,
        authorships=authorships,
        authors=len(counts),
        hub_papers=counts[-1] if counts else 0,
        median_papers=counts[len(counts) // 2] if counts else 0,
        bytes=path.stat().st_size,
    )
