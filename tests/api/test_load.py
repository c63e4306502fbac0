"""bench/mixed.py, small: five clients for three seconds against the app on
each backend (no error, no lost write, a report with its figures), and the
command itself over real HTTP against a served app."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.settings import Settings
from bench.mixed import MIX, WRITES, run_load
from tests.api.conftest import client_for, seeded_store
from tests.api.live import serving
from tests.conftest import BACKENDS
from tests.neo4j_server import Neo4jServer

ROOT = Path(__file__).resolve().parents[2]


def settings(tmp: Path) -> Settings:
    # As the README says to run it: the abuse throttles off (the product's own
    # rules stay on).
    return Settings.from_env(
        {"PEERGRAPH_ENV": "test", "PEERGRAPH_DATA_DIR": str(tmp), "PEERGRAPH_RATE_LIMITS": "off"}
    )


@pytest.fixture(params=BACKENDS)
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, neo4j: Neo4jServer | str
) -> AsyncIterator[Any]:
    store = await seeded_store(tmp_path, request.param, neo4j)
    try:
        yield create_app(settings(tmp_path), store)
    finally:
        await store.close()


async def test_mixed_load_loses_nothing(app: Any) -> None:
    async with client_for(app) as http:
        report = await run_load(http, clients=5, seconds=3)
    assert report.errors == 0, report.error_examples
    assert report.lost_writes == 0, report.lost_examples
    assert report.ok and report.clients == 5 and report.seconds >= 3
    # Each client asks at least once; how many more depends on the machine.
    assert report.requests >= 5 and report.throughput > 0
    assert 0 < report.p50_ms <= report.p95_ms <= report.p99_ms
    assert set(report.by_kind) == set(MIX)
    assert sum(row["requests"] for row in report.by_kind.values()) == report.requests
    # The untimed warm-up writes once of each kind, so some writes are always read back.
    writes = sum(report.by_kind[k]["requests"] for k in WRITES)
    assert report.writes_acknowledged >= 2 and writes <= report.writes_acknowledged
    assert set(report.as_dict()) >= {"throughput", "p50_ms", "p95_ms", "p99_ms", "errors",
                                     "lost_writes"}  # fmt: skip


async def test_the_command_over_http(tmp_path: Path) -> None:
    store = await seeded_store(tmp_path)
    try:
        async with serving(create_app(settings(tmp_path), store)) as url:
            out = tmp_path / "report.json"
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.mixed", "--url", url, "--clients", "3",
                "--seconds", "2", "--json", str(out),
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            stdout, stderr = await asyncio.wait_for(child.communicate(), 120)
    finally:
        await store.close()
    assert child.returncode == 0, (stdout.decode(), stderr.decode())
    text = stdout.decode()
    assert "3 clients for" in text and "lost: 0" in text, text
    report = json.loads(out.read_text())
    assert report["errors"] == 0 and report["lost_writes"] == 0 and report["requests"] > 0
