"""``python -m bench.linkpred``: does PeerGraph suggest the people researchers
go on to write with? Measured the way OGB's ogbl-collab is, against the
published baselines.

Time split: the papers published before year Y are the graph; the pairs of
authors who first write together from Y on (both already in the graph, not
co-authors before Y) are the truth. For a sample of the authors with such new
co-authors, each method ranks everyone else who is not yet their co-author:

- random: a random order;
- common neighbours: how many co-authors the two share;
- Adamic-Adar: the shared co-authors, each weighted 1 / ln(its co-author count);
- PeerGraph: ``domain.collaboration_fit.suggest`` itself (the code behind
  User.suggestedCollaborators), reading the graph before Y through the same
  store reads, answered from memory (``TrainGraph``).

A method's list is its scored candidates, best first (ties in a random order
fixed per author), then everyone else in that random order. Per author:
Hits@50, the share of their new co-authors in the top 50 (of at most 50:
min(50, new co-authors)), and precision@10, the share of the top 10 who are
new co-authors (PeerGraph's top 10 is its own list of 10). Means over the
authors, with 95 % bootstrap intervals (authors resampled, the same samples
for every method), overall and for the authors none of whose new co-authors
shares a co-author with them (where Adamic-Adar scores every candidate 0).

    python -m bench.linkpred                       # a generated dataset (20k authors)
    python -m bench.linkpred --works slice.jsonl.gz  # any OpenAlex works file
    python -m bench.linkpred --out BENCHMARKS.md   # also write its section there

The works file is read as ``peergraph import openalex`` reads it (the same
parsing and topic tagging), so it runs on any OpenAlex slice one imports.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import sections
from bench.report import machine
from domain import collaboration_fit as fitting
from graph_store import coauthors as close
from graph_store.records import (
    AuthorRecord,
    CollaborationProfileRecord,
    Page,
    PaperKind,
    PaperRecord,
)
from seeds.openalex_generator import GeneratorSpec, write
from seeds.openalex_import import _blocks, _parse_block, default_workers

TOP = 50
PRECISION_AT = 10
METHODS = ("random", "common neighbours", "Adamic-Adar", "PeerGraph")
SECTION_START, SECTION_END = sections.markers("linkpred")


@dataclass(frozen=True, slots=True)
class Work:
    id: str
    year: int
    title: str
    venue: str | None
    topics: tuple[str, ...]  # topic ids
    authors: tuple[str, ...]  # author ids, in order


def read_works(path: Path, workers: int) -> Iterator[Work]:
    """The works of an OpenAlex works file as the importer parses and tags
    them; works without a year are left out (they cannot be split by time)."""
    blocks = _blocks(path)
    parsed = (
        ProcessPoolExecutor(workers).map(_parse_block, blocks)
        if workers > 0
        else map(_parse_block, blocks)
    )
    for block in parsed:
        for w in block.works:
            if w.paper.year is None:
                continue
            yield Work(
                w.paper.id,
                w.paper.year,
                w.paper.title,
                w.paper.venue,
                tuple(f"topic:{s}" for s in w.topic_slugs),
                tuple(dict.fromkeys(a.id for a in w.authors)),
            )


def split_year(works: Sequence[Work], share: float) -> int:
    """The first year from which about ``1 - share`` of the papers are left."""
    years = sorted(w.year for w in works)
    return years[min(len(years) - 1, int(len(years) * share))]


class TrainGraph:
    """The graph before the split year, answering the store reads that
    ``domain.collaboration_fit`` makes (``FitReads``) from memory."""

    def __init__(self, works: Sequence[Work]) -> None:
        self.papers: dict[str, PaperRecord] = {}
        self.authors_of: dict[str, tuple[str, ...]] = {}
        self.topics_of: dict[str, tuple[str, ...]] = {}
        self.papers_of: dict[str, list[str]] = {}
        by_topic: dict[str, list[str]] = {}
        for w in works:
            self.papers[w.id] = PaperRecord(w.id, w.title, PaperKind.JOURNAL, w.year, w.venue)
            self.authors_of[w.id] = w.authors
            self.topics_of[w.id] = w.topics
            for a in w.authors:
                self.papers_of.setdefault(a, []).append(w.id)
            for t in w.topics:
                by_topic.setdefault(t, []).append(w.id)
        key = self._key
        self.topic_papers = {t: sorted(ps, key=key) for t, ps in by_topic.items()}
        self._profiles: dict[str, CollaborationProfileRecord] = {}
        self._everyone: dict[str, set[str]] = {}
        self._records: dict[str, AuthorRecord] = {}

    def _key(self, paper_id: str) -> str:
        return self.papers[paper_id].sort_key

    def profile(self, author: str) -> CollaborationProfileRecord:
        """What ``collaboration_profiles`` answers: close co-authors only
        (papers counted by ``graph_store.coauthors.counts``), every paper's
        topics and venue."""
        found = self._profiles.get(author)
        if found is None:
            coauthors: Counter[str] = Counter()
            topics: Counter[str] = Counter()
            venues: Counter[str] = Counter()
            for p in self.papers_of.get(author, ()):
                team = self.authors_of[p]
                if close.counts(team):
                    coauthors.update(x for x in team if x != author)
                topics.update(self.topics_of[p])
                venue = self.papers[p].venue
                if venue is not None:
                    venues[venue] += 1
            found = CollaborationProfileRecord(dict(coauthors), dict(topics), dict(venues))
            self._profiles[author] = found
        return found

    def coauthors(self, author: str) -> set[str]:
        """Everyone the author wrote with, whatever the team size: the full
        co-author graph of the baselines, the truth and the exclusions."""
        found = self._everyone.get(author)
        if found is None:
            found = {x for p in self.papers_of.get(author, ()) for x in self.authors_of[p]}
            found.discard(author)
            self._everyone[author] = found
        return found

    def record(self, author: str) -> AuthorRecord:
        found = self._records.get(author)
        if found is None:
            found = self._records[author] = AuthorRecord(author, author, author)
        return found

    # --- FitReads ---------------------------------------------------------------------

    async def collaboration_profiles(
        self, author_ids: Sequence[str]
    ) -> dict[str, CollaborationProfileRecord]:
        return {a: self.profile(a) for a in author_ids}

    async def coauthored(self, author_id: str, candidate_ids: Sequence[str]) -> set[str]:
        return self.coauthors(author_id).intersection(candidate_ids)

    async def coauthor_weights(self, author_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        return {a: self.profile(a).coauthors for a in author_ids}

    async def work_counts(self, author_ids: Sequence[str]) -> dict[str, int]:
        return {a: len(self.papers_of.get(a, ())) for a in author_ids}

    async def paper_pages_of_topics(
        self,
        topic_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        return {t: self._page(self.topic_papers.get(t, []), first) for t in topic_ids}

    def _page(self, ids: list[str], first: int) -> Page[PaperRecord]:
        items = tuple(self.papers[p] for p in ids[:first])
        return Page(items, len(ids), len(ids) > first)

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]:
        return {a: self.record(a) for a in ids if a in self.papers_of}

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        return {p: [self.record(a) for a in self.authors_of.get(p, ())] for p in paper_ids}


@dataclass
class Scores:
    """Per evaluated author, each method's Hits@50 and precision@10."""

    hits: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METHODS})
    precision: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METHODS})
    no_common: list[bool] = field(default_factory=list)
    truth_sizes: list[int] = field(default_factory=list)


def new_pairs(test: Sequence[Work], graph: TrainGraph) -> dict[str, set[str]]:
    """Each author's new co-authors from the split year on: both in the graph
    before it, not co-authors before it."""
    truth: dict[str, set[str]] = {}
    for w in test:
        known = [a for a in w.authors if a in graph.papers_of]
        for i, u in enumerate(known):
            coauthors = graph.coauthors(u)
            for v in known[i + 1 :]:
                if v not in coauthors:
                    truth.setdefault(u, set()).add(v)
                    truth.setdefault(v, set()).add(u)
    return truth


def ranked(
    scores: dict[str, float], order: Callable[[str], int], fill: Iterator[str], excluded: set[str]
) -> list[str]:
    """The top ``TOP``: scored candidates best first (ties by ``order``), then ``fill``."""
    top = sorted(scores, key=lambda x: (-scores[x], order(x)))[:TOP]
    seen = set(top)
    for x in fill:
        if len(top) >= TOP:
            break
        if x not in seen and x not in excluded:
            seen.add(x)
            top.append(x)
    return top


def evaluate(graph: TrainGraph, truth: dict[str, set[str]], sample: int, seed: int) -> Scores:
    rng = random.Random(seed)
    everyone = sorted(graph.papers_of)
    rng.shuffle(everyone)
    position = {a: i for i, a in enumerate(everyone)}
    n = len(everyone)
    chosen = sorted(truth)
    rng.shuffle(chosen)
    chosen = chosen[:sample]
    degree = {a: len(graph.coauthors(a)) for a in everyone}
    out = Scores()

    async def peergraph(u: str, first: int) -> dict[str, float]:
        rows = await fitting.suggest(graph, u, first)
        return {x.id: f.score for x, f in rows}

    loop = asyncio.new_event_loop()
    try:
        for done, u in enumerate(chosen):
            if done and done % 200 == 0:
                print(f"  {done:,} of {len(chosen):,} authors", file=sys.stderr)
            offset = rng.randrange(n)

            def order(x: str, offset: int = offset) -> int:
                return (position[x] - offset) % n

            def fill(offset: int = offset) -> Iterator[str]:
                for i in range(n):
                    yield everyone[(offset + i) % n]

            mine = graph.coauthors(u)
            excluded = {u, *mine}
            cn: Counter[str] = Counter()
            aa: dict[str, float] = {}
            for c in mine:
                damp = 1.0 / math.log(degree[c]) if degree[c] > 1 else 0.0
                for x in graph.coauthors(c):
                    if x not in excluded:
                        cn[x] += 1
                        aa[x] = aa.get(x, 0.0) + damp
            lists = {
                "random": ranked({}, order, fill(), excluded),
                "common neighbours": ranked(dict(cn), order, fill(), excluded),
                "Adamic-Adar": ranked(aa, order, fill(), excluded),
                "PeerGraph": ranked(
                    loop.run_until_complete(peergraph(u, TOP)), order, fill(), excluded
                ),
            }
            tops10 = {m: lst[:PRECISION_AT] for m, lst in lists.items()}
            own10 = loop.run_until_complete(peergraph(u, PRECISION_AT))
            tops10["PeerGraph"] = ranked(own10, order, fill(), excluded)[:PRECISION_AT]
            t = truth[u]
            for m in METHODS:
                out.hits[m].append(len(t.intersection(lists[m])) / min(TOP, len(t)))
                out.precision[m].append(len(t.intersection(tops10[m])) / PRECISION_AT)
            out.no_common.append(not any(cn[v] > 0 for v in t))
            out.truth_sizes.append(len(t))
    finally:
        loop.close()
    return out


@dataclass(frozen=True, slots=True)
class Estimate:
    mean: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.mean:.4f} [{self.low:.4f}, {self.high:.4f}]"


def bootstrap(
    values: dict[str, list[float]], rows: list[int], resamples: int, seed: int
) -> dict[str, Estimate]:
    """Mean and 95 % interval per method over the authors ``rows``, the same
    resamples for every method; and 'PeerGraph - Adamic-Adar', paired."""
    series = {m: [values[m][i] for i in rows] for m in METHODS}
    series["PeerGraph - Adamic-Adar"] = [
        p - a for p, a in zip(series["PeerGraph"], series["Adamic-Adar"], strict=True)
    ]
    if not rows:
        return {m: Estimate(math.nan, math.nan, math.nan, 0) for m in series}
    rng = random.Random(seed)
    k = len(rows)
    draws = [[rng.randrange(k) for _ in range(k)] for _ in range(resamples)]
    out: dict[str, Estimate] = {}
    for m, xs in series.items():
        means = sorted(sum(xs[i] for i in d) / k for d in draws)
        out[m] = Estimate(
            statistics.fmean(xs),
            means[int(0.025 * (resamples - 1))],
            means[int(0.975 * (resamples - 1))],
            k,
        )
    return out


@dataclass
class Report:
    source: str
    split: int
    train_papers: int
    test_papers: int
    authors_in_graph: int
    authors_with_new: int
    evaluated: int
    no_common: int
    seconds: float
    results: dict[str, dict[str, dict[str, Estimate]]]  # group -> metric -> method
    checks: list[tuple[str, bool, str]]
    host: dict[str, Any]

    def markdown(self) -> str:
        h = self.host
        lines = [
            SECTION_START,
            "## Link prediction (issue 10)",
            "",
            f"Written by `{self.source}`. Time split at {self.split}: {self.train_papers:,} "
            f"papers before it are the graph ({self.authors_in_graph:,} authors), "
            f"{self.test_papers:,} from it on give the truth: {self.authors_with_new:,} authors "
            f"of the graph write with someone new; {self.evaluated:,} of them evaluated, "
            f"{self.no_common:,} of those without a common co-author with any of their new "
            f"co-authors. {self.seconds:.0f} s. Means with 95 % bootstrap intervals over "
            "authors (see bench/README.md for the method).",
            "",
            f"Machine: {h['cores']} cores, {h['cpu']}, Python {h['python']}; "
            f"{h['date']}, commit {h['commit']}"
            + (" with uncommitted changes" if h["uncommitted"] else "")
            + f"; load average {', '.join(map(str, h['load_average']))} when it started.",
            "",
            "Not comparable to OGB's published ogbl-collab figures (Adamic-Adar Hits@50 "
            "0.64): there each true edge is ranked against 100,000 random non-edges, "
            "mostly easy; here each author's new co-authors are ranked against everyone "
            "they have not written with, as a suggestion list would. The order of the "
            "methods is what carries over.",
            "",
        ]
        for group, metrics in self.results.items():
            lines += [f"**{group}**", "", "| method | Hits@50 | precision@10 |", "|---|---|---|"]
            for m in [*METHODS, "PeerGraph - Adamic-Adar"]:
                lines.append(f"| {m} | {metrics['Hits@50'][m]} | {metrics['precision@10'][m]} |")
            lines.append("")
        met = sum(ok for _, ok, _ in self.checks)
        lines.append(f"Targets: {met} of {len(self.checks)} met.")
        lines.append("")
        for name, ok, note in self.checks:
            lines.append(f"- {'met' if ok else '**missed**'}: {name} ({note})")
        lines += ["", SECTION_END]
        return "\n".join(lines)


def checks(results: dict[str, dict[str, dict[str, Estimate]]]) -> list[tuple[str, bool, str]]:
    overall, none = results["all evaluated authors"], results["no common co-author"]
    rnd, aa = overall["Hits@50"]["random"].mean, overall["Hits@50"]["Adamic-Adar"].mean
    pg = overall["Hits@50"]["PeerGraph"].mean
    diff = overall["Hits@50"]["PeerGraph - Adamic-Adar"]
    n_aa, n_pg = none["Hits@50"]["Adamic-Adar"].mean, none["Hits@50"]["PeerGraph"].mean
    n_diff = none["Hits@50"]["PeerGraph - Adamic-Adar"]
    ratio = aa / rnd if rnd > 0 else math.inf
    return [
        ("Adamic-Adar Hits@50 ≥ 10 x random", ratio >= 10, f"{ratio:.1f} x"),
        ("PeerGraph Hits@50 ≥ Adamic-Adar, all authors", pg >= aa,
         f"{pg:.4f} vs {aa:.4f}; difference {diff}"),
        ("PeerGraph Hits@50 > Adamic-Adar, authors without a common co-author", n_pg > n_aa,
         f"{n_pg:.4f} vs {n_aa:.4f}; difference {n_diff}"),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> Report:
    started = time.monotonic()
    host = machine()
    with tempfile.TemporaryDirectory() as tmp:
        if args.works is None:
            spec = GeneratorSpec(args.authors, args.papers, args.authorships,
                                 max(1, args.authors // 50), args.seed)  # fmt: skip
            path = Path(tmp) / "works.jsonl"
            with path.open("w", encoding="utf-8") as out:
                write(spec, out)
            source = (
                f"python -m bench.linkpred --authors {spec.authors} --papers {spec.papers} "
                f"--authorships {spec.authorships} --seed {spec.seed}"
            )
        else:
            path = args.works
            source = f"python -m bench.linkpred --works {path}"
        source += f" --sample {args.sample}"
        print(f"reading {path} …", file=sys.stderr)
        works = list(read_works(path, args.workers))
    split = args.split_year or split_year(works, args.train_share)
    train = [w for w in works if w.year < split]
    test = [w for w in works if w.year >= split]
    graph = TrainGraph(train)
    truth = new_pairs(test, graph)
    print(f"split {split}: {len(train):,} / {len(test):,} papers; evaluating …", file=sys.stderr)
    scores = evaluate(graph, truth, args.sample, args.seed)
    everyone = list(range(len(scores.no_common)))
    groups = {
        "all evaluated authors": everyone,
        "no common co-author": [i for i in everyone if scores.no_common[i]],
    }
    results = {
        g: {
            "Hits@50": bootstrap(scores.hits, rows, args.resamples, args.seed),
            "precision@10": bootstrap(scores.precision, rows, args.resamples, args.seed),
        }
        for g, rows in groups.items()
    }
    return Report(
        source=source,
        split=split,
        train_papers=len(train),
        test_papers=len(test),
        authors_in_graph=len(graph.papers_of),
        authors_with_new=len(truth),
        evaluated=len(everyone),
        no_common=len(groups["no common co-author"]),
        seconds=time.monotonic() - started,
        results=results,
        checks=checks(results),
        host=host,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.linkpred",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--works", type=Path, help="an OpenAlex works file (.jsonl or .jsonl.gz)")
    p.add_argument("--authors", type=int, default=20_000, help="generated: authors")
    p.add_argument("--papers", type=int, default=60_000, help="generated: papers")
    p.add_argument("--authorships", type=int, default=200_000, help="generated: authorships")
    p.add_argument("--seed", type=int, default=7, help="generator, sample and bootstrap seed")
    p.add_argument("--split-year", type=int, help="default: the year ~85 %% of papers precede")
    p.add_argument("--train-share", type=float, default=0.85, help=argparse.SUPPRESS)
    p.add_argument("--sample", type=int, default=1000, help="authors evaluated (default 1000)")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--workers", type=int, default=default_workers(), help="parsing processes")
    p.add_argument("--out", type=Path, help="write the section into this Markdown file")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run(args)
    text = report.markdown()
    print(text)
    if args.out is not None:
        sections.replace(args.out, "linkpred", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
