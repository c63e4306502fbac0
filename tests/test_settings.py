"""Settings from the environment: the Neo4j knobs reach the store's config."""

from __future__ import annotations

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
