"""The link-prediction benchmark, run tiny: facts about its output, not timings."""

from __future__ import annotations

import re
from pathlib import Path

from bench import linkpred
from seeds.openalex_generator import GeneratorSpec, write

ARGS = ["--sample", "80", "--resamples", "50", "--workers", "0"]


def test_the_benchmark_writes_its_section_and_keeps_the_rest(tmp_path: Path) -> None:
    works = tmp_path / "works.jsonl"
    with works.open("w", encoding="utf-8") as out:
        write(GeneratorSpec(authors=600, papers=1800, authorships=6000, institutions=12), out)
    report_file = tmp_path / "BENCHMARKS.md"
    report_file.write_text("# Benchmarks\n\n## Embedded store\n\nkept as it is\n")
    for _ in range(2):  # a second run replaces the section, not appends another
        assert linkpred.main(["--works", str(works), *ARGS, "--out", str(report_file)]) == 0
    text = report_file.read_text()
    assert text.startswith("# Benchmarks\n\n## Embedded store\n\nkept as it is\n")
    assert text.count(linkpred.SECTION_START) == 1 == text.count(linkpred.SECTION_END)
    for method in linkpred.METHODS:
        rows = re.findall(rf"^\| {re.escape(method)} \| (.+) \| (.+) \|$", text, re.M)
        assert len(rows) == 2, method  # all authors, and those without a common co-author
        for cells in rows:
            for cell in cells:
                mean, low, high = map(float, re.findall(r"[-\d.]+", cell))
                assert 0 <= low <= mean <= high <= 1
    assert "Targets: " in text and "Adamic-Adar Hits@50" in text


def test_the_split_and_the_truth_follow_time(tmp_path: Path) -> None:
    works = tmp_path / "works.jsonl"
    with works.open("w", encoding="utf-8") as out:
        write(GeneratorSpec(authors=300, papers=900, authorships=3000, institutions=6), out)
    read = list(linkpred.read_works(works, 0))
    year = linkpred.split_year(read, 0.85)
    train = [w for w in read if w.year < year]
    test = [w for w in read if w.year >= year]
    assert 0.8 <= len(train) / len(read) <= 0.9
    graph = linkpred.TrainGraph(train)
    truth = linkpred.new_pairs(test, graph)
    assert truth
    for u, partners in truth.items():
        assert u in graph.papers_of and u not in partners
        assert not partners & graph.profile(u).coauthors.keys()  # new pairs only
        assert all(u in truth[v] for v in partners)
    # Authors join over time: some write first after the split.
    assert {a for w in test for a in w.authors} - graph.papers_of.keys()
