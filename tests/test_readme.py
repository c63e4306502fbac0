"""The README's two commands are the ones CI runs and the project provides,
and every GraphQL example in it is one named operation (its variables in a
JSON block right after it) that runs as pasted: the walkthrough is replayed
against the real app on a seeded embedded store, in the README's order."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, build_schema, parse, validate

from api.app import create_app
from api.schema import schema_sdl
from api.settings import Settings
from domain.accounts import create_user_command
from tests.api.conftest import GraphQLClient, client_for, seeded_store
from tests.live_process import peergraph, serving

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(python3 -m venv .*)\n```", readme)[:2]


def test_the_first_two_commands_serve_and_test() -> None:
    serve, test = _commands()
    assert serve.endswith("pip install -e . && peergraph serve")
    assert 'pip install -e ".[test]"' in test and test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test = _commands()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines


# --- every GraphQL example runs as pasted ---------------------------------------

PLACEHOLDER = "…"  # an id the reader copies from an earlier step's answer


@dataclass(frozen=True)
class Example:
    """One ```graphql block of the README, with the ```json block of its
    variables right after it (when it has any)."""

    name: str
    document: str
    variables: dict[str, Any] | None
    line: int
    end: int  # offset in the README just past the block (and its variables)


def _examples(readme: str | None = None) -> list[Example]:
    readme = readme or (ROOT / "README.md").read_text(encoding="utf-8")
    pattern = re.compile(
        r"^```graphql\n(?P<doc>.*?)^```\n(?:\s*^```json\n(?P<vars>.*?)^```\n)?",
        re.DOTALL | re.MULTILINE,
    )
    examples = []
    for m in pattern.finditer(readme):
        line = readme.count("\n", 0, m.start()) + 1
        (op,) = parse(m["doc"]).definitions  # one operation per block
        assert isinstance(op, OperationDefinitionNode) and op.name, f"README.md:{line}: unnamed"
        variables = json.loads(m["vars"]) if m["vars"] is not None else None
        examples.append(Example(op.name.value, m["doc"], variables, line, m.end()))
    return examples


def _answer_after(example: Example) -> dict[str, Any]:
    """The response the README shows after an example (its next ```json block)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.compile(r"^```json\n(.*?)^```", re.DOTALL | re.MULTILINE).search(readme, example.end)
    assert m, f"README.md:{example.line}: no answer shown after {example.name}"
    answer: dict[str, Any] = json.loads(m[1])
    return answer


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_every_example_is_one_named_valid_operation_with_its_variables() -> None:
    examples = _examples()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(examples) == readme.count("```graphql"), "a ```graphql block did not parse"
    names = [e.name for e in examples]
    assert len(names) == len(set(names)), f"operation names repeat: {names}"
    schema = build_schema(schema_sdl())
    for e in examples:
        where = f"README.md:{e.line} ({e.name})"
        assert validate(schema, parse(e.document)) == [], where
        (op,) = parse(e.document).definitions
        assert isinstance(op, OperationDefinitionNode)
        declared = {v.variable.name.value for v in op.variable_definitions or ()}
        if declared:
            assert e.variables is not None, f"{where}: variables but no ```json block after it"
            assert set(e.variables) == declared, where
        else:
            assert e.variables is None, f"{where}: a ```json block for no variables"


def test_the_parser_sees_variables_only_right_after_a_block() -> None:
    text = (
        '```graphql\nquery A($x: Int) { __typename }\n```\n\n```json\n{"x": 1}\n```\n'
        "prose\n\n```graphql\nquery B { __typename }\n```\n\nanswers\n\n```json\n{}\n```\n"
    )
    a, b = _examples(text)
    assert (a.name, a.variables, b.name, b.variables) == ("A", {"x": 1}, "B", None)


class Readme:
    """The README's operations sent as pasted: its variables, with the ids an
    earlier answer gave in place of a `…` placeholder, and the token in the
    Authorization header as the playground's Headers tab sends it."""

    def __init__(self, gql: GraphQLClient) -> None:
        self.gql = gql
        self.examples = {e.name: e for e in _examples()}
        self.ran: set[str] = set()

    def variables(self, name: str, **fields: Any) -> dict[str, Any]:
        """The README's variables of ``name``, with ``fields`` replaced (in
        ``input`` when it has one); only what the README shows may change."""
        variables = copy.deepcopy(self.examples[name].variables or {})
        target = variables.get("input", variables)
        for key, value in fields.items():
            assert key in target, f"{name} shows no variable {key}"
            target[key] = value
        return variables

    async def send(
        self, name: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        example = self.examples[name]
        variables = self.variables(name) if variables is None else variables
        left = [s for s in _strings(variables) if PLACEHOLDER in s]
        assert not left, f"{name}: fill in {left}"
        self.ran.add(name)
        return await self.gql.post(example.document, variables or None, token)

    async def data(
        self, name: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = await self.send(name, token, variables)
        assert "errors" not in body, (name, body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    async def payload(
        self, name: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A mutation's one payload, which must have no userErrors."""
        (payload,) = (await self.data(name, token, variables)).values()
        assert payload["userErrors"] == [], (name, payload)
        assert isinstance(payload, dict)
        return payload


def _moderator_command() -> tuple[str, str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(
        r"peergraph users create --email (\S+) --password '([^']*)' \\\n\s*"
        r'--display-name "([^"]*)" --moderator',
        readme,
    )
    assert m, "the README's moderator command is gone"
    return m[1], m[2], m[3]


@pytest.fixture
async def readme(tmp_path: Path) -> AsyncIterator[Readme]:
    """The real app on a seeded embedded store, with the README's moderator
    made the way the README makes her (the CLI's create_user_command)."""
    store = await seeded_store(tmp_path)
    try:
        email, password, name = _moderator_command()
        await create_user_command(store, email, password, name, True)
        async with client_for(create_app(Settings(env="test", data_dir=tmp_path), store)) as http:
            yield Readme(GraphQLClient(http))
    finally:
        await store.close()


async def test_every_readme_operation_runs_in_the_walkthrough(readme: Readme) -> None:
    await _walkthrough(readme)


async def test_the_walkthrough_runs_against_a_running_server(tmp_path: Path) -> None:
    """As an operator follows it: `peergraph serve` runs, the README's
    moderator command is run while it does (through the server's admin
    socket, the embedded store being the server's), then every operation is
    sent over HTTP."""
    data_dir = tmp_path / "data"
    with serving(data_dir) as server:
        email, password, name = _moderator_command()
        made = peergraph(
            "users", "create", "--email", email, "--password", password,
            "--display-name", name, "--moderator", data_dir=data_dir,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith(f"created moderator {email} ")
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await _walkthrough(Readme(GraphQLClient(http)))


async def _walkthrough(readme: Readme) -> None:
    # Reading the graph, anonymously; then the next page as the README says.
    author = (await readme.data("AuthorPage"))["author"]
    assert author["name"] == "Hangbo Bao"
    papers = author["papers"]
    assert len(papers["edges"]) == 3 and papers["pageInfo"]["hasNextPage"]
    after = readme.variables("AuthorPage", papersAfter=papers["pageInfo"]["endCursor"])
    more = (await readme.data("AuthorPage", variables=after))["author"]["papers"]["edges"]
    assert more and not {e["node"]["title"] for e in more} & {
        e["node"]["title"] for e in papers["edges"]
    }
    explore = await readme.data("Explore")
    assert explore["papers"]["edges"] and explore["search"]
    assert explore["researchGraph"]["nodes"][0]["entity"]["id"] == "author:hangbo-bao"
    last = (await readme.data("CoauthorsPage"))["author"]["coauthorsConnection"]
    assert len(last["edges"]) == 3 and last["pageInfo"]["hasPreviousPage"]
    before = readme.variables("CoauthorsPage", before=last["pageInfo"]["startCursor"])
    previous = (await readme.data("CoauthorsPage", variables=before))["author"]
    assert len(previous["coauthorsConnection"]["edges"]) == 3
    where = (await readme.data("WhereFrom"))["author"]
    assert [(p["source"], p["locator"]) for p in where["provenance"]] == [
        ("SEED_PAGE", "000_ca2259648ed9fa42.txt:3")
    ]
    assert [h["value"] for h in where["history"]] == ["Binxing Jiao"]
    works = [c for c in where["trust"]["components"] if c["papers"] is not None]
    assert [c["name"] for c in works] == ["Published works"]
    assert works[0]["papers"]["edges"][0]["node"]["provenance"][0]["source"] == "SEED_PAGE"
    fit = (await readme.data("CollaborationFit"))["collaborationFit"]
    reasons = {r["kind"]: r for r in fit["reasons"]}
    assert reasons["COMMON_COAUTHOR"]["text"] == "1 co-author in common: Chenhe Dong"
    assert [v["name"] for v in reasons["SHARED_TOPIC"]["via"]] == ["Knowledge distillation"]

    # 1. Ada signs up, Bob in his tab; Ada logs in (another case of her e-mail).
    ada = (await readme.payload("SignUp"))["token"]
    bob_signs_up = readme.variables("SignUp", email="bob@example.org", displayName="Bob")
    bob = (await readme.payload("SignUp", variables=bob_signs_up))["token"]
    assert (await readme.payload("LogIn"))["token"]
    viewer = (await readme.data("Viewer", ada))["viewer"]
    assert viewer["displayName"] == "Ada" and viewer["claimedAuthor"] is None

    # 2. Follow.
    followed = (await readme.payload("FollowAuthor", ada))["author"]
    assert followed["viewerIsFollowing"] and followed["stats"]["followers"] == 1
    following = (await readme.data("Following", ada))["viewer"]["following"]
    assert following["totalCount"] == 1

    # 3. Ada claims Hangbo Bao, Bob Qingru Zhang.
    claims = {}
    for token, author_id in ((ada, "author:hangbo-bao"), (bob, "author:qingru-zhang")):
        claim_vars = readme.variables("ClaimAuthor", authorId=author_id)
        claim = (await readme.payload("ClaimAuthor", token, claim_vars))["claim"]
        assert claim["status"] == "PENDING" and claim["author"]["claimStatus"] == "PENDING"
        assert claim["author"]["trust"]["verification"] == "L2"
        claims[author_id] = claim["id"]

    # 4. Mia logs in and verifies both.
    email, password, _ = _moderator_command()
    mia_logs_in = readme.variables("LogIn", email=email, password=password)
    mia = (await readme.payload("LogIn", variables=mia_logs_in))["token"]
    pending = (await readme.data("PendingClaims", mia))["pendingClaims"]["edges"]
    assert {e["node"]["id"] for e in pending} == set(claims.values())
    for claim_id in claims.values():
        review = readme.variables("ReviewClaim", claimId=claim_id)
        claim = (await readme.payload("ReviewClaim", mia, review))["claim"]
        assert claim["status"] == "VERIFIED" and claim["author"]["claimStatus"] == "CLAIMED"
        assert claim["author"]["trust"]["verification"] == "L3"
    # Her suggestions, now that her claim is verified: never her own author.
    suggested = (await readme.data("SuggestedCollaborators", ada))["viewer"]
    names = [s["author"]["name"] for s in suggested["suggestedCollaborators"]]
    assert names and "Hangbo Bao" not in names and "Binxing Jiao" not in names

    # 5. Ada invites Bob's author.
    can = (await readme.data("CanInvite", ada))["author"]
    assert can["claimStatus"] == "CLAIMED" and can["viewerCanInvite"] is True
    invitation = (await readme.payload("SendInvitation", ada))["invitation"]
    assert invitation["status"] == "PENDING" and invitation["recipient"]["name"] == "Qingru Zhang"

    # 6. Bob accepts it.
    received = (await readme.data("InvitationsReceived", bob))["viewer"]["invitationsReceived"]
    assert [i["id"] for i in received] == [invitation["id"]]
    accept = readme.variables("AcceptInvitation", invitationId=invitation["id"])
    accepted = (await readme.payload("AcceptInvitation", bob, accept))["invitation"]
    assert accepted["status"] == "ACCEPTED" and accepted["respondedAt"]

    # 6a. Bob closes himself to invitations; Ada reads her score's history.
    closed = (await readme.payload("SetOpenToCollaborate", bob))["author"]
    assert closed["name"] == "Qingru Zhang" and closed["openToCollaborate"] is False
    assert (closed["role"], closed["affiliationState"]) == ("Researcher", "NOT_IMPORTED")
    assert (await readme.data("CanInvite", ada))["author"]["viewerCanInvite"] is False
    (refused,) = (await readme.data("SendInvitation", ada)).values()
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("FORBIDDEN", ["input", "recipientId"])
    ]
    history = (await readme.data("TrustHistory", ada))["author"]
    changes = [e["node"] for e in history["trustHistory"]["edges"]]
    assert [c["cause"] for c in changes] == ["CLAIM_VERIFIED", "FOLLOWED"]
    assert changes[0]["newScore"] == history["trust"]["score"]
    assert (await readme.data("TrustHistory", bob))["author"]["trustHistory"] is None

    # 7. A correction suggested by Ada, applied by Mia.
    correction = (await readme.payload("SuggestCorrection", ada))["correction"]
    assert correction["status"] == "OPEN"
    open_ = (await readme.data("OpenCorrections", mia))["openCorrections"]["edges"]
    assert [e["node"]["id"] for e in open_] == [correction["id"]]
    apply = readme.variables("ReviewCorrection", correctionId=correction["id"])
    applied = (await readme.payload("ReviewCorrection", mia, apply))["correction"]
    proposed = readme.variables("SuggestCorrection")["input"]["proposedValue"]
    assert applied["status"] == "APPLIED" and applied["target"]["name"] == proposed

    # 8. Mia suspends Bob: his token stops at once, and he cannot log in; then
    # she reinstates him. Ada changes her password (her old token dies, the
    # new one works), then logs out (that one dies too).
    bob_id = (await readme.data("Viewer", bob))["viewer"]["id"]
    suspend = readme.variables("SuspendUser", userId=bob_id)
    suspended = (await readme.payload("SuspendUser", mia, suspend))["user"]
    assert suspended["id"] == bob_id and suspended["suspendedAt"]
    assert (await readme.data("Viewer", bob))["viewer"] is None
    reinstate = readme.variables("UnsuspendUser", userId=bob_id)
    reinstated = (await readme.payload("UnsuspendUser", mia, reinstate))["user"]
    assert reinstated == {"id": bob_id, "suspendedAt": None}
    changed = await readme.payload("ChangePassword", ada)
    assert (await readme.data("Viewer", ada))["viewer"] is None
    ada = changed["token"]
    assert (await readme.data("Viewer", ada))["viewer"]["displayName"] == "Ada"
    await readme.payload("LogOut", ada)
    assert (await readme.data("Viewer", ada))["viewer"] is None
    new_password = readme.variables("ChangePassword")["input"]["newPassword"]
    ada = (
        await readme.payload("LogIn", variables=readme.variables("LogIn", password=new_password))
    )["token"]

    # The answers the README shows: a userError, then a request that cannot run.
    (missing,) = (await readme.data("FollowMissing", ada)).values()
    assert missing["author"] is None
    assert [(e["code"], e["field"]) for e in missing["userErrors"]] == [("NOT_FOUND", ["authorId"])]
    too_wide = await readme.send("TooWide")
    assert too_wide == _answer_after(readme.examples["TooWide"])

    assert readme.ran == set(readme.examples), "README operations the walkthrough skips"
