"""BENCHMARKS.md is written by three commands: ``python -m bench`` writes the
whole file, and ``python -m bench.linkpred`` and ``python -m bench.suggest_timing``
each own one marked section in it (``<!-- NAME:start -->`` … ``<!-- NAME:end -->``).
A section is replaced in place, and a whole-file rewrite keeps every marked
section, so no command drops another's figures."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", re.S)


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def kept(text: str) -> list[str]:
    """Every marked section of ``text``, in order."""
    return [m.group(0) for m in _SECTION.finditer(text)]


def replace(path: Path, name: str, section: str) -> None:
    """Put ``section`` (which starts and ends with its markers) in place of
    the section ``name`` of ``path``, or append it; the rest stays."""
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    i, j = text.find(start), text.find(end)
    if i >= 0 and j > i:
        text = text[:i] + section + text[j + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def rewrite(path: Path, whole: str) -> None:
    """Write ``whole`` to ``path``, keeping the marked sections ``path`` had."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = [s for s in kept(old) if s not in whole]
    text = whole.rstrip("\n") + "".join("\n\n" + s for s in sections) + "\n"
    path.write_text(text, encoding="utf-8")
