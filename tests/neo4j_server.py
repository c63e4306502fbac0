"""A real Neo4j 5 for the tests: the one NEO4J_URI names, or a throwaway one
started with dev/neo4j/start (needs Java and Maven), or none, with the reason.

Every test that uses it wipes the database first: point NEO4J_URI only at a
database you can lose.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from domain import trust
from graph_store.factory import StoreConfig

ROOT = Path(__file__).resolve().parent.parent
START = ROOT / "dev" / "neo4j" / "start"
STOP = ROOT / "dev" / "neo4j" / "stop"
DEV_PASSWORD = "peergraph-dev"


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str
    database: str = "neo4j"
    port: int | None = None  # set when this process started it (and may stop it)
    data_dir: Path | None = None

    def config(self, data_dir: Path, **overrides: float) -> StoreConfig:
        base = StoreConfig(
            data_dir=data_dir,
            neo4j_uri=self.uri,
            neo4j_user=self.user,
            neo4j_password=self.password,
            neo4j_database=self.database,
            trust_model=trust.MODEL,
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    def env(self) -> dict[str, str]:
        return {
            "NEO4J_URI": self.uri,
            "NEO4J_USER": self.user,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": self.database,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_tools() -> str | None:
    """Why this machine cannot start a Neo4j itself, or None when it can."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found" if missing else None


def start(data_dir: Path, port: int | None = None) -> Neo4jServer:
    """Start a Neo4j on ``port`` (a free one when None) with data in ``data_dir``."""
    port = port or free_port()
    env = {**os.environ, "NEO4J_PORT": str(port), "NEO4J_PASSWORD": DEV_PASSWORD}
    try:
        done = subprocess.run(
            [str(START), str(data_dir)], env=env, capture_output=True, text=True, timeout=600
        )
    except subprocess.TimeoutExpired as e:
        # Killed mid-start (a very slow first Maven build): leave nothing behind.
        subprocess.run([str(STOP)], env=env, capture_output=True, timeout=180)
        raise RuntimeError("dev/neo4j/start took over 600 s") from e
    if done.returncode != 0:
        raise RuntimeError(f"dev/neo4j/start failed ({done.returncode}):\n{done.stderr}")
    uri = done.stdout.strip().splitlines()[-1]
    return Neo4jServer(uri=uri, user="neo4j", password=DEV_PASSWORD, port=port, data_dir=data_dir)


def stop(server: Neo4jServer) -> None:
    if server.port is None:
        raise ValueError("only a server these tests started can be stopped")
    env = {**os.environ, "NEO4J_PORT": str(server.port)}
    subprocess.run([str(STOP)], env=env, check=True, capture_output=True, timeout=180)


def from_environment() -> Neo4jServer | None:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    return Neo4jServer(
        uri=uri,
        user=os.environ.get("NEO4J_USER", "neo4j"),
        password=os.environ.get("NEO4J_PASSWORD", ""),
        database=os.environ.get("NEO4J_DATABASE", "neo4j"),
    )
