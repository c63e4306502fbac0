"""Settings from the environment: the Neo4j knobs reach the store's config;
persisted-query manifests are checked at start-up."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pytest

from api.settings import Settings, SettingsError


def test_neo4j_settings_reach_the_store_config() -> None:
    settings = Settings.from_env(
        {
            "NEO4J_URI": "neo4j://db:7687",
            "NEO4J_PASSWORD": "secret-password",
            "NEO4J_TRANSACTION_TIMEOUT": "2.5",
            "NEO4J_MAX_CONCURRENT_READS": "12",
        }
    )
    config = settings.store_config()
    assert config.neo4j_uri == "neo4j://db:7687"
    assert config.neo4j_password == "secret-password"
    assert config.transaction_timeout == 2.5
    assert config.max_concurrent_reads == 12
    assert Settings.from_env({}).store_config().transaction_timeout == 3.0
    assert Settings.from_env({}).store_config().max_concurrent_reads == 4


@pytest.mark.parametrize("raw", ["soon", "0", "-1"])
def test_a_bad_transaction_timeout_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="NEO4J_TRANSACTION_TIMEOUT"):
        Settings.from_env({"NEO4J_TRANSACTION_TIMEOUT": raw})


@pytest.mark.parametrize("raw", ["many", "0", "-2"])
def test_a_bad_read_concurrency_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="NEO4J_MAX_CONCURRENT_READS"):
        Settings.from_env({"NEO4J_MAX_CONCURRENT_READS": raw})


def test_the_profile_cache_budget() -> None:
    assert Settings.from_env({}).fit_cache_items == 500_000
    assert Settings.from_env({"PEERGRAPH_FIT_CACHE_ITEMS": "0"}).fit_cache_items == 0
    for raw in ("lots", "-1"):
        with pytest.raises(SettingsError, match="PEERGRAPH_FIT_CACHE_ITEMS"):
            Settings.from_env({"PEERGRAPH_FIT_CACHE_ITEMS": raw})


# --- persisted queries ------------------------------------------------------------

QUERY = "query Typename { __typename }"
QUERY_ID = hashlib.sha256(QUERY.encode()).hexdigest()


def _manifest_env(tmp_path: Path, content: str | None, **more: str) -> dict[str, str]:
    path = tmp_path / "manifest.json"
    if content is not None:
        path.write_text(content)
    return {"PEERGRAPH_PERSISTED_QUERIES": str(path), **more}


def test_both_manifest_formats_load() -> None:
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": QUERY_ID, "body": QUERY, "name": "Typename", "type": "query"}],
    }
    relay = {QUERY_ID.upper(): QUERY}  # hex in either case
    for content in (apollo, relay):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(
                _manifest_env(Path(tmp), json.dumps(content), PEERGRAPH_PERSISTED_ONLY="yes")
            )
        assert settings.persisted_manifest == {QUERY_ID: QUERY} and settings.persisted_only
    assert Settings.from_env({}).persisted_manifest is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "is not JSON"),
        ("[]", "expected a JSON object"),
        ("{}", "no operations"),
        (json.dumps({"0" * 64: QUERY}), "not the sha256 of its document"),
        (json.dumps({"Typename": QUERY}), "64 hex digits"),
        (json.dumps({QUERY_ID: 42}), "non-empty string"),
        (json.dumps({"format": "relay", "operations": []}), "unknown format"),
        (
            json.dumps({"format": "apollo-persisted-query-manifest", "version": 2}),
            "version 2",
        ),
        (
            json.dumps(
                {
                    "format": "apollo-persisted-query-manifest",
                    "version": 1,
                    "operations": [{"id": QUERY_ID, "body": QUERY + " ", "name": "Typename"}],
                }
            ),
            "operation 'Typename'.*not the sha256",
        ),
    ],
)
def test_a_bad_manifest_is_refused_at_start_up(
    tmp_path: Path, content: str | None, message: str
) -> None:
    with pytest.raises(SettingsError, match=f"PEERGRAPH_PERSISTED_QUERIES: .*{message}"):
        Settings.from_env(_manifest_env(tmp_path, content))


def test_persisted_only_needs_a_manifest() -> None:
    with pytest.raises(SettingsError, match="PEERGRAPH_PERSISTED_ONLY=true needs"):
        Settings.from_env({"PEERGRAPH_PERSISTED_ONLY": "true"})
    with pytest.raises(SettingsError, match="PEERGRAPH_PERSISTED_ONLY must be one of"):
        Settings.from_env({"PEERGRAPH_PERSISTED_ONLY": "strict"})
    assert not Settings.from_env({"PEERGRAPH_PERSISTED_ONLY": "false"}).persisted_only


def test_the_pending_claims_cap_comes_from_the_environment() -> None:
    assert Settings.from_env({}).max_pending_claims == 2
    assert Settings.from_env({"PEERGRAPH_MAX_PENDING_CLAIMS": "5"}).max_pending_claims == 5
    for raw in ("0", "-1", "two"):
        with pytest.raises(SettingsError, match="PEERGRAPH_MAX_PENDING_CLAIMS"):
            Settings.from_env({"PEERGRAPH_MAX_PENDING_CLAIMS": raw})


def test_rate_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PEERGRAPH_LOGIN_FAILURES_PER_ACCOUNT": " 5/10 minutes;20/day ",
            "PEERGRAPH_CORRECTIONS_PER_USER": "3 per hour",
            "PEERGRAPH_HASH_THREADS": "2",
            "PEERGRAPH_HASH_QUEUE": "0",
        }
    )
    assert settings.login_failures_per_account == "5/10 minutes;20/day"
    assert settings.corrections_per_user == "3 per hour"
    assert settings.sign_ups_per_address == "20/hour"  # the default
    assert (settings.hash_threads, settings.hash_queue) == (2, 0)
    assert settings.rate_limits_enabled
    assert not Settings.from_env({"PEERGRAPH_RATE_LIMITS": "off"}).rate_limits_enabled


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("PEERGRAPH_SIGN_UPS_PER_ADDRESS", "lots"),
        ("PEERGRAPH_SIGN_UPS_PER_ADDRESS", "0/hour"),
        ("PEERGRAPH_CLAIMS_PER_USER", "10/fortnight"),
        ("PEERGRAPH_HASH_THREADS", "0"),
        ("PEERGRAPH_HASH_QUEUE", "-1"),
        ("PEERGRAPH_RATE_LIMITS", "sometimes"),
    ],
)
def test_a_bad_rate_limit_is_refused_at_start_up(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: raw})
