"""Every type, field, argument, input field and enum value of the schema has
a description: graphql-schema-linter's description rules on the exported SDL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from api.schema import schema_sdl
from tests.js_tools import js_tools

RULES = (
    "types-have-descriptions",
    "fields-have-descriptions",
    "arguments-have-descriptions",
    "enum-values-have-descriptions",
    "input-object-values-have-descriptions",
)

# One member of each kind without a description: the rules must find them all.
UNDOCUMENTED = '''
type Query {
  """Documented."""
  a(x: Int): E
  b: Int
}

"""Documented."""
enum E {
  ONE
}

"""Documented."""
input I {
  y: Int
}
'''


def _lint(sdl: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    package = js_tools("graphql-schema-linter")
    bin_path = json.loads((package / "package.json").read_text(encoding="utf-8"))["bin"]
    cli = package / bin_path["graphql-schema-linter"]
    schema = tmp / "schema.graphql"
    schema.write_text(sdl, encoding="utf-8")
    # Run from tmp with the config search starting there, so no stray
    # configuration file adds rules or ignores members.
    return subprocess.run(
        ["node", str(cli), "--config-directory", str(tmp), "--format", "text",
         "--rules", ",".join(RULES), str(schema)],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip


def test_every_schema_member_has_a_description(tmp_path: Path) -> None:
    run = _lint(schema_sdl(), tmp_path)
    assert run.returncode == 0, f"graphql-schema-linter:\n{run.stdout}\n{run.stderr}"
    assert "invalid" not in run.stderr, run.stderr  # a misspelt rule only warns


def test_the_rules_catch_missing_descriptions(tmp_path: Path) -> None:
    run = _lint(UNDOCUMENTED, tmp_path)
    assert run.returncode != 0, run.stdout
    for rule in RULES:
        assert rule in run.stdout, f"{rule} found nothing:\n{run.stdout}\n{run.stderr}"
