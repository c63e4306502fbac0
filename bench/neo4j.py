"""The Neo4j leg's database: the one NEO4J_URI names (wiped only when asked),
or a throwaway one started with dev/neo4j/start, as the test suite does
(tests/neo4j_server.py)."""

from __future__ import annotations

import argparse
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import floor
from bench.leg import Backend
from bench.procs import ROOT, child_env, free_port, say

START = ROOT / "dev" / "neo4j" / "start"
STOP = ROOT / "dev" / "neo4j" / "stop"
DEV_PASSWORD = "peergraph-dev"  # what dev/neo4j/start sets by default (and the tests use)
WIPE_BATCH = "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*)"


@contextmanager
def neo4j_backend(
    args: argparse.Namespace, work: Path
) -> Iterator[tuple[Backend | None, str | None]]:
    """The Neo4j to measure, or None and why not; a throwaway one is stopped
    when the block ends."""
    if args.skip_neo4j:
        yield None, "skipped (--skip-neo4j)"
    elif args.neo4j:
        with _throwaway(work) as found:
            yield found
    else:
        yield _from_environment(args.neo4j_wipe, work)


@contextmanager
def _throwaway(work: Path) -> Iterator[tuple[Backend | None, str | None]]:
    port = free_port()
    env = child_env({"NEO4J_PORT": str(port), "NEO4J_PASSWORD": DEV_PASSWORD})
    say(f"starting a throwaway Neo4j on port {port} (dev/neo4j/start)")
    try:
        done = subprocess.run(
            [str(START), str(work / "neo4j")], env=env, capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        subprocess.run([str(STOP)], env=env, capture_output=True, timeout=180)
        yield None, "dev/neo4j/start took over 900 s"
        return
    if done.returncode != 0:
        yield None, f"dev/neo4j/start failed: {done.stderr.strip()[-500:]}"
        return
    uri = done.stdout.strip().splitlines()[-1]
    pid_file = ROOT / "dev" / "neo4j" / "run" / f"neo4j-{port}.pid"
    jvm_pid = int(pid_file.read_text().strip()) if pid_file.exists() else None
    try:
        yield _backend(uri, "neo4j", DEV_PASSWORD, "neo4j", work, jvm_pid), None
    finally:
        say("stopping the throwaway Neo4j")
        subprocess.run([str(STOP)], env=env, capture_output=True, timeout=180)


def _from_environment(wipe: bool, work: Path) -> tuple[Backend | None, str | None]:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None, "NEO4J_URI is not set (--neo4j starts a throwaway one with dev/neo4j/start)"
    backend = _backend(
        uri,
        os.environ.get("NEO4J_USER", "neo4j"),
        os.environ.get("NEO4J_PASSWORD", ""),
        os.environ.get("NEO4J_DATABASE", "neo4j"),
        work,
        None,
    )
    engine = backend.open_engine()
    assert isinstance(engine, floor.Neo4jEngine)
    try:
        held = int(engine.rows("MATCH (n) RETURN count(n)", {})[0][0])
        if held and not wipe:
            return None, (
                f"NEO4J_URI's database holds {held:,} nodes; the import is timed from an "
                "empty one (--neo4j-wipe empties it)"
            )
        if held:
            say(f"wiping {held:,} nodes from {uri} (--neo4j-wipe)")
            while engine.write(WIPE_BATCH, {})[0][0]:
                pass
    finally:
        engine.close()
    return backend, None


def _backend(
    uri: str, user: str, password: str, database: str, work: Path, jvm_pid: int | None
) -> Backend:
    def open_engine() -> floor.Neo4jEngine:
        return floor.Neo4jEngine(uri, user, password, database)

    def replan() -> None:
        # README, Known limits: right after a bulk load the planner's index
        # statistics lag until this (or Neo4j's background resampling) runs.
        engine = open_engine()
        try:
            engine.write("CALL db.prepareForReplanning()", {})
        finally:
            engine.close()

    return Backend(
        key="neo4j",
        title="Neo4j 5",
        env={
            "NEO4J_URI": uri,
            "NEO4J_USER": user,
            "NEO4J_PASSWORD": password,
            "NEO4J_DATABASE": database,
            "PEERGRAPH_DATA_DIR": str(work / "neo4j-peergraph"),
        },
        open_engine=open_engine,
        after_import=replan,
        jvm_pid=jvm_pid,
        facts={"uri": uri, "started_by_bench": jvm_pid is not None},
    )
