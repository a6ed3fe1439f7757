"""Configuration: environment variables, optionally a TOML file (``--config`` or
``SAMVERKAN_CONFIG``). Environment variables win over the file. Secrets are secret fields, so
they never show in logs or reprs.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from commands.core.request import CoreConfig

_CONFIG_FILE: ContextVar[Path | None] = ContextVar("config_file", default=None)


# MEETING_REMINDER_OFFSETS: the bot's posts before a meeting, in the order they come.
MEETING_POSTS = ("notice", "reports", "soon", "start")
MAX_MEETING_OFFSET = 7 * 24 * 60
_LEFT_OUT = frozenset({"", "-", "off", "av"})


def _offset(part: Any) -> Any:
    """One of MEETING_REMINDER_OFFSETS: minutes, or ``-`` for a post left out."""
    if isinstance(part, str):
        text = part.strip().lower()
        if text in _LEFT_OUT:
            return None
        return int(text) if text.lstrip("-").isdigit() else text
    return part


class ConfigError(Exception):
    """The configuration cannot be used; the message says why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///samverkan.db"
    default_language: Literal["sv", "en"] = "sv"
    timezone: str = "Europe/Stockholm"
    bot_admins: Annotated[frozenset[str], NoDecode] = Field(default_factory=frozenset)
    command_prefix: str = "!"
    max_message_length: int = Field(default=4000, ge=100, le=100_000)
    # How long a scheduled meeting lasts: its round of situation reports closes then.
    meeting_minutes: int = Field(default=60, ge=5, le=24 * 60)
    # A documented meeting (``!möte start``) with nothing noted for this long is closed by the
    # bot, with a note in the minutes, and its chairs are told.
    meeting_auto_close_minutes: int = Field(default=4 * 60, ge=15, le=7 * 24 * 60)
    # A reminder that fell due while the bot was down is sent late if it is at most this late;
    # older ones are reported to their channel as missed.
    reminder_grace_minutes: int = Field(default=30, ge=0, le=7 * 24 * 60)
    # After a call-out, organisations that have not acknowledged are called again this much
    # later, and the coordinators told who is still missing as long again after that.
    activation_recall_minutes: int = Field(default=10, ge=1, le=24 * 60)
    # The bot's own posts before each scheduled meeting, in minutes before it starts, in this
    # order: the notice with the agenda (and, on a skipped holiday, the one notice instead),
    # the nag about missing situation reports, "starts soon", "starts now". ``-`` leaves one
    # out: ``1440,120,-,0``.
    meeting_reminder_offsets: Annotated[tuple[int | None, ...], NoDecode] = (1440, 120, 15, 0)
    # How often the bot looks for work that is due when nothing is scheduled sooner.
    tick_seconds: float = Field(default=30.0, ge=0.05, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_password: SecretStr | None = None
    matrix_access_token: SecretStr | None = None
    matrix_device_id: str | None = None
    # Servers whose users may invite the bot into a room; empty: the bot's own server only.
    matrix_allowed_servers: Annotated[frozenset[str], NoDecode] = Field(default_factory=frozenset)
    # Where the end-to-end encryption keys live; empty: beside the SQLite file, or ./matrix-store.
    matrix_store_path: str | None = None

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_port: int = 3000
    slack_api_url: str | None = None

    @field_validator("bot_admins", "matrix_allowed_servers", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(
                part.strip() for part in value.replace(";", ",").split(",") if part.strip()
            )
        return value

    @field_validator("meeting_reminder_offsets", mode="before")
    @classmethod
    def _split_offsets(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(_offset(part) for part in value)
        return value

    @field_validator("meeting_reminder_offsets")
    @classmethod
    def _four_offsets_in_order(cls, value: tuple[int | None, ...]) -> tuple[int | None, ...]:
        if len(value) != len(MEETING_POSTS):
            raise ValueError(
                f"four offsets in minutes ({', '.join(MEETING_POSTS)}), e.g. 1440,120,15,0"
            )
        given = [minutes for minutes in value if minutes is not None]
        if any(not 0 <= minutes <= MAX_MEETING_OFFSET for minutes in given):
            raise ValueError(f"each offset is 0 to {MAX_MEETING_OFFSET} minutes, or -")
        if any(later >= earlier for earlier, later in pairwise(given)):
            raise ValueError(
                "the offsets go from the earliest post to the latest, e.g. 1440,120,15,0"
            )
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str | None) -> str | None:
        # The Slack SDK appends the method name to the base URL as it is.
        if value and not value.endswith("/"):
            return value + "/"
        return value or None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("command_prefix")
    @classmethod
    def _short_prefix(cls, value: str) -> str:
        if not value or len(value) > 3 or any(c.isspace() for c in value):
            raise ValueError("the command prefix is one to three characters, no spaces")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _CONFIG_FILE.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def matrix_configured(self) -> bool:
        return bool(
            self.matrix_homeserver
            and self.matrix_user_id
            and (self.matrix_password or self.matrix_access_token)
        )

    @property
    def matrix_server_name(self) -> str:
        """The server part of the bot's Matrix id (``@bot:example.org`` -> ``example.org``)."""
        return (self.matrix_user_id or "").partition(":")[2]

    @property
    def matrix_invite_servers(self) -> frozenset[str]:
        return self.matrix_allowed_servers or frozenset({self.matrix_server_name})

    def matrix_store_directory(self) -> Path:
        if self.matrix_store_path:
            return Path(self.matrix_store_path).expanduser()
        from storage.database import sqlite_file

        database = sqlite_file(self.database_url)
        if database is not None:
            return Path(database).with_name(Path(database).name + ".matrix-store")
        return Path("matrix-store")

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))

    def core(self) -> CoreConfig:
        return CoreConfig(
            default_language=self.default_language,
            timezone=self.timezone,
            bot_admins=self.bot_admins,
            prefix=self.command_prefix,
            max_message_length=self.max_message_length,
            meeting_minutes=self.meeting_minutes,
            meeting_auto_close_minutes=self.meeting_auto_close_minutes,
            reminder_grace_minutes=self.reminder_grace_minutes,
            activation_recall_minutes=self.activation_recall_minutes,
            meeting_reminder_offsets=self.meeting_reminder_offsets,
        )


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment and the TOML file, if one is named."""
    from pydantic import ValidationError

    named = config_file or os.environ.get("SAMVERKAN_CONFIG")
    path = Path(named) if named else None
    if path is not None and not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    token = _CONFIG_FILE.set(path)
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from error
    finally:
        _CONFIG_FILE.reset(token)
