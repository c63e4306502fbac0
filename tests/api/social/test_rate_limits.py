"""The abuse throttles (api/throttle.py) through the real app on both store
backends: failed logIns per account and per address, signUps per address,
claims, corrections and invitations per user, PEERGRAPH_RATE_LIMITS=off,
counts shared by two apps through a real redis-server.

Time is a clock the test moves (``clock``), never a sleep: the `limits`
library reads ``time.time()`` in its storage modules, and so does
api/throttle.py; the fixture swaps that one name in each."""

from __future__ import annotations

import asyncio
import threading
import time
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from domain import accounts
from graph_store.records import utcnow
from tests.api.social.helpers import CLAIM_AUTHOR, PASSWORD, SUGGEST, WITHDRAW_CLAIM, World

UNCLAIMED = "author:zhibin-xiao"
ERRORS = "userErrors { field message code retryAfterSeconds }"
LOG_IN = f"""mutation LogIn($input: LogInInput!) {{
  logIn(input: $input) {{ token {ERRORS} }} }}"""
SIGN_UP = f"""mutation SignUp($input: SignUpInput!) {{
  signUp(input: $input) {{ token {ERRORS} }} }}"""
OPEN_CORRECTIONS = "query { openCorrections(first: 50) { totalCount } }"
SEND = """mutation($input: SendInvitationInput!) {
  sendInvitation(input: $input) { userErrors { code retryAfterSeconds } } }"""


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    fake = types.SimpleNamespace(time=c.time)
    for module in (
        "limits.aio.storage.memory",
        "limits.aio.storage.redis.redispy",
        "api.throttle",
    ):
        monkeypatch.setattr(f"{module}.time", fake)
    yield c


def client(app: Any, address: str) -> httpx.AsyncClient:
    """An HTTP client whose requests come from ``address`` (the ASGI client host)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def app_for(world: World, tmp: Path, **settings: Any) -> Any:
    return create_app(Settings(env="test", data_dir=tmp, **settings), world.store)


async def post(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def payload(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    response = await post(http, query, variables, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    (value,) = body["data"].values()
    assert isinstance(value, dict)
    return value


def codes(p: dict[str, Any]) -> list[str]:
    return [e["code"] for e in p["userErrors"]]


async def sign_up(http: httpx.AsyncClient, email: str) -> dict[str, Any]:
    p = await payload(
        http, SIGN_UP, {"input": {"email": email, "password": PASSWORD, "displayName": "Vic"}}
    )
    assert p["userErrors"] == [], p
    return p


def log_in(email: str, password: str) -> dict[str, Any]:
    return {"input": {"email": email, "password": password}}


def unique_email(name: str) -> str:
    # Unique per run: a Redis leg shares its counts with every earlier test.
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


def unique_address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def assert_429(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    retry = int(response.headers["retry-after"])
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfterSeconds": retry}
    assert "try again in" in error["message"]
    return retry


# --- logIn ------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Where the counts live: this process, or a real redis-server."""
    if request.param == "memory":
        return {}
    return {"redis_url": request.getfixturevalue("redis_url")}


async def test_ten_failures_lock_the_account_even_for_the_right_password(
    world: World, tmp_path: Path, clock: Clock, storage: dict[str, Any]
) -> None:
    """The default: 10 failures per account in 15 minutes. The 11th attempt,
    with the right password, is refused without a password check; once the
    oldest failure is 15 minutes old, the right password works again."""
    app = app_for(world, tmp_path, **storage)
    email = unique_email("vic")
    async with client(app, unique_address()) as http, client(app, unique_address()) as other:
        await sign_up(http, email)
        for _ in range(10):
            p = await payload(http, LOG_IN, log_in(email, "wrong password!"))
            assert codes(p) == ["INVALID_INPUT"]
            clock.advance(1)
        for who in (http, other):  # from any address: the account is what is locked
            p = await payload(who, LOG_IN, log_in(email, PASSWORD))
            assert p["token"] is None
            (error,) = p["userErrors"]
            assert error["code"] == "RATE_LIMITED"
            # The first failure was 10 s ago; +1: strictly after the reset (Redis
            # keeps timestamps to 14 digits, so there it may round a second less).
            assert error["retryAfterSeconds"] in (900 - 10, 900 - 10 + 1)
            assert "try again in 15 minutes" in error["message"]
        clock.advance(900 - 10 + 0.5)  # the first failure (only) leaves the window
        p = await payload(http, LOG_IN, log_in(email, PASSWORD))
        assert p["userErrors"] == [] and p["token"]
        # One slot freed, not ten: the next wrong password locks it again.
        p = await payload(http, LOG_IN, log_in(email, "wrong password!"))
        assert codes(p) == ["INVALID_INPUT"]
        p = await payload(http, LOG_IN, log_in(email, PASSWORD))
        assert codes(p) == ["RATE_LIMITED"]


CHANGE_PASSWORD = f"""mutation ChangePassword($input: ChangePasswordInput!) {{
  changePassword(input: $input) {{ token {ERRORS} }} }}"""


async def test_wrong_current_passwords_count_as_failed_log_ins(
    world: World, tmp_path: Path, clock: Clock
) -> None:
    """A stolen token is no password oracle: changePassword's wrong current
    passwords fill the account's logIn window, and once it is full the right
    current password is refused too, as is logIn."""
    app = app_for(world, tmp_path)
    email = unique_email("zoe")
    async with client(app, unique_address()) as http:
        token = (await sign_up(http, email))["token"]
        new = {"newPassword": "a brand new passphrase"}
        for _ in range(10):
            p = await payload(
                http, CHANGE_PASSWORD, {"input": {"currentPassword": "guess!guess", **new}}, token
            )
            assert codes(p) == ["INVALID_INPUT"]
        p = await payload(
            http, CHANGE_PASSWORD, {"input": {"currentPassword": PASSWORD, **new}}, token
        )
        assert codes(p) == ["RATE_LIMITED"] and p["token"] is None
        assert codes(await payload(http, LOG_IN, log_in(email, PASSWORD))) == ["RATE_LIMITED"]
        clock.advance(901)
        p = await payload(
            http, CHANGE_PASSWORD, {"input": {"currentPassword": PASSWORD, **new}}, token
        )
        assert p["userErrors"] == [] and p["token"]


async def test_concurrent_wrong_current_passwords_cannot_overshoot_the_account_limit(
    world: World, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """changePassword checks one current password of an account at a time, as
    logIn does: fifteen guesses sent at once with a stolen token get at most
    the account's 10 password checks, not one each (they would all pass the
    failure limit before the first of them counted)."""
    app = app_for(world, tmp_path, hash_threads=15, hash_queue=0)
    email = unique_email("race")

    def slow(password_hash: str, password: str) -> bool:
        time.sleep(0.5)  # every guess is in before the first check ends
        return False  # a wrong guess, without Argon2's CPU

    async with client(app, unique_address()) as http:
        token = (await sign_up(http, email))["token"]
        monkeypatch.setattr(accounts, "verify_password", slow)
        guess = {"input": {"currentPassword": "guess!guess", "newPassword": "a new passphrase"}}
        answers = await asyncio.gather(
            *(payload(http, CHANGE_PASSWORD, guess, token) for _ in range(15))
        )
        checked = [p for p in answers if codes(p) == ["INVALID_INPUT"]]
        assert all(codes(p) in (["INVALID_INPUT"], ["RATE_LIMITED"]) for p in answers), answers
        assert 1 <= len(checked) <= 10, answers


async def test_log_ins_to_a_suspended_account_count_against_the_address(
    world: World, tmp_path: Path, clock: Clock
) -> None:
    """logIn to a suspended account answers FORBIDDEN after an Argon2 check's
    worth of work, and is no guess (the account's window is untouched); but
    it counts against the address, or one client could keep the hashing pool
    busy for ever with a suspended account's e-mail, never meeting a limit."""
    app = app_for(world, tmp_path, login_failures_per_address="3/15 minutes")
    email = unique_email("gone")
    async with client(app, unique_address()) as http:
        await sign_up(http, email)
        user = await world.store.get_user_by_email(email)
        assert user is not None
        await world.store.suspend_user(user.id, "user:some-moderator", "spam", utcnow())
        for _ in range(3):
            assert codes(await payload(http, LOG_IN, log_in(email, "any password!"))) == [
                "FORBIDDEN"
            ]
        assert_429(await post(http, LOG_IN, log_in(email, "any password!")))


async def test_failures_per_address_refuse_the_whole_request_with_429(
    world: World, tmp_path: Path, clock: Clock
) -> None:
    app = app_for(world, tmp_path, login_failures_per_address="3/15 minutes")
    email = unique_email("ada")
    async with client(app, "10.1.1.1") as guesser, client(app, "10.2.2.2") as neighbour:
        await sign_up(neighbour, email)
        p = await payload(guesser, LOG_IN, log_in(unique_email("a"), "guess number 1"))
        assert codes(p) == ["INVALID_INPUT"]
        # Two in one request: the field that crosses the limit gets a userError.
        two = """mutation($a: LogInInput!, $b: LogInInput!, $c: LogInInput!) {
          a: logIn(input: $a) { userErrors { code } }
          b: logIn(input: $b) { userErrors { code } }
          c: logIn(input: $c) { userErrors { code retryAfterSeconds } } }"""
        variables = {k: log_in(unique_email(k), "guess number 2")["input"] for k in ("a", "b", "c")}
        body = (await post(guesser, two, variables)).json()
        assert [codes(body["data"][k]) for k in "abc"] == [
            ["INVALID_INPUT"],
            ["INVALID_INPUT"],
            ["RATE_LIMITED"],
        ]
        # Now over: refused before anything runs, the right password included.
        clock.advance(60)
        retry = assert_429(await post(guesser, LOG_IN, log_in(email, PASSWORD)))
        assert retry == 900 - 60 + 1  # the first failure was 60 s ago (+1: strictly after)
        # A request without logIn from the same address is served.
        assert (await post(guesser, "{ __typename }", {})).json() == {
            "data": {"__typename": "Query"}
        }
        # Another address is not affected.
        p = await payload(neighbour, LOG_IN, log_in(email, PASSWORD))
        assert p["token"]
        clock.advance(retry)
        p = await payload(guesser, LOG_IN, log_in(email, PASSWORD))
        assert p["token"]


async def test_success_resets_nothing(world: World, tmp_path: Path, clock: Clock) -> None:
    """A guesser signing in to an account of their own between guesses does
    not clear the failures counted against their address."""
    app = app_for(world, tmp_path, login_failures_per_address="2/hour")
    own = unique_email("own")
    async with client(app, unique_address()) as http:
        await sign_up(http, own)
        guess = log_in(unique_email("x"), "guess")
        assert codes(await payload(http, LOG_IN, guess)) == ["INVALID_INPUT"]
        assert (await payload(http, LOG_IN, log_in(own, PASSWORD)))["token"]
        assert codes(await payload(http, LOG_IN, guess)) == ["INVALID_INPUT"]
        assert_429(await post(http, LOG_IN, log_in(own, PASSWORD)))


async def test_one_ipv6_network_is_one_address(world: World, tmp_path: Path, clock: Clock) -> None:
    """An IPv6 client holds a whole /64 (2^64 addresses): the per-address
    limits count the /64, or a new address per guess would never meet them.
    IPv4 addresses stay one each."""
    app = app_for(world, tmp_path, login_failures_per_address="2/15 minutes")
    net = f"2001:db8:{uuid.uuid4().int % 0xFFFF:x}:1"
    for host in (f"{net}::1", f"{net}::2"):
        async with client(app, host) as http:
            p = await payload(http, LOG_IN, log_in(unique_email("nobody"), "wrong password!"))
            assert codes(p) == ["INVALID_INPUT"]
    async with client(app, f"{net}:ffff:ffff:ffff:ffff") as http:
        assert_429(await post(http, LOG_IN, log_in(unique_email("nobody"), "wrong password!")))
    async with client(app, f"2001:db8:{uuid.uuid4().int % 0xFFFF:x}:2::1") as http:
        p = await payload(http, LOG_IN, log_in(unique_email("nobody"), "wrong password!"))
        assert codes(p) == ["INVALID_INPUT"]


def test_address_keys() -> None:
    from api.throttle import address_key

    assert address_key("10.1.2.3") == "10.1.2.3"
    assert address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert address_key("2001:DB8:1:2::7") == "2001:db8:1:2::/64"
    assert address_key("::ffff:10.1.2.3") == "10.1.2.3"
    assert address_key("unknown") == "unknown"


# --- signUp and the per-user limits -------------------------------------------------


async def test_the_twenty_first_sign_up_in_an_hour_is_refused(
    world: World, tmp_path: Path, clock: Clock
) -> None:
    app = app_for(world, tmp_path)
    async with client(app, "10.3.3.3") as http, client(app, "10.4.4.4") as other:
        for n in range(20):
            await sign_up(http, unique_email(f"u{n}"))
            clock.advance(60)
        retry = assert_429(await post(http, SIGN_UP, {"input": {
            "email": unique_email("u21"), "password": PASSWORD, "displayName": "U"}}))  # fmt: skip
        assert retry == 3600 - 20 * 60 + 1
        await sign_up(other, unique_email("elsewhere"))
        clock.advance(retry)
        await sign_up(http, unique_email("u22"))


async def test_thirty_corrections_an_hour_per_user(
    world: World, tmp_path: Path, clock: Clock
) -> None:
    """32 identical suggestions make 30 open corrections, not 32."""
    assert world.moderator is not None
    app = app_for(world, tmp_path)
    suggestion = {
        "input": {
            "targetId": UNCLAIMED,
            "field": "name",
            "proposedValue": "Zhibin Xiao",
            "reason": "As on the paper.",
        }
    }
    async with client(app, unique_address()) as http:
        token = (await sign_up(http, unique_email("fixer")))["token"]
        before = (await world.run(OPEN_CORRECTIONS, token=world.moderator.token))[
            "openCorrections"
        ]["totalCount"]
        answers = [codes(await payload(http, SUGGEST, suggestion, token)) for _ in range(32)]
        assert answers == [[]] * 30 + [["RATE_LIMITED"]] * 2
        after = await world.run(OPEN_CORRECTIONS, token=world.moderator.token)
        assert after["openCorrections"]["totalCount"] == before + 30
        # Invalid input is refused before it counts, and is told so.
        bad = {"input": {**suggestion["input"], "reason": " "}}
        assert codes(await payload(http, SUGGEST, bad, token)) == ["INVALID_INPUT"]


async def test_claims_and_invitations_per_user(world: World, tmp_path: Path, clock: Clock) -> None:
    app = app_for(world, tmp_path, claims_per_user="2/hour", invitations_per_user="1/hour")
    async with client(app, unique_address()) as http:
        token = (await sign_up(http, unique_email("claimer")))["token"]
        claim = {"input": {"authorId": UNCLAIMED, "evidence": "ORCID 0000-0002"}}
        for _ in range(2):  # filed and withdrawn: two filings all the same
            p = await payload(http, CLAIM_AUTHOR, claim, token)
            assert p["userErrors"] == []
            w = await payload(http, WITHDRAW_CLAIM, {"claimId": p["claim"]["id"]}, token)
            assert w["userErrors"] == []
        p = await payload(http, CLAIM_AUTHOR, claim, token)
        assert codes(p) == ["RATE_LIMITED"] and p["claim"] is None
        # Every attempt that passed the input checks counts, refused by the store or not.
        invite = {"input": {"recipientId": "author:hangbo-bao", "message": "Hello"}}
        first = await payload(http, SEND, invite, token)
        assert codes(first) == ["FORBIDDEN"]  # no verified claim
        second = await payload(http, SEND, invite, token)
        assert codes(second) == ["RATE_LIMITED"]
        assert second["userErrors"][0]["retryAfterSeconds"] == 3600 + 1


async def test_off_switch(world: World, tmp_path: Path, clock: Clock) -> None:
    """PEERGRAPH_RATE_LIMITS=off: none of the throttles, however small."""
    settings = Settings.from_env(
        {
            "PEERGRAPH_ENV": "test",
            "PEERGRAPH_DATA_DIR": str(tmp_path),
            "PEERGRAPH_RATE_LIMITS": "off",
            "PEERGRAPH_LOGIN_FAILURES_PER_ACCOUNT": "1/hour",
            "PEERGRAPH_LOGIN_FAILURES_PER_ADDRESS": "1/hour",
            "PEERGRAPH_SIGN_UPS_PER_ADDRESS": "1/hour",
            "PEERGRAPH_CORRECTIONS_PER_USER": "1/hour",
        }
    )
    app = create_app(settings, world.store)
    email = unique_email("free")
    async with client(app, unique_address()) as http:
        await sign_up(http, email)
        token = (await sign_up(http, unique_email("free2")))["token"]
        for _ in range(3):
            assert codes(await payload(http, LOG_IN, log_in(email, "wrong password"))) == [
                "INVALID_INPUT"
            ]
        assert (await payload(http, LOG_IN, log_in(email, PASSWORD)))["token"]
        suggestion = {"input": {"targetId": UNCLAIMED, "field": "name",
                                "proposedValue": "Z. Xiao", "reason": "Shorter."}}  # fmt: skip
        for _ in range(2):
            assert codes(await payload(http, SUGGEST, suggestion, token)) == []


# --- several server processes ---------------------------------------------------------


async def test_two_apps_share_counts_through_redis(
    world: World, tmp_path: Path, clock: Clock, redis_url: str
) -> None:
    """Two apps on one PEERGRAPH_REDIS_URL, as two server processes: failures
    counted by either lock the account and the address on both."""
    settings = {
        "redis_url": redis_url,
        "login_failures_per_account": "2/15 minutes",
        "login_failures_per_address": "3/15 minutes",
    }
    app_a, app_b = app_for(world, tmp_path, **settings), app_for(world, tmp_path, **settings)
    email, address = unique_email("shared"), unique_address()
    async with client(app_a, address) as a, client(app_b, address) as b:
        await sign_up(a, email)
        assert codes(await payload(a, LOG_IN, log_in(email, "wrong one"))) == ["INVALID_INPUT"]
        assert codes(await payload(b, LOG_IN, log_in(email, "wrong two"))) == ["INVALID_INPUT"]
        for http in (a, b):
            assert codes(await payload(http, LOG_IN, log_in(email, PASSWORD))) == ["RATE_LIMITED"]
        assert codes(await payload(b, LOG_IN, log_in(unique_email("z"), "x"))) == ["INVALID_INPUT"]
        assert_429(await post(a, LOG_IN, log_in(email, PASSWORD)))


# --- the hashing pool -------------------------------------------------------------------


async def test_a_full_hashing_pool_answers_at_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One hashing thread, no waiting line: while a password check holds the
    thread, another logIn or signUp is refused at once (RATE_LIMITED), not
    queued behind it; reads are served meanwhile."""
    app = app_for(world, tmp_path, hash_threads=1, hash_queue=0)
    email = unique_email("busy")
    running, release = threading.Event(), threading.Event()
    real = accounts.verify_password

    def held(password_hash: str, password: str) -> bool:
        running.set()
        assert release.wait(10)
        return real(password_hash, password)

    async with client(app, unique_address()) as http:
        await sign_up(http, email)
        monkeypatch.setattr(accounts, "verify_password", held)
        first = asyncio.create_task(payload(http, LOG_IN, log_in(email, PASSWORD)))
        try:
            assert await asyncio.to_thread(running.wait, 10)
            refused = [
                await payload(http, LOG_IN, log_in(unique_email("other"), "x")),
                await payload(http, SIGN_UP, {"input": {
                    "email": unique_email("new"), "password": PASSWORD, "displayName": "N"}}),
            ]  # fmt: skip
            for p in refused:
                (error,) = p["userErrors"]
                assert error["code"] == "RATE_LIMITED" and error["retryAfterSeconds"] == 1
                assert "busy checking passwords" in error["message"]
            assert (await post(http, "{ __typename }", {})).json()["data"]
        finally:
            release.set()
        assert (await first)["token"]
