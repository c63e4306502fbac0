"""The JavaScript tools some tests run: tests/js, pinned by its package-lock.json."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "js"


def js_tools(package: str) -> Path:
    """The directory of ``package`` in tests/js/node_modules, with node on the
    PATH, or a skip (``npm ci --prefix tests/js`` installs them);
    PEERGRAPH_REQUIRE_JS=1 (CI) turns the skip into a failure."""
    installed = JS / "node_modules" / package
    missing = (
        "node is not installed"
        if shutil.which("node") is None
        else f"tests/js/node_modules/{package} is missing: run `npm ci --prefix tests/js`"
        if not installed.is_dir()
        else None
    )
    if missing:
        if os.environ.get("PEERGRAPH_REQUIRE_JS") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return installed
