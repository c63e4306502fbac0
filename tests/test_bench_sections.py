"""BENCHMARKS.md has three writers; none drops another's figures. And the
suggestion timing, run tiny on a real embedded store, writes its section."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bench import sections, suggest_timing
from graph_store.embedded.store import EmbeddedGraphStore
from seeds.openalex_generator import GeneratorSpec, write
from seeds.openalex_import import import_openalex

LINKPRED = "<!-- linkpred:start -->\n## Link prediction\n\n0.09\n<!-- linkpred:end -->"


def test_a_whole_rewrite_keeps_the_marked_sections(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text(f"# Benchmarks\n\nold figures\n\n{LINKPRED}\n", encoding="utf-8")
    sections.rewrite(out, "# Benchmarks\n\nnew figures\n")
    assert out.read_text(encoding="utf-8") == f"# Benchmarks\n\nnew figures\n\n{LINKPRED}\n"
    # A section the new text carries itself is not added twice.
    sections.rewrite(out, f"# Benchmarks\n\n{LINKPRED}\n")
    assert out.read_text(encoding="utf-8").count("linkpred:start") == 1


def test_a_section_is_replaced_in_place(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    out.write_text(f"# Benchmarks\n\n{LINKPRED}\n\ntail\n", encoding="utf-8")
    start, end = sections.markers("linkpred")
    sections.replace(out, "linkpred", f"{start}\nnew\n{end}")
    assert out.read_text(encoding="utf-8") == f"# Benchmarks\n\n{start}\nnew\n{end}\n\ntail\n"
    sections.replace(out, "suggest", "<!-- suggest:start -->\nS\n<!-- suggest:end -->")
    assert sections.kept(out.read_text(encoding="utf-8"))[1].startswith("<!-- suggest:start")
    # Names with a hyphen (one section per store) are kept too.
    neo4j = "<!-- suggest-neo4j:start -->\nN\n<!-- suggest-neo4j:end -->"
    sections.replace(out, "suggest-neo4j", neo4j)
    sections.rewrite(out, "# Benchmarks\n\nnew\n")
    assert sections.kept(out.read_text(encoding="utf-8"))[2] == neo4j


def test_suggestion_timing_writes_its_section(tmp_path: Path) -> None:
    works = tmp_path / "works.jsonl"
    with works.open("w", encoding="utf-8") as f:
        write(GeneratorSpec(authors=300, papers=900, authorships=3000, institutions=6), f)
    data_dir = tmp_path / "db"

    async def load() -> None:
        store = EmbeddedGraphStore(data_dir)
        await store.initialize()
        await import_openalex(store, [works], workers=0)
        await store.close()

    asyncio.run(load())
    out = tmp_path / "BENCHMARKS.md"
    out.write_text(f"# Benchmarks\n\n{LINKPRED}\n", encoding="utf-8")
    argv = ["--data-dir", str(data_dir), "--author", "author:openalex-a1", "--runs", "2"]
    assert suggest_timing.main([*argv, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert LINKPRED in text
    (row,) = re.findall(
        r"^\| author:openalex-a1 \| (\d+) \| (\d+) \| (\d+) / (\d+) ms .*$", text, re.M
    )
    papers, close, p50, p90 = map(int, row)
    assert papers > 0 and close > 0 and 0 <= p50 <= p90
