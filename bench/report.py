"""Figures, their targets (issue 7), the machine, and the written report."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.procs import ROOT

MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Target:
    op: Literal["<=", ">=", "=="]
    bound: float

    def met(self, value: float) -> bool:
        if self.op == "<=":
            return value <= self.bound
        if self.op == ">=":
            return value >= self.bound
        return value == self.bound

    def ratio(self, value: float) -> float | None:
        """value ÷ bound: met at ≤ 1 for an upper limit, at ≥ 1 for a lower one."""
        return value / self.bound if self.bound else None

    def text(self, unit: str) -> str:
        sign = {"<=": "≤", ">=": "≥", "==": "="}[self.op]
        return f"{sign} {_number(self.bound, unit)}"


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label: str
    value: float | None
    unit: str
    target: Target | None = None
    note: str = ""
    errors: int = 0  # failed requests in the run behind this figure
    missing: str | None = None  # why there is no value

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if self.value is None:
            return False
        return self.errors == 0 and self.target.met(self.value)

    def row(self) -> list[str]:
        measured = _number(self.value, self.unit) if self.value is not None else "n/a"
        target = self.target.text(self.unit) if self.target else "—"
        ratio = self.target.ratio(self.value) if self.target and self.value is not None else None
        verdict = {None: "", True: "met", False: "**missed**"}[self.met]
        note = self.missing or self.note
        if self.errors:
            note = f"{self.errors} failed requests; {note}"
        return [
            self.label,
            measured,
            target,
            f"{ratio:.2f}" if ratio is not None else "",
            verdict,
            note,
        ]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["met"] = self.met
        return data


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0f} %"
    if unit == "x":
        return f"{value:.2f}x"
    if unit in ("", "errors"):
        return f"{value:.0f}"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


@dataclass(frozen=True, slots=True)
class Check:
    """A fact the run must show whatever the timings (the import counted every
    authorship, the hub has the most papers, the API's page is the floor's)."""

    key: str
    ok: bool
    text: str


@dataclass(slots=True)
class Leg:
    key: str  # "embedded" or "neo4j"
    backend: str  # its title
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    def check(self, key: str, ok: bool, text: str) -> None:
        self.checks.append(Check(key, ok, text))

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.backend,
            "skipped": self.skipped,
            "figures": {f.key: f.as_json() for f in self.figures},
            "checks": {c.key: {"ok": c.ok, "text": c.text} for c in self.checks},
            "facts": self.facts,
        }


def machine() -> dict[str, Any]:
    ram = _mem_total_bytes()
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(ram / 1e9, 1) if ram else None,
        "cpu": _cpu_model(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        # Other work on the machine skews every figure; this says how much there was.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": _git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes to the code measured (the benchmark's own files aside).
        "uncommitted": bool(
            _git("status", "--porcelain", "--", "api", "domain", "graph_store", "seeds")
        ),
    }


def _mem_total_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _table(rows: list[list[str]]) -> str:
    header = ["figure", "measured", "target", "÷ target", "", "notes"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(report: dict[str, Any], legs: list[Leg], command: str) -> str:
    m = report["machine"]
    d = report["dataset"]
    at_default = d["at_default_size"]
    out = [
        "# Benchmarks",
        "",
        f"Written by `{command}` (see [bench/README.md](bench/README.md)). Every figure "
        "below comes from that one run; ratios compare figures measured in it.",
        "",
        "## Machine",
        "",
        f"- {m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']}",
        f"- Python {m['python']}, {m['platform']}",
        f"- load average (1, 5, 15 min) when the run started: "
        f"{', '.join(str(x) for x in m['load_average'])}",
        f"- {m['date']}, commit {m['commit'] or 'unknown'}"
        + (" with uncommitted changes to the code measured" if m["uncommitted"] else ""),
        "",
        "## Dataset",
        "",
        f"`peergraph generate {' '.join(d['flags'])}`: {d['works']:,} works, "
        f"{d['authorships']:,} authorships, {d['authors']:,} authors with a work; "
        f"the top hub has {d['hub_papers']:,} papers, the median author "
        f"{d['median_papers']}; {d['bytes'] / MB:.1f} MB, generated in "
        f"{d['generate_seconds']:.1f} s.",
        "",
    ]
    if not at_default:
        out += [
            "The targets are set for the default size (100k authors, 300k papers, 1M "
            "authorships); at this size met/missed is indicative only. The import "
            "target is judged on the time per 1M authorships, extrapolated linearly.",
            "",
        ]
    out += [
        "`÷ target` is the measured value divided by the target: an upper limit (≤) is "
        "met at 1.00 or less, a lower bound (≥) at 1.00 or more.",
        "",
    ]
    for leg in legs:
        out += [f"## {leg.backend}", ""]
        if leg.skipped:
            out += [f"Not measured: {leg.skipped}", ""]
            continue
        out += [_table([f.row() for f in leg.figures]), ""]
        met = [f for f in leg.figures if f.met is not None]
        missed = [f.label for f in met if not f.met]
        out += [
            f"{len(met) - len(missed)} of {len(met)} targets met"
            + (f"; missed: {', '.join(missed)}." if missed else "."),
            "",
        ]
        if leg.checks:
            out += ["Checks (facts, not timings):", ""]
            out += [f"- {'ok' if c.ok else '**FAILED**'}: {c.text}" for c in leg.checks]
            out += [""]
    return "\n".join(out)


def text_table(legs: list[Leg]) -> str:
    """The figures for a terminal: one aligned block per backend."""
    out = []
    for leg in legs:
        out.append(f"== {leg.backend}")
        if leg.skipped:
            out.append(f"   not measured: {leg.skipped}")
            continue
        rows = [f.row() for f in leg.figures]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for r in rows:
            cells = [r[i].ljust(widths[i]) for i in range(5)]
            out.append("   " + "  ".join(cells) + ("  " + r[5] if r[5] else ""))
        out += [f"   {'ok' if c.ok else 'FAILED'}: {c.text}" for c in leg.checks]
    return "\n".join(out)
