"""The configuration reference, docs/configuration.md: generated from the settings class, so
it cannot drift; every setting described and grouped; defaults written as one writes them in
the environment; the precedence and the examples it states hold; ``--check`` catches a stale
file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from bot.config import SettingGroup, Settings, load_settings
from bot.config_docs import ENV_EXAMPLE, TOML_EXAMPLE, DocsError, describe, main, render
from tests.support.environment import clean_env

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "docs" / "configuration.md"
DOCS = {doc.name: doc for doc in describe()}
ENV_NAMES = {env for doc in DOCS.values() for env in doc.env_names}
# Environment variables the bot reads that are not settings.
OTHER_ENV_NAMES = {"SAMVERKAN_CONFIG"}


@pytest.fixture(autouse=True)
def no_settings_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the developer's shell sets, in any case, is not seen here."""
    for key in list(os.environ):
        if key.upper() in ENV_NAMES | OTHER_ENV_NAMES:
            monkeypatch.delenv(key)


def test_the_committed_reference_is_what_the_settings_generate() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: python -m bot.config_docs > docs/configuration.md"
    )


def test_every_setting_has_a_description_and_a_group() -> None:
    groups = {group.value for group in SettingGroup}
    for name, field in Settings.model_fields.items():
        assert len((field.description or "").split()) >= 5, name
        extra = field.json_schema_extra
        assert isinstance(extra, dict), name
        assert extra.get("group") in groups, name
    text = render()
    for doc in DOCS.values():
        assert f"\n### {', '.join(f'`{env}`' for env in doc.env_names)}\n" in text
        assert f"\n## {doc.group.value}\n" in text


def test_a_setting_without_description_or_group_is_refused() -> None:
    class Undescribed(BaseSettings):
        retries: int = Field(default=3, json_schema_extra={"group": SettingGroup.GENERAL.value})

    class Ungrouped(BaseSettings):
        retries: int = Field(default=3, description="How often to try again.")

    with pytest.raises(DocsError, match="retries has no description"):
        describe(Undescribed)
    with pytest.raises(DocsError, match="retries has no group"):
        describe(Ungrouped)


def test_names_types_defaults_and_constraints() -> None:
    port = DOCS["http_port"]
    assert port.env_names == ("HTTP_PORT", "SLACK_PORT")
    assert (port.type_text, port.constraints, port.default_text) == (
        "integer",
        "1 to 65535",
        "`8080`",
    )
    assert DOCS["meeting_reminder_offsets"].default_text == "`1440,120,15,0`"
    assert DOCS["bot_admins"].default_text == "empty"
    assert DOCS["tick_seconds"].constraints == "0.05 to 3600"
    assert DOCS["default_language"].type_text == "one of `sv`, `en`"
    assert DOCS["log_format"].type_text == "one of `text`, `json`"
    assert DOCS["instance_name"].default_text == "not set"
    assert DOCS["timezone"].group is SettingGroup.TIME
    assert "- `HTTP_PORT` wins when both are set." in render()


def test_defaults_are_written_as_the_environment_takes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each default, written back into its environment variable, is the default again."""
    defaults = load_settings()
    for doc in DOCS.values():
        if doc.default_text == "not set":
            assert getattr(defaults, doc.name) is None, doc.name
            continue
        written = "" if doc.default_text == "empty" else doc.default_text.strip("`")
        monkeypatch.setenv(doc.env_names[0], written)
        assert getattr(load_settings(), doc.name) == getattr(defaults, doc.name), doc.name
        monkeypatch.delenv(doc.env_names[0])


def test_secrets_are_marked_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    secret_fields = {
        name
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }
    assert secret_fields == {doc.name for doc in DOCS.values() if doc.secret}
    assert len(secret_fields) == 7  # WEB_SECRET among them
    text = render()
    for name in secret_fields:
        section = text.split(f"### `{name.upper()}`", 1)[1].split("\n### ", 1)[0]
        assert "- **Secret**: never logged or shown." in section

    class WithSecretDefault(BaseSettings):
        token: SecretStr = Field(
            default=SecretStr("hunter2"),
            description="A token with a default, which must not show.",
            json_schema_extra={"group": SettingGroup.GENERAL.value},
        )

    monkeypatch.setenv("MATRIX_PASSWORD", "hunter3")
    assert "hunter2" not in render(WithSecretDefault)
    assert describe(WithSecretDefault)[0].default_text == "(secret)"
    assert "hunter3" not in render()


def test_the_examples_are_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = load_settings()
    text = render()
    assert f"```sh\n{ENV_EXAMPLE}```" in text
    assert f"```toml\n{TOML_EXAMPLE}```" in text
    toml = tmp_path / "samverkan.toml"
    toml.write_text(TOML_EXAMPLE, encoding="utf-8")
    from_file = load_settings(toml)
    for line in ENV_EXAMPLE.splitlines():
        name, _, value = line.partition("=")
        monkeypatch.setenv(name, value)
    from_env = load_settings()
    assert from_env == from_file
    keys = [line.partition(" = ")[0] for line in TOML_EXAMPLE.splitlines()]
    assert keys == [line.partition("=")[0].lower() for line in ENV_EXAMPLE.splitlines()]
    for key in keys:
        assert key in Settings.model_fields
        assert getattr(from_file, key) != getattr(defaults, key), key
    assert from_file.meeting_reminder_offsets == (1440, 120, None, 0)


def test_precedence_is_as_the_reference_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Command line over environment over the --config file over SAMVERKAN_CONFIG's file
    over the default; names in any case."""
    named = tmp_path / "named.toml"
    named.write_text('COMMAND_PREFIX = "?"\nTimeZone = "Europe/Helsinki"\n', encoding="utf-8")
    given = tmp_path / "given.toml"
    given.write_text('command_prefix = "#"\n', encoding="utf-8")

    assert load_settings().command_prefix == "!"
    monkeypatch.setenv("SAMVERKAN_CONFIG", str(named))
    assert load_settings().command_prefix == "?"
    assert load_settings().timezone == "Europe/Helsinki"
    assert load_settings(given).command_prefix == "#"
    assert load_settings(given).timezone == "Europe/Stockholm"  # one file only
    monkeypatch.setenv("Command_Prefix", "%")
    assert load_settings(given).command_prefix == "%"
    assert load_settings(given, command_prefix="&").command_prefix == "&"
    assert "So an environment variable wins over the TOML file." in " ".join(render().split())


def test_settings_named_in_the_readme_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`", readme))
    assert "DATABASE_URL" in named
    assert named - ENV_NAMES - OTHER_ENV_NAMES == set()


def _docs_command(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.config_docs", *args],
        capture_output=True,
        cwd=REPO,
        env=clean_env(),
        timeout=60,
        check=False,
    )


def test_the_command_prints_the_reference_and_checks_a_file(tmp_path: Path) -> None:
    printed = _docs_command()
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == render().encode("utf-8")

    stale = tmp_path / "configuration.md"
    stale.write_text(render().replace("`8080`", "`3000`"), encoding="utf-8")
    refused = _docs_command("--check", str(stale))
    assert refused.returncode == 1
    message = refused.stderr.decode("utf-8")
    assert f"{stale} is out of date" in message
    assert "python -m bot.config_docs > docs/configuration.md" in message
    assert "-- Default: `3000`" in message
    assert "+- Default: `8080`" in message
    assert refused.stdout == b""


def test_check_of_a_current_and_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = tmp_path / "configuration.md"
    current.write_text(render(), encoding="utf-8")
    assert main(["--check", str(current)]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["--check", str(tmp_path / "nowhere.md")]) == 1
    assert "nowhere.md: cannot read it" in capsys.readouterr().err
