"""The README's two commands are the ones CI runs and the project provides."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(python3 -m venv .*)\n```", readme)[:2]


def test_the_first_two_commands_serve_and_test() -> None:
    serve, test = _commands()
    assert serve.endswith("pip install -e . && peergraph serve")
    assert 'pip install -e ".[test]"' in test and test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test = _commands()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines
