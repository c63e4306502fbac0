"""`peergraph serve` and other `peergraph` commands as real processes, the
way an operator runs them (from this checkout, with python -m api.cli)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.live import free_port

ROOT = Path(__file__).resolve().parent.parent


def cli_env(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a command on ``data_dir``: embedded unless ``extra``
    names a Neo4j."""
    env = {**os.environ, "PEERGRAPH_DATA_DIR": str(data_dir), "PEERGRAPH_ENV": "test"}
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        env.pop(name, None)
    return {**env, **(extra or {})}


def peergraph(
    *args: str, data_dir: Path, env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """One `peergraph` command, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        env={**cli_env(data_dir, env), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
    )


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def serving(
    data_dir: Path, env: Mapping[str, str] | None = None, log_dir: Path | None = None
) -> Iterator[Server]:
    """`peergraph serve` on a free port, ready (/readyz 200); stopped with
    SIGTERM at the end, as an operator or a container runtime stops it."""
    port = free_port()
    log = (log_dir or data_dir.parent) / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=cli_env(data_dir, env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, server.log_text()
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
