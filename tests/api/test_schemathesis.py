"""A bounded schemathesis run over the GraphQL schema, in CI with every test
run: every Query and Mutation field, with queries that fit the schema
(positive) and queries that do not (negative), signed in as a moderator so
the moderation fields and every mutation run past the sign-in check.

Checks: no 5xx and no masked INTERNAL_SERVER_ERROR (`not_a_server_error`),
responses that conform to the schema (`response_schema_conformance`), and
invalid queries refused (`negative_data_rejection`). Not
`positive_data_acceptance`: a query that fits the schema may still be
refused on purpose (`first: 0`, both `id` and `slug`, the limits), with a
code.

The app runs in schemathesis's own ASGI client (its event-loop thread), so
it opens its store through its lifespan, as `peergraph serve` does; the
store is seeded, with a moderator, beforehand. An answer with
SERVICE_UNAVAILABLE (a request past the server's time cap on an overloaded
machine) is retried twice, as the code tells clients to, before it is
judged. Derandomized, so a CI run is repeatable; PEERGRAPH_FUZZ_EXAMPLES
raises the examples per field and mode for a longer run by hand."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi

from api.app import create_app
from api.settings import Settings
from domain.accounts import create_user_command
from seeds.loader import default_seed_paths, load_pages
from tests.conftest import BACKENDS, open_backend, require_neo4j
from tests.neo4j_server import Neo4jServer

MODERATOR = ("fuzz-moderator@peergraph.example", "fuzzing-moderator-password")
# Examples per field and generation mode: 26 fields x 2 modes. logIn hashes a
# password every time (on purpose slow), so it gets fewer.
EXAMPLES = {"embedded": 10, "neo4j": 4}
FEWER = {"Mutation.logIn": 3, "Mutation.signUp": 5}
UNAVAILABLE = '"SERVICE_UNAVAILABLE"'
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(params=BACKENDS)
async def served(request: pytest.FixtureRequest, tmp_path: Path, neo4j: Neo4jServer | str) -> Any:
    """Settings of an app over a seeded store holding a moderator."""
    backend: str = request.param
    store = await open_backend(backend, tmp_path, neo4j)
    try:
        await load_pages(store, default_seed_paths())
        await create_user_command(store, *MODERATOR, "Fuzz Moderator", True)
    finally:
        await store.close()
    cfg = Settings(env="test", data_dir=tmp_path / "db")  # where open_backend put it
    if backend == "neo4j":
        server = require_neo4j(neo4j)
        cfg = replace(
            cfg,
            neo4j_uri=server.uri,
            neo4j_user=server.user,
            neo4j_password=server.password,
            neo4j_database=server.database,
        )
    return backend, cfg


@pytest.fixture
def app(served: tuple[str, Settings]) -> Iterator[tuple[str, Any, str]]:
    """The app started in schemathesis's client, ready, and a moderator's token."""
    backend, cfg = served
    application = create_app(cfg)
    try:
        with asgi.get_client(application) as client:  # starts the lifespan
            deadline = time.monotonic() + 60
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the store did not come up"
                time.sleep(0.1)
            email, password = MODERATOR
            login = client.post(
                "/graphql",
                json={
                    "query": "mutation($i: LogInInput!) { logIn(input: $i) { token } }",
                    "variables": {"i": {"email": email, "password": password}},
                },
            ).json()
            token = login["data"]["logIn"]["token"]
            assert token, login
        yield backend, application, token
    finally:
        asgi.shutdown_lifespans()  # closes the store the app opened


def test_schemathesis_finds_nothing(app: tuple[str, Any, str]) -> None:
    backend, application, token = app
    schema = schemathesis.graphql.from_asgi("/graphql", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 26, [o.label for o in operations]
    examples = int(os.environ.get("PEERGRAPH_FUZZ_EXAMPLES") or EXAMPLES[backend])
    headers = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:
            limit = min(examples, FEWER.get(operation.label, examples))

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=limit,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call(headers=headers)
                for pause in (1, 2):  # "retry later" on a busy machine: retried, as told
                    if UNAVAILABLE not in response.text:
                        break
                    time.sleep(pause)
                    response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Exception as e:  # a FailureGroup: schemathesis's report of the case
                failures[f"{mode.value} {operation.label}"] = str(e)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
