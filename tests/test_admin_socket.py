"""Operators can work while it serves (issue 9, item 8): `peergraph users
create`, `seed` and the other admin commands run while `peergraph serve`
holds the store, on both backends. On the embedded store they go through the
server's admin socket (api/admin.py), never a second writer; on Neo4j the
command is a client of its own. Real processes throughout."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.admin import SOCKET_NAME
from seeds.loader import default_seed_paths
from tests.api.conftest import GraphQLClient
from tests.conftest import BACKENDS, open_backend
from tests.live_process import ROOT, cli_env, peergraph, serving
from tests.neo4j_server import Neo4jServer

MIA = ("--email", "mia@example.org", "--password", "moderator-password")
MODERATOR = ("users", "create", *MIA, "--display-name", "Mia Moderator", "--moderator")

SIGN_UP = """mutation ($input: SignUpInput!) { signUp(input: $input) {
  token userErrors { code } } }"""
LOG_IN = """mutation ($input: LogInInput!) { logIn(input: $input) { token userErrors { code } } }"""
CLAIM = """mutation ($input: ClaimAuthorInput!) { claimAuthor(input: $input) {
  claim { id status } userErrors { code } } }"""
PENDING = "{ pendingClaims(first: 20) { edges { node { id author { id } } } } }"
REVIEW = """mutation ($input: ReviewClaimInput!) { reviewClaim(input: $input) {
  claim { status author { claimStatus } } userErrors { code } } }"""


def _member(email: str, password: str = "correct horse battery") -> tuple[str, ...]:
    return ("users", "create", "--email", email, "--password", password, "--display-name", "M")


AUTHOR = "query ($slug: String!) { author(slug: $slug) { id name } }"


async def _moderator_verifies_a_claim(url: str) -> None:
    """Mia (made by the CLI) logs in to the running server and verifies Ada's claim."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        gql = GraphQLClient(http)
        ada_input = {"email": "ada@example.org", "password": "correct horse battery"}
        ada = (await gql.data(SIGN_UP, {"input": {**ada_input, "displayName": "Ada"}}))["signUp"]
        claim_input = {"authorId": "author:hangbo-bao", "evidence": "ORCID 0000-0002-1825-0097"}
        claim = (await gql.data(CLAIM, {"input": claim_input}, ada["token"]))["claimAuthor"]
        assert claim["claim"]["status"] == "PENDING", claim
        login = {"email": MIA[1], "password": MIA[3]}
        mia = (await gql.data(LOG_IN, {"input": login}))["logIn"]
        assert mia["userErrors"] == [] and mia["token"]
        pending = (await gql.data(PENDING, token=mia["token"]))["pendingClaims"]["edges"]
        assert [e["node"]["id"] for e in pending] == [claim["claim"]["id"]]
        review = {"claimId": claim["claim"]["id"], "approve": True, "note": "ORCID matches"}
        decided = (await gql.data(REVIEW, {"input": review}, mia["token"]))["reviewClaim"]
        assert decided["userErrors"] == []
        assert decided["claim"] == {"status": "VERIFIED", "author": {"claimStatus": "CLAIMED"}}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_moderator_made_while_serving_can_moderate(
    backend: str, tmp_path: Path, neo4j: Neo4jServer | str
) -> None:
    data_dir = tmp_path / "data"
    env: dict[str, str] = {}
    if backend == "neo4j":
        await (await open_backend("neo4j", data_dir, neo4j)).close()  # wiped, empty
        assert not isinstance(neo4j, str)
        env = neo4j.env()
    with serving(data_dir, env) as server:
        made = peergraph(*MODERATOR, data_dir=data_dir, env=env)
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith("created moderator mia@example.org (user:"), made.stdout
        await _moderator_verifies_a_claim(server.url)

        # A second seed while serving: the packaged pages, all already there.
        seeded = peergraph("seed", data_dir=data_dir, env=env)
        assert seeded.returncode == 0, seeded.stderr
        assert "15 authors (0 new, 15 already present)" in seeded.stdout

        socket_file = data_dir / SOCKET_NAME
        if backend == "embedded":
            # Through the server: its log names both commands (never their arguments).
            log = server.log_text()
            assert "admin command 'users create'" in log and "admin command 'seed'" in log
            assert "moderator-password" not in log
            assert socket_file.is_socket()
        else:
            assert not socket_file.exists()  # Neo4j: the CLI is a client of its own
    assert not socket_file.exists()  # removed at shutdown


def _renamed_page(folder: Path) -> Path:
    """A packaged page with its researcher renamed: one new author to seed."""
    first = sorted(default_seed_paths())[0]
    text = first.read_text(encoding="utf-8").replace("Binxing Jiao", "Zora Quint")
    folder.mkdir()
    page = folder / "zora.txt"
    page.write_text(text, encoding="utf-8")
    return page


def _bad_page(folder: Path) -> Path:
    page = folder / "bad.txt"
    page.write_text("not a researcher page\n", encoding="utf-8")
    return page


async def test_commands_through_the_server_answer_as_they_do_directly(tmp_path: Path) -> None:
    """Same stdout, stderr and exit code through the socket as without a
    server, for successes and for the operator's mistakes; a relative path
    is the caller's, not the server's."""
    data_dir = tmp_path / "data"
    _renamed_page(tmp_path / "pages")
    bad = _bad_page(tmp_path / "pages")
    mistakes = [
        ("seed", str(bad)),
        ("seed", str(tmp_path / "missing.txt")),
        ("users", "create", *MIA, "--display-name", "Mia Again"),  # e-mail taken
        _member("x@example.org", password="short"),  # a password refused
    ]
    peergraph(*MODERATOR, data_dir=data_dir)  # before any server: direct
    direct = [peergraph(*args, data_dir=data_dir) for args in mistakes]

    with serving(data_dir) as server:
        seeded = peergraph("seed", "pages/zora.txt", data_dir=data_dir, cwd=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        assert seeded.stdout.startswith("1 page(s): ") and "(1 new, " in seeded.stdout
        async with httpx.AsyncClient(base_url=server.url) as http:
            zora = await GraphQLClient(http).data(AUTHOR, {"slug": "zora-quint"})
        assert zora["author"]["name"] == "Zora Quint"

        served = [peergraph(*args, data_dir=data_dir) for args in mistakes]
        for before, now in zip(direct, served, strict=True):
            assert before.returncode == now.returncode != 0, now.args
            assert (before.stdout, before.stderr) == (now.stdout, now.stderr)
            assert now.stderr.startswith("peergraph: "), now.stderr
        assert server.log_text().count("admin command 'seed'") == 3

        # A bulk import is refused while serving, saying why and what to do.
        works = tmp_path / "works.jsonl"
        works.write_text("{}\n", encoding="utf-8")
        imported = peergraph("import", "openalex", str(works), data_dir=data_dir)
        assert imported.returncode == 1
        assert "is in use by another process" in imported.stderr
        assert "a bulk import needs the embedded store to itself: stop the server" in (
            imported.stderr
        )
        # And the server serves on, writes included.
        again = peergraph(*_member("eve@example.org"), data_dir=data_dir)
        assert again.returncode == 0, again.stderr


def _stale_socket(path: Path) -> None:
    """What a killed server leaves: a socket file nobody listens on."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()
    assert path.is_socket()


async def test_a_stale_socket_breaks_neither_the_direct_path_nor_the_next_server(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _stale_socket(data_dir / SOCKET_NAME)
    made = peergraph(*MODERATOR, data_dir=data_dir)  # no server: opens the store itself
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("created moderator mia@example.org")

    assert (data_dir / SOCKET_NAME).is_socket()  # the direct path leaves it alone
    with serving(data_dir) as server:  # replaces the stale file and answers on it
        await _moderator_verifies_a_claim(server.url)
        bob = peergraph(*_member("bob@example.org"), data_dir=data_dir)
        assert bob.returncode == 0, bob.stderr
        assert "admin command 'users create'" in server.log_text()


def test_a_store_held_by_another_command_says_so(tmp_path: Path) -> None:
    """Locked, but not by a server (nothing answers on the socket): one clear
    error, nothing written."""
    data_dir = tmp_path / "data"
    assert peergraph("seed", data_dir=data_dir).returncode == 0
    _stale_socket(data_dir / SOCKET_NAME)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, ladybug; db = ladybug.Database(sys.argv[1]); "
         "ladybug.Connection(db).execute('RETURN 1'); print('held', flush=True); sys.stdin.read()",
         str(data_dir / "peergraph.lbdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        made = peergraph(*MODERATOR, data_dir=data_dir)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert made.returncode == 1 and made.stdout == ""
    lines = made.stderr.splitlines()
    assert "is in use by another process" in lines[0]
    assert "no server answers on" in made.stderr and "another command holds the store" in (
        made.stderr
    )
    # Once it is free the same command opens the store itself.
    assert peergraph(*MODERATOR, data_dir=data_dir).returncode == 0


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A data directory every user may reach (pytest's tmp dirs are 0700, which
    would keep another user out before the socket's own mode is tried)."""
    parent = Path(tempfile.mkdtemp(prefix="peergraph-admin-"))
    parent.chmod(0o755)
    try:
        yield parent
    finally:
        shutil.rmtree(parent, ignore_errors=True)


_CONNECT = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    print("denied")
    sys.exit()
s.sendall(b'{"command": "users create", "args": {}}\\n')
print(s.makefile().readline().strip())
"""


def _as_nobody(path: Path) -> str:
    # A system Python: this one may live where nobody can reach (/root/.pyenv).
    python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3 to run as another user")
    done = subprocess.run(
        [python, "-I", "-c", _CONNECT, str(path)],
        user=65534,
        group=65534,
        extra_groups=[],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_only_the_servers_user_may_use_the_socket(open_dir: Path, tmp_path: Path) -> None:
    data_dir = open_dir / "data"
    data_dir.mkdir(mode=0o755)
    with serving(data_dir, log_dir=tmp_path) as server:
        path = data_dir / SOCKET_NAME
        mode = path.stat()
        assert stat.S_ISSOCK(mode.st_mode) and stat.S_IMODE(mode.st_mode) == 0o600
        assert mode.st_uid == os.geteuid()
        assert _as_nobody(path) == "denied"

        # Were the mode loosened, the server still checks who is calling.
        path.chmod(0o666)
        answer = json.loads(_as_nobody(path))
        assert answer["code"] == 1
        assert answer["err"] == ["peergraph: only the server's user may run admin commands"]
        assert "refused a process of uid 65534" in server.log_text()

        # A request that is not one (its owner's typo, another version): code 2.
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(path))
            s.sendall(b"not json\n")
            malformed = json.loads(s.makefile().readline())
        assert malformed["code"] == 2 and "malformed" in malformed["err"][0]


async def test_a_command_through_the_server_does_not_stall_its_requests(tmp_path: Path) -> None:
    """Making a user hashes a password (most of a second of CPU): the server
    does that off its event loop, so requests keep being answered."""
    data_dir = tmp_path / "data"
    with serving(data_dir) as server:
        commands = [
            subprocess.Popen(
                [sys.executable, "-m", "api.cli", *_member(f"m{i}@example.org")],
                cwd=ROOT,
                env=cli_env(data_dir),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for i in range(3)
        ]
        latencies: list[float] = []
        async with httpx.AsyncClient(base_url=server.url) as http:
            while any(c.poll() is None for c in commands):
                started = time.monotonic()
                assert (await http.get("/healthz")).status_code == 200
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.02)
        assert [c.returncode for c in commands] == [0, 0, 0]
        assert server.log_text().count("admin command 'users create'") == 3
    assert latencies and max(latencies) < 0.5, sorted(latencies)[-5:]
