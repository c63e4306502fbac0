"""Admin commands that write to the store, and the admin socket that lets
them run while a server holds the embedded store.

LadybugDB lets one process open a database, so while ``peergraph serve``
holds an embedded store, ``peergraph users create`` cannot open it. Instead
of a second writer, the CLI then asks the server: the server listens on a
Unix domain socket in the data directory (``admin.sock``, mode 0600), takes
one JSON request (a command and its arguments), runs the command in its own
process on its own store through the same function the CLI calls directly
(``run``, on a thread of its own, off the event loop), and answers with
the lines to print and the exit code. Only the
server's own Unix user (or root) may connect: the socket's file mode says so
and the server checks the peer's credentials too. Neo4j takes any number of
clients, so there the CLI always talks to the database itself.

Bulk imports (``import openalex``) are not offered over the socket: in
LadybugDB 0.22 a bulk ``COPY`` that fails (a full disk) leaves the
database unusable in the process that ran it, which would be the server,
and each chunk holds the one writer for seconds, longer than a request may
wait. They need the server stopped (graph_store/embedded/bulk.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import socket
import struct
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_store.errors import StoreError, StoreLocked
from graph_store.store import GraphStore
from seeds.parser import SeedParseError

log = logging.getLogger("peergraph.admin")

SOCKET_NAME = "admin.sock"
# Errors an operator can act on: one line, exit code 1, no traceback.
EXPECTED_ERRORS = (StoreError, SeedParseError, FileNotFoundError)
# How long the CLI waits for the server's answer (a seed is one transaction).
ANSWER_TIMEOUT_SECONDS = 300.0
# How long a stopping server lets a running admin command finish.
CLOSE_GRACE_SECONDS = 5.0
_MAX_REQUEST_BYTES = 1024 * 1024
REQUEST_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command prints and its exit code, wherever it ran."""

    code: int = 0
    out: tuple[str, ...] = ()
    err: tuple[str, ...] = ()

    def show(self) -> int:
        for line in self.out:
            print(line)
        for line in self.err:
            print(line, file=sys.stderr)
        return self.code


def failure(message: object, code: int = 1) -> Outcome:
    return Outcome(code, err=(f"peergraph: {message}",))


# --- the commands (one function each, for both paths) ---------------------------


async def seed(store: GraphStore, paths: list[str]) -> Outcome:
    """``peergraph seed``: absolute page paths, or none for the packaged pages."""
    from seeds.loader import default_seed_paths, load_pages

    summary = await load_pages(store, [Path(p) for p in paths] or default_seed_paths())
    return Outcome(out=(summary.describe(),))


async def users_create(
    store: GraphStore, email: str, password: str, display_name: str, moderator: bool
) -> Outcome:
    """``peergraph users create``."""
    from domain.accounts import CreateUserError, create_user_command

    try:
        user = await create_user_command(store, email, password, display_name, moderator)
    except CreateUserError as e:
        return failure(e)
    return Outcome(out=(f"created {user.role.value.lower()} {user.email} ({user.id})",))


COMMANDS: dict[str, Callable[..., Awaitable[Outcome]]] = {
    "seed": seed,
    "users create": users_create,
}


async def run(store: GraphStore, command: str, args: Mapping[str, Any]) -> Outcome:
    """Run ``command`` on ``store``: the CLI on a store it opened, or the server
    on its own for a request from the socket."""
    try:
        return await COMMANDS[command](store, **args)
    except EXPECTED_ERRORS as e:
        return failure(e)


# --- the server's end ---------------------------------------------------------------


def _peer_uid(writer: asyncio.StreamWriter) -> int | None:
    """The connecting process's user id (Linux), or None where unknown."""
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def _request(line: bytes) -> tuple[str, dict[str, Any]] | Outcome:
    """The command and arguments a request names, or the refusal to send."""
    try:
        request = json.loads(line)
        command, args = request["command"], request["args"]
    except (ValueError, TypeError, KeyError):
        return failure("the server got a malformed admin request", 2)
    fn = COMMANDS.get(command) if isinstance(command, str) else None
    if fn is None or not isinstance(args, dict):
        return failure(f"the server does not run {str(command)[:40]!r} (a different version?)", 2)
    try:
        inspect.signature(fn).bind(None, **args)
    except TypeError as e:
        return failure(f"the server cannot run {command!r} with these arguments: {e}", 2)
    return command, args


class AdminSocket:
    """The server's admin socket over its (embedded) store; see the module doc."""

    def __init__(self, path: Path, store: GraphStore) -> None:
        self.path = path
        self._store = store
        self._server: asyncio.Server | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen, replacing a socket file a crashed server left (this process
        holds the database, so no other server can be using it). A failure is
        logged, not raised: the API serves without it."""
        try:
            if self.path.is_socket():
                self.path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                # Created 0600: no moment when another user could connect.
                old = os.umask(0o177)
                try:
                    sock.bind(str(self.path))
                finally:
                    os.umask(old)
                self._server = await asyncio.start_unix_server(
                    self._serve, sock=sock, limit=_MAX_REQUEST_BYTES
                )
            except BaseException:
                sock.close()
                raise
        except OSError as e:
            log.warning(
                "no admin socket at %s (%s): admin commands need the server stopped", self.path, e
            )
            return
        log.info("admin commands accepted on %s", self.path)

    async def close(self) -> None:
        if self._server is None:
            return
        self._server.close()
        self._server = None
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=CLOSE_GRACE_SECONDS)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            outcome = await self._answer(reader, writer)
            writer.write(json.dumps(_encoded(outcome)).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            log.info("admin client went away: %s", e)
        finally:
            self._running.discard(task)
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Outcome:
        try:
            # Read first, so that even a refused client gets its answer.
            line = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT_SECONDS)
        except ValueError:  # over the limit
            return failure("the admin request is too large", 2)
        except TimeoutError:
            return failure(f"no admin request within {REQUEST_TIMEOUT_SECONDS:.0f} s", 2)
        uid = _peer_uid(writer)
        if uid is not None and uid not in (os.geteuid(), 0):
            log.warning("admin socket: refused a process of uid %d", uid)
            return failure("only the server's user may run admin commands")
        parsed = _request(line)
        if isinstance(parsed, Outcome):
            return parsed
        command, args = parsed
        # Never the arguments: they may hold a password.
        log.info("admin command %r (uid %s)", command, uid)
        try:
            # On a thread with an event loop of its own: hashing a password or
            # parsing pages is CPU work that would stall every request on the
            # server's loop. The embedded store takes calls from any loop (its
            # work runs on its own threads, one writer among them).
            return await asyncio.to_thread(asyncio.run, run(self._store, command, args))
        except Exception:
            log.exception("admin command %r failed", command)
            return failure("the server could not run the command; its log says why")


def _encoded(outcome: Outcome) -> dict[str, Any]:
    return {"code": outcome.code, "out": list(outcome.out), "err": list(outcome.err)}


# --- the CLI's end ------------------------------------------------------------------


def ask_server(
    data_dir: Path, command: str, args: Mapping[str, Any], locked: StoreLocked
) -> Outcome:
    """Have the server that holds ``data_dir``'s store run ``command``.

    ``locked`` is why the CLI could not open the store itself; it is part of
    the message when no server answers."""
    path = data_dir / SOCKET_NAME
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(ANSWER_TIMEOUT_SECONDS)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            return Outcome(
                1,
                err=(
                    f"peergraph: {locked}",
                    f"peergraph: and no server answers on {path}: another command holds "
                    "the store; run this once it has finished",
                ),
            )
        except PermissionError:
            return failure(
                f"the store is in use by a server, and its admin socket {path} is not "
                "yours: run this as the user the server runs as"
            )
        except OSError as e:
            return Outcome(
                1,
                err=(
                    f"peergraph: {locked}",
                    f"peergraph: and its admin socket {path} cannot be reached ({e}): "
                    "stop the server to run this",
                ),
            )
        try:
            sock.sendall(json.dumps({"command": command, "args": dict(args)}).encode() + b"\n")
            with sock.makefile("rb") as answers:
                line = answers.readline()
        except TimeoutError:
            return failure(f"the server did not answer within {ANSWER_TIMEOUT_SECONDS:.0f} s")
        except OSError as e:
            return failure(f"the server's admin socket {path} failed: {e}")
    try:
        answer = json.loads(line)
        return Outcome(int(answer["code"]), tuple(answer["out"]), tuple(answer["err"]))
    except (ValueError, TypeError, KeyError):
        return failure(
            "the server closed the admin socket without an answer (stopping?); "
            "check whether the command took effect before running it again"
        )
