"""Child processes: timed commands with their own peak memory, and servers.

Every child is a ``python -m …`` of this interpreter, so the pid we hold is
the process that does the work (no console-script wrapper in between) and
its /proc entry and rusage are the figures we report.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    """Progress, on stderr (stdout carries the figures)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int
    seconds: float
    peak_rss_bytes: int
    output: str


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, *args]


def peergraph_cmd(*args: str) -> list[str]:
    """The ``peergraph`` command, as the module it runs (api/cli.py)."""
    return python_cmd("-m", "api.cli", *args)


def child_env(overrides: Mapping[str, str | None]) -> dict[str, str]:
    """This environment with ``overrides`` applied; None removes a variable."""
    env = dict(os.environ)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_timed(cmd: Sequence[str], env: Mapping[str, str], log: Path) -> Finished:
    """Run ``cmd`` to completion: wall time, and the peak RSS of this child alone.

    ``os.wait4`` gives the rusage of the one child it reaps, where
    RUSAGE_CHILDREN would be the maximum over every child so far (the
    generator included).
    """
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Finished(
        returncode=proc.returncode,
        seconds=seconds,
        peak_rss_bytes=_maxrss_bytes(usage.ru_maxrss),
        output=log.read_text(encoding="utf-8", errors="replace"),
    )


def _maxrss_bytes(maxrss: int) -> int:
    # Linux reports kilobytes, macOS bytes.
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status_bytes(pid: int, field: str) -> int | None:
    """A memory line of /proc/<pid>/status (e.g. VmHWM), in bytes; None off Linux."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process (/proc/<pid>/stat); None off Linux."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name may contain spaces; the fields after it are fixed.
    fields = text.rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """A server child on 127.0.0.1:<port>, ready once ``ready_path`` answers 200."""

    def __init__(
        self,
        name: str,
        cmd: Sequence[str],
        env: Mapping[str, str],
        port: int,
        log: Path,
        ready_path: str = "/readyz",
    ) -> None:
        self.name = name
        self.port = port
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}"
        self._cmd = list(cmd)
        self._env = dict(env)
        self._ready_path = ready_path
        self._proc: subprocess.Popen[bytes] | None = None
        self.peak_rss_bytes: int | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise BenchError(f"{self.name} is not running")
        return self._proc.pid

    def start(self, timeout: float = 120.0) -> None:
        with self.log.open("wb") as out:
            self._proc = subprocess.Popen(
                self._cmd, env=self._env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise BenchError(
                        f"{self.name} exited with {self._proc.returncode} during start-up; "
                        f"log {self.log}:\n{self._tail()}"
                    )
                try:
                    if client.get(self.base_url + self._ready_path).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass  # not listening yet
                time.sleep(0.2)
        self.stop()
        raise BenchError(f"{self.name} was not ready within {timeout:.0f} s; log {self.log}")

    def peak_memory_bytes(self) -> int | None:
        """The process's peak resident memory so far (VmHWM)."""
        return proc_status_bytes(self.pid, "VmHWM")

    def cpu_seconds(self) -> float | None:
        return proc_cpu_seconds(self.pid)

    def stop(self) -> None:
        """SIGINT (uvicorn's graceful shutdown, which closes the store), then wait.

        The peak RSS comes from the reaped child's rusage, which holds on every
        POSIX system and covers the shutdown as well.
        """
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            _, status, usage = _wait4(proc.pid, timeout=60.0)
        except TimeoutError:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        self.peak_rss_bytes = _maxrss_bytes(usage.ru_maxrss)

    def _tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _wait4(pid: int, timeout: float) -> tuple[int, int, resource.struct_rusage]:
    deadline = time.monotonic() + timeout
    while True:
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        if reaped:
            return reaped, status, usage
        if time.monotonic() >= deadline:
            raise TimeoutError
        time.sleep(0.05)
