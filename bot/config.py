"""Configuration: environment variables, optionally a TOML file (``--config`` or
``SAMVERKAN_CONFIG``). Environment variables win over the file. Secrets are secret fields, so
they never show in logs or reprs.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, JsonValue, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

if TYPE_CHECKING:  # the core is imported when it is used: `healthcheck` needs none of it
    from commands.core.config import CoreConfig

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


class SettingGroup(StrEnum):
    """The sections of the configuration reference (``docs/configuration.md``), in its order.
    Every setting names its group in ``json_schema_extra``; ``bot.config_docs`` reads it."""

    GENERAL = "General"
    TIME = "Time and meetings"
    LOGGING = "Logging"
    HTTP = "HTTP and several processes"
    MATRIX = "Matrix"
    SLACK = "Slack"


def _in(group: SettingGroup) -> dict[str, JsonValue]:
    """A setting's group, for ``Field(json_schema_extra=...)``."""
    return {"group": group.value}


class Settings(BaseSettings):
    """Every setting, with the description an operator reads in ``docs/configuration.md``
    (generated from this class by ``python -m bot.config_docs``)."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    database_url: str = Field(
        default="sqlite:///samverkan.db",
        description="Where the bot keeps its data: any SQLAlchemy database URL. The default is "
        "the SQLite file `samverkan.db` in the working directory; PostgreSQL: "
        "`postgresql+psycopg://user:password@host/samverkan`. The schema is brought up to date "
        "on every start (and by `samverkan-bot migrate`).",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    default_language: Literal["sv", "en"] = Field(
        default="sv",
        description="The language of the bot's messages, `sv` (Swedish) or `en` (English), in "
        "channels that serve no forum and for forums created from now on. Each forum's own "
        "language is changed in the chat with `!forum språk`.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    timezone: str = Field(
        default="Europe/Stockholm",
        description="The IANA time zone given to forums created from now on; each forum keeps "
        "its own, and its schedule, reminders and the times it shows follow it. The terminal "
        "chat's `--now` and `~tid` read times in this zone too. An unknown zone is refused "
        "at start.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    bot_admins: Annotated[frozenset[str], NoDecode] = Field(
        default_factory=frozenset,
        description="**The root of trust**: platform user ids of the people who coordinate "
        "the whole region, separated by commas (or semicolons): Matrix ids "
        "(`@anna:example.org`), Slack member ids (`U024BE7LH`), or `platform:id` to name the "
        "platform too (`slack:U024BE7LH`; platforms: `matrix`, `slack`, `console`). They may "
        "do everything in every forum and make others coordinators, of one forum "
        "(`!roll <person> koordinator` in its channel) or of the whole region "
        "(`!roll <person> koordinator regionalt`); `!roll lista` shows who is. A room's or "
        "workspace's own moderators and admins are *not* coordinators (see "
        "`PLATFORM_MODERATORS_ARE_COORDINATORS`). The terminal chat's operator always is.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    platform_moderators_are_coordinators: bool = Field(
        default=False,
        description="Makes every Matrix room moderator (power level 50 or more) and every "
        "admin or owner of the bot's own Slack workspace a coordinator of **every forum**: "
        "anyone who can create a room of their own can then bind it to any forum, activate "
        "the forum and call out every organisation. The old behaviour, for a small "
        "deployment on a homeserver or workspace where only coordinators have accounts. "
        "Off by default; logged as a warning at every start when on. Users from another "
        "workspace in a Slack Connect channel never count.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    organisation_identities: dict[str, frozenset[str]] = Field(
        default_factory=dict,
        description="Which accounts may speak for which organisation, where the deployment "
        "controls the identities: an organisation's name (as in `!aktörer`) mapped to the "
        "Matrix homeservers (`matrix:polisen.se`) and Slack workspaces, by team id "
        "(`slack:T024BE7LH`, also another workspace's in a Slack Connect channel), whose "
        "accounts represent it. A mapped account may say only that it represents its "
        "organisation (and is registered for it without saying so, if it maps to one), and "
        "a mapped organisation is spoken for only from its homes; unmapped accounts and "
        "organisations are as before. In TOML a table, "
        '`"Polisen Region Stockholm" = ["matrix:polisen.se"]`; in the environment JSON, '
        '`{"Polisen Region Stockholm": ["matrix:polisen.se"]}`.',
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    command_prefix: str = Field(
        default="!",
        description="What a command starts with in the chat: one to three characters, no spaces.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    max_message_length: int = Field(
        default=4000,
        ge=100,
        le=100_000,
        description="The longest message the bot reads, in characters; longer messages (and "
        "situation reports) are refused with an answer that says so.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    meeting_minutes: int = Field(
        default=60,
        ge=5,
        le=24 * 60,
        description="How long a scheduled meeting lasts, in minutes: its round of situation "
        "reports closes this long after the meeting starts, or when it is ended earlier.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    meeting_auto_close_minutes: int = Field(
        default=4 * 60,
        ge=15,
        le=7 * 24 * 60,
        description="A documented meeting (`!möte start`) with nothing noted for this many "
        "minutes is closed by the bot, with a note in the minutes, and its chairs are told.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    reminder_grace_minutes: int = Field(
        default=30,
        ge=0,
        le=7 * 24 * 60,
        description="A reminder that fell due while the bot was down is sent late, marked as "
        "late, if it is at most this many minutes late; older ones are reported to their "
        "channel as missed.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    activation_recall_minutes: int = Field(
        default=10,
        ge=1,
        le=24 * 60,
        description="After a call-out (`!aktivera`, `!kalla in`), organisations that have not "
        "acknowledged are called again this many minutes later, their ersättare mentioned "
        "beside their ordinarie, and the coordinators are told who is still missing as long "
        "again after that.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    duty_request_escalation_minutes: int = Field(
        default=15,
        ge=1,
        le=24 * 60,
        description="A request for activation (`!begär aktivering`, the green button) goes "
        "first to the RSK and TiB on duty (`!beredskap`); if neither has acknowledged it "
        "(`!kvittera begäran`) and the forum is not activated this many minutes later, every "
        "coordinator of the forum is mentioned in the channel it was asked in.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    duty_phone: str | None = Field(
        default=None,
        description="How to reach Länsstyrelsen's duty officer (TiB) by phone, e.g. "
        "`08-123 456 78`: told to someone who asks for an activation when nobody is on duty "
        "in the chat and the forum has no coordinator. Not set: the bot says to call the TiB "
        "through SOS Alarm, without a number.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )
    meeting_reminder_offsets: Annotated[tuple[int | None, ...], NoDecode] = Field(
        default=(1440, 120, 15, 0),
        description="The bot's own posts in every channel of a forum with a meeting schedule: "
        "four times in minutes before each meeting starts, in this order: the notice with the "
        "agenda and the report button (on a public holiday that skips the meeting, the one "
        'notice of that instead), the reminder about missing situation reports, "starts '
        f'soon", "starts now". Each is 0 to {MAX_MEETING_OFFSET} minutes (a week), the '
        "earliest post first; `-` leaves a post out: `1440,120,-,0`.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    tick_seconds: float = Field(
        default=30.0,
        ge=0.05,
        le=3600,
        description="How often, in seconds, the bot looks for timed work (reminders, meeting "
        "posts, follow-ups) that is due when nothing is scheduled sooner; it wakes for the "
        "next thing it knows is due on its own.",
        json_schema_extra=_in(SettingGroup.TIME),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO",
        description="The least severe log messages written to standard error. The terminal "
        "chat (`console`, and `run` with no door configured) writes only warnings and errors "
        "unless `LOG_LEVEL` is set in the environment.",
        json_schema_extra=_in(SettingGroup.LOGGING),
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`text`: one readable line per event (time, level, logger, message). "
        "`json`: one JSON object per line, for a log collector, with the keys `time` (UTC, "
        "ISO 8601 with milliseconds), `level`, `logger`, `message`, `exc_info` (the traceback, "
        "when there is one) and any further fields of the event.",
        json_schema_extra=_in(SettingGroup.LOGGING),
    )
    audit_retention_days: int = Field(
        default=730,
        ge=0,
        le=100 * 365,
        description="Audit events (who did what, when) older than this many days are deleted; "
        "0 keeps them for ever. Two years by default: a full yearly review cycle and the one "
        "before it.",
        json_schema_extra=_in(SettingGroup.GENERAL),
    )

    http_host: str = Field(
        default="0.0.0.0",  # noqa: S104 - in a container the probes come from outside
        description="The address the HTTP server of `samverkan-bot run` listens on: `/healthz`, "
        "`/readyz`, `/metrics`, and Slack's HTTP Events API at `/slack/events`. `0.0.0.0`: "
        "every IPv4 interface (in a container the probes come from outside); `127.0.0.1`: "
        "this machine only.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    http_port: int = Field(
        default=8080,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("http_port", "slack_port"),
        description="The port of the HTTP server (see `HTTP_HOST`). `SLACK_PORT` is its older "
        "name, still read.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    web_base_url: str | None = Field(
        default=None,
        description="The address of the web pages as people reach them, put in the sign-in "
        "links `!webb` gives (behind a reverse proxy: its public `https://` address). Not set: "
        "`http://127.0.0.1:<HTTP_PORT>`. With `https://` the session cookie is marked Secure.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    web_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="The secret the web pages' sign-in links, session cookies and display "
        "links are signed with (itsdangerous), at least 32 characters. Not set: one is "
        "generated on the first `!webb` and kept in the database, so every process sharing it "
        "agrees. Changing it ends every session and every staff-room screen's link.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    web_link_minutes: int = Field(
        default=10,
        ge=1,
        le=24 * 60,
        description="How long a sign-in link from `!webb` works, in minutes; it works once.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    web_session_hours: int = Field(
        default=12,
        ge=1,
        le=7 * 24,
        description="How long a sign-in to the web pages lasts, in hours, before a new link "
        "from `!webb` is needed.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    http_header_timeout_seconds: float = Field(
        default=10.0,
        ge=1.0,
        le=300.0,
        description="A client of the HTTP server must send a request's headers within this "
        "many seconds of connecting (or of its first byte after an answer), and then the "
        "request's body within as many again; otherwise the connection is closed. Protects "
        "the probes and Slack's requests from clients that open connections and never finish "
        "them.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    http_keepalive_seconds: float = Field(
        default=75.0,
        ge=1.0,
        le=3600.0,
        description="How long a connection may stay open, idle, after an answer, waiting for "
        "the client's next request. Longer than the idle timeout of a reverse proxy or load "
        "balancer in front (60 seconds at nginx, the AWS load balancers and many ingresses), "
        "so the proxy closes first and never reuses a connection the bot is closing.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    http_max_connections: int = Field(
        default=1000,
        ge=16,
        le=100_000,
        description="At most this many connections to the HTTP server at once, and fewer when "
        "the process may not open that many files (its `RLIMIT_NOFILE`, raised at start as "
        "far as the system allows). At the limit, a new connection makes room by closing the "
        "oldest one that has not sent a complete request, so a health probe still gets in.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    outbox_claim_seconds: float = Field(
        default=120.0,
        ge=2.0,
        le=3600.0,
        description="Everything the bot says waits in the outbox (in the database) until it "
        "is sent. The process that sends a message claims it for this many seconds; if it "
        "dies before it has said how sending went, another takes the message over once the "
        "claim has run out (the new leader at once, for its predecessor's). A send that takes "
        "three quarters of this long is given up for now and tried again.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    outbox_concurrency: int = Field(
        default=1,
        ge=1,
        le=100,
        description="How many posts the bot sends at once on one platform: a call-out to "
        "forty channels goes out this many side by side (each channel's messages in order). "
        "Answers to people who asked have as many slots of their own and go first. On a small "
        "homeserver more at once makes the fan-out faster and every answer meanwhile slower "
        "(2 cores, 40 rooms: 1 sends the 40th room its call-out in 1.3 s and answers meanwhile "
        "in 0.11 s, 2 in 1.0 s and 0.15 s); a homeserver with workers, or Slack, takes more.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    leader_lease_seconds: float = Field(
        default=15.0,
        ge=1.0,
        le=300.0,
        description="Several bot processes on one database elect one leader, which syncs "
        "Matrix and sends what is due. It renews its lease every third of this many seconds; "
        "the others look every second, so when it dies another takes over at most this long "
        "and a second later, and within a second when it stops on SIGTERM.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )
    instance_name: str | None = Field(
        default=None,
        description="The name this process goes by among several, in the logs and the leader "
        "lease. Not set: the host name and the process id.",
        json_schema_extra=_in(SettingGroup.HTTP),
    )

    matrix_homeserver: str | None = Field(
        default=None,
        description="The Matrix door: the homeserver's URL, e.g. `https://matrix.example.org`. "
        "The door starts when this, `MATRIX_USER_ID`, and `MATRIX_PASSWORD` or "
        "`MATRIX_ACCESS_TOKEN` are set.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_user_id: str | None = Field(
        default=None,
        description="The bot's Matrix user id, e.g. `@samverkan:example.org`. Its server is "
        "the bot's own server (see `MATRIX_ALLOWED_SERVERS`).",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_password: SecretStr | None = Field(
        default=None,
        description="The bot account's password, to log in with; or set "
        "`MATRIX_ACCESS_TOKEN` instead.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_access_token: SecretStr | None = Field(
        default=None,
        description="An access token of the bot account, instead of the password.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_device_id: str | None = Field(
        default=None,
        description="The device to log in as. Normally not set: the first login's device id "
        "is kept in the database and reused, with its encryption keys.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_allowed_servers: Annotated[frozenset[str], NoDecode] = Field(
        default_factory=frozenset,
        description="Servers whose users may invite the bot into a room, separated by commas "
        "(or semicolons), e.g. `example.org,partner.example.net`. Empty: the bot's own "
        "server only.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_store_path: str | None = Field(
        default=None,
        description="The folder where the end-to-end encryption keys live; keep it with the "
        "database and back it up. Not set: beside the SQLite file (`samverkan.db` keeps them "
        "in `samverkan.db.matrix-store`), or `./matrix-store` with another database.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_store_key: SecretStr | None = Field(
        default=None,
        description="A passphrase that encrypts the end-to-end encryption keys in "
        "`MATRIX_STORE_PATH` (the bot's device keys and the room keys that read what was "
        "said in encrypted rooms). Without it they are protected by file permissions only, "
        "and the bot warns at start. Keep it with the backups of the store, apart from "
        "them: without its key the store cannot be read, the bot refuses to start, and it "
        "must become a new device that cannot read older encrypted messages (see "
        "`docs/matrix-trust.md`). A store written without a key is re-encrypted with it on "
        "the first start that has it. Long and random, e.g. `openssl rand -base64 32`.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )
    matrix_require_cross_signed_devices: bool = Field(
        default=False,
        description="`true`: the bot acts only on messages sent from a device its owner has "
        "cross-signed (verified with their own other devices), so that a device added to "
        "someone's account without their cross-signing keys, for example by the "
        "homeserver's administrator, cannot give commands in their name. Messages from "
        "other devices, and every unencrypted message, get a short refusal. See "
        "`docs/matrix-trust.md`.",
        json_schema_extra=_in(SettingGroup.MATRIX),
    )

    slack_bot_token: SecretStr | None = Field(
        default=None,
        description="The Slack door: the Bot User OAuth Token (`xoxb-…`). The door starts when "
        "this and `SLACK_APP_TOKEN` or `SLACK_SIGNING_SECRET` are set.",
        json_schema_extra=_in(SettingGroup.SLACK),
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        description="An app-level token (`xapp-…`, scope `connections:write`): the bot "
        "reaches Slack through Socket Mode and needs no public URL. When set, Socket Mode is "
        "used even if `SLACK_SIGNING_SECRET` is set too.",
        json_schema_extra=_in(SettingGroup.SLACK),
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        description="The app's signing secret: without `SLACK_APP_TOKEN`, Slack sends events "
        "to the HTTP Events API at `/slack/events` on `HTTP_PORT`, and every request's "
        "signature and timestamp are checked with this.",
        json_schema_extra=_in(SettingGroup.SLACK),
    )
    slack_api_url: str | None = Field(
        default=None,
        description="Another base URL for Slack's Web API (tests, a proxy); a missing final "
        "`/` is added. Not set: Slack's own.",
        json_schema_extra=_in(SettingGroup.SLACK),
    )

    @field_validator("bot_admins", "matrix_allowed_servers", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(
                part.strip() for part in value.replace(";", ",").split(",") if part.strip()
            )
        return value

    @field_validator("organisation_identities")
    @classmethod
    def _known_homes(cls, value: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
        for organisation, homes in value.items():
            for home in homes:
                platform, _, where = home.partition(":")
                if platform not in ("matrix", "slack") or not where.strip():
                    raise ValueError(
                        f"{organisation}: {home!r} is not matrix:<homeserver> or slack:<team id>"
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
        from commands.core.config import CoreConfig
        from commands.core.text import fold

        return CoreConfig(
            default_language=self.default_language,
            timezone=self.timezone,
            # The terminal chat's operator is whoever sits at the keyboard, with the
            # database file in hand: no platform can speak as "console".
            bot_admins=self.bot_admins | {"console:operator"},
            platform_moderators_are_coordinators=self.platform_moderators_are_coordinators,
            organisation_identities=frozenset(
                (fold(organisation), home.strip())
                for organisation, homes in self.organisation_identities.items()
                for home in homes
            ),
            prefix=self.command_prefix,
            max_message_length=self.max_message_length,
            meeting_minutes=self.meeting_minutes,
            meeting_auto_close_minutes=self.meeting_auto_close_minutes,
            reminder_grace_minutes=self.reminder_grace_minutes,
            activation_recall_minutes=self.activation_recall_minutes,
            duty_request_escalation_minutes=self.duty_request_escalation_minutes,
            duty_phone=(self.duty_phone or "").strip(),
            meeting_reminder_offsets=self.meeting_reminder_offsets,
            audit_retention_days=self.audit_retention_days,
            web_base_url=(self.web_base_url or f"http://127.0.0.1:{self.http_port}").rstrip("/"),
            web_secret=self.web_secret.get_secret_value() if self.web_secret else "",
            web_link_minutes=self.web_link_minutes,
            web_session_hours=self.web_session_hours,
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
