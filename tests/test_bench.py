"""The benchmark harness end to end at a tiny size on the embedded store:
every figure is reported and the facts behind it hold. No timing targets:
those are benchmark figures (BENCHMARKS.md), not tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

FIGURES = (
    "import_seconds",
    "import_per_million",
    "import_peak_rss",
    "floor_p50",
    "page_p50",
    "page_p99",
    "page_vs_floor",
    "one_client_throughput",
    "concurrent_p50",
    "concurrent_p99",
    "concurrent_errors",
    "concurrent_throughput",
    "concurrent_speedup",
    "hub_p50",
    "graph_p50",
    "search_p50",
    "typename_throughput",
    "raw_throughput",
    "typename_share",
    "attack_p99",
    "probe_p99",
    "server_peak_memory",
    "flood_quiet_throughput",
    "flood_throughput",
    "flood_ratio",
)
TARGETED = {
    "import_per_million",
    "page_p50",
    "page_vs_floor",
    "concurrent_p99",
    "concurrent_errors",
    "concurrent_speedup",
    "hub_p50",
    "graph_p50",
    "search_p50",
    "typename_share",
    "attack_p99",
    "probe_p99",
    "server_peak_memory",
    "flood_ratio",
}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, str]:
    tmp = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "PEERGRAPH_"))}
    args = ["--authors", "300", "--requests", "10", "--skip-neo4j"]
    args += ["--out", str(tmp / "BENCHMARKS.md"), "--json", str(tmp / "bench.json")]
    args += ["--workdir", str(tmp / "work")]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp / "bench.json").read_text(encoding="utf-8"))
    return report, (tmp / "BENCHMARKS.md").read_text(encoding="utf-8"), done.stdout


def test_every_figure_is_measured_with_its_target(
    bench_run: tuple[dict[str, Any], str, str],
) -> None:
    report, markdown, stdout = bench_run
    figures = report["legs"]["embedded"]["figures"]
    assert set(FIGURES) <= set(figures)
    for key in FIGURES:
        figure = figures[key]
        assert figure["value"] is not None and figure["value"] >= 0, key
        assert (figure["target"] is not None) == (key in TARGETED), key
        assert figure["met"] in ((True, False) if key in TARGETED else (None,)), key
        assert figure["label"] in markdown and figure["label"] in stdout, key
    assert figures["concurrent_errors"]["value"] == 0
    # Every attack request was refused as bad input, and every probe answered.
    for key in ("page_p50", "hub_p50", "graph_p50", "search_p50", "attack_p99", "probe_p99"):
        assert figures[key]["errors"] == 0, key
    assert figures["page_p50"]["value"] <= figures["page_p99"]["value"]


def test_the_facts_behind_the_figures_hold(bench_run: tuple[dict[str, Any], str, str]) -> None:
    report = bench_run[0]
    data = report["dataset"]
    assert (data["works"], data["authorships"]) == (900, 3000)  # 3 papers, 10 authorships/author
    leg = report["legs"]["embedded"]
    checks = leg["checks"]
    expected = ("import_reported", "store_counts", "hub", "typical", "page_is_floor", "hub_api")
    assert set(checks) >= {*expected, "no_errors"}
    assert all(c["ok"] for c in checks.values()), checks
    assert leg["facts"]["hub_papers"] == data["hub_papers"] > leg["facts"]["typical_papers"]
    assert leg["facts"]["typical_papers"] == data["median_papers"]
    assert report["legs"]["neo4j"]["skipped"]


def test_the_report_names_the_machine(bench_run: tuple[dict[str, Any], str, str]) -> None:
    report, markdown, _ = bench_run
    m = report["machine"]
    assert m["cores"] >= 1 and m["python"] and m["date"] and m["cpu"]
    for text in (f"{m['cores']} cores", f"Python {m['python']}", m["date"], "--authors=300"):
        assert text in markdown
