"""Configuration from the environment and a TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ENV = (
    "DATABASE_URL",
    "BOT_ADMINS",
    "DEFAULT_LANGUAGE",
    "TIMEZONE",
    "SAMVERKAN_CONFIG",
    "MATRIX_PASSWORD",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "MATRIX_HOMESERVER",
    "MATRIX_USER_ID",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///samverkan.db"
    assert settings.default_language == "sv"
    assert settings.timezone == "Europe/Stockholm"
    assert settings.bot_admins == frozenset()
    assert not settings.matrix_configured
    assert not settings.slack_configured


def test_environment_with_comma_separated_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ADMINS", "@anna:example.org, U024BE7LH")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot@db/samverkan")
    settings = load_settings()
    assert settings.bot_admins == frozenset({"@anna:example.org", "U024BE7LH"})
    # The terminal chat's operator coordinates too: nobody but the terminal speaks as it.
    assert settings.core().bot_admins == settings.bot_admins | {"console:operator"}
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_toml_file_and_environment_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.toml"
    path.write_text(
        'default_language = "en"\ntimezone = "Europe/Helsinki"\n'
        'slack_bot_token = "xoxb-secret"\nslack_signing_secret = "s3cret"\n'
    )
    settings = load_settings(path)
    assert settings.default_language == "en"
    assert settings.timezone == "Europe/Helsinki"
    assert settings.slack_configured
    monkeypatch.setenv("DEFAULT_LANGUAGE", "sv")
    assert load_settings(path).default_language == "sv"


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATRIX_PASSWORD", "hunter2")
    settings = load_settings()
    assert "hunter2" not in repr(settings)
    assert settings.matrix_password is not None
    assert settings.matrix_password.get_secret_value() == "hunter2"


def test_bad_settings_are_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")
    monkeypatch.setenv("TIMEZONE", "Mars/Base")
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_settings()
