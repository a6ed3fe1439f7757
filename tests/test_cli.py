"""The ``samverkan-bot`` command line through the installed script: version, migrate, config
files and the environment, configuration errors, and ``run``."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.environment import clean_env
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import free_port

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("samverkan-bot")
FORUM_LIST_LINE = "  4. Regional samverkanskonferens – regionalt samordnande, ordinarie läge"

# The HTTP server of `run` on a free port of loopback, not 8080 on every interface.
LOOPBACK_HTTP = {"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(free_port())}


class Started:
    """A ``samverkan-bot`` process started with its input written; ``result()`` waits for it."""

    def __init__(
        self,
        *args: str,
        lines: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: Path = REPO,
    ) -> None:
        self.process = subprocess.Popen(
            [str(SCRIPT), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=clean_env(env),
        )
        self.input = "".join(f"{line}\n" for line in lines)

    def result(self) -> subprocess.CompletedProcess[str]:
        try:
            stdout, stderr = self.process.communicate(self.input, timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        return subprocess.CompletedProcess(
            self.process.args, self.process.returncode, stdout, stderr
        )


def bot(
    *args: str,
    lines: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
) -> subprocess.CompletedProcess[str]:
    return Started(*args, lines=lines, env=env, cwd=cwd).result()


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def test_migrate_creates_and_seeds_a_database_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.db"
    env = {"DATABASE_URL": f"sqlite:///{path}"}

    first = bot("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "seeded a new database" in first.stderr
    second = bot("migrate", env=env)
    assert second.returncode == 0, second.stderr
    assert "seeded" not in second.stderr
    assert "database is up to date" in second.stderr
    assert_no_traceback(first)
    assert_no_traceback(second)

    with sqlite3.connect(path) as connection:
        (forums,) = connection.execute("SELECT count(*) FROM forum").fetchone()
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        (organisations,) = connection.execute("SELECT count(*) FROM organisation").fetchone()
    connection.close()
    assert forums == 7
    assert organisations == 37
    assert len(versions) == 1
    assert versions[0][0]


CONFIG = """\
default_language = "en"
bot_admins = "console:eve, @someone:example.org"
max_message_length = 200
"""
BOT_ADMIN_SESSION = [
    "!flurp",
    "!" + "x" * 299,
    "#stab !forum koppla samverkanskonferens",
    "#stab @frank: !aktivera Övning",
    "#stab @eve: !aktivera Övning",
]


def test_a_config_file_is_honoured_and_the_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(CONFIG, encoding="utf-8")

    # Both at once: process starts are slow, and they are independent.
    started_from_file = Started(
        "--config",
        str(config),
        "console",
        "--db",
        str(tmp_path / "one.db"),
        lines=BOT_ADMIN_SESSION,
    )
    # The same file named by SAMVERKAN_CONFIG, with the environment overriding two settings.
    started_overridden = Started(
        "console",
        "--db",
        str(tmp_path / "two.db"),
        lines=BOT_ADMIN_SESSION,
        env={
            "SAMVERKAN_CONFIG": str(config),
            "DEFAULT_LANGUAGE": "sv",
            "BOT_ADMINS": "console:frank",
        },
    )
    from_file = started_from_file.result()
    overridden = started_overridden.result()

    assert from_file.returncode == 0, from_file.stderr
    assert_no_traceback(from_file)
    out = from_file.stdout
    assert "There is no command “flurp”." in out
    assert "The message is too long (300 characters; at most 200)." in out
    assert "This channel is now bound to Regional samverkanskonferens." in out
    # frank is nobody; eve is a bot admin, so a coordinator. (The seeded forum speaks Swedish.)
    assert "!aktivera <anledning> kräver rollen koordinator; din roll här: ingen roll" in out
    assert "INKALLNING – Regional samverkanskonferens är aktiverad" in out
    assert "Aktiverades av eve " in out

    assert overridden.returncode == 0, overridden.stderr
    assert_no_traceback(overridden)
    out = overridden.stdout
    assert "Det finns inget kommando ”flurp”." in out
    assert "There is no command" not in out
    # max_message_length still comes from the file.
    assert "Meddelandet är för långt (300 tecken; högst 200)." in out
    assert "Aktiverades av frank " in out
    assert "Aktiverades av eve" not in out
    assert "!aktivera <anledning> kräver rollen koordinator" in out


# Short independent runs, started together on first use: each process start costs about a
# second of imports, and most of it overlaps.
@dataclass(frozen=True)
class Launch:
    args: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    lines: tuple[str, ...] = ()


MATRIX = {
    "MATRIX_HOMESERVER": "https://matrix.example.org",
    "MATRIX_USER_ID": "@samverkan:example.org",
    "MATRIX_ACCESS_TOKEN": "matrix-token-not-real",
}
SLACK = {"SLACK_BOT_TOKEN": "xoxb-not-real", "SLACK_APP_TOKEN": "xapp-not-real"}
LAUNCHES = {
    "version": Launch(("--version",)),
    "missing-config-file": Launch(("--config", "{tmp}/missing.toml", "console")),
    "missing-SAMVERKAN_CONFIG": Launch(("console",), {"SAMVERKAN_CONFIG": "{tmp}/nowhere.toml"}),
    "bad-timezone": Launch(("console",), {"TIMEZONE": "Mars/Base"}),
    "bad-now": Launch(("console", "--now", "next thursday")),
    "run": Launch(("run",), lines=("!forum lista",)),
}


@dataclass(frozen=True)
class Ran:
    result: subprocess.CompletedProcess[str]
    cwd: Path


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    base = tmp_path_factory.mktemp("launches")
    started: dict[str, tuple[Started, Path]] = {}
    for name, launch in LAUNCHES.items():
        cwd = base / name
        cwd.mkdir()
        started[name] = (
            Started(
                *(arg.format(tmp=cwd) for arg in launch.args),
                lines=launch.lines,
                env={key: value.format(tmp=cwd) for key, value in launch.env.items()},
                cwd=cwd,
            ),
            cwd,
        )
    return {name: Ran(process.result(), cwd) for name, (process, cwd) in started.items()}


def test_version(ran: dict[str, Ran]) -> None:
    assert SCRIPT.is_file()
    result = ran["version"].result
    assert result.returncode == 0
    assert result.stdout.strip() == "samverkan-bot 0.1.0"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing-config-file", "configuration file not found: {tmp}/missing.toml"),
        ("missing-SAMVERKAN_CONFIG", "configuration file not found: {tmp}/nowhere.toml"),
        ("bad-timezone", "unknown time zone 'Mars/Base'"),
        ("bad-now", "--now takes a local time like \"2026-11-26 15:00\", not 'next thursday'"),
    ],
)
def test_configuration_errors_exit_2_with_one_line(
    ran: dict[str, Ran], name: str, expected: str
) -> None:
    result, cwd = ran[name].result, ran[name].cwd
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("samverkan-bot: ")
    assert expected.format(tmp=cwd) in lines[0]
    assert not (cwd / "samverkan.db").exists()


def test_run_without_credentials_is_the_terminal_chat(ran: dict[str, Ran]) -> None:
    result, cwd = ran["run"].result, ran["run"].cwd
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert re.match(r"── #konsol \d\d:\d\d ──\nForum\n", result.stdout), result.stdout[:200]
    assert FORUM_LIST_LINE in result.stdout
    assert (cwd / "samverkan.db").is_file()


def test_run_with_slack_credentials_starts_the_slack_door(tmp_path: Path) -> None:
    """No terminal chat: the Slack door starts, and a refused token ends it with one line."""
    with FakeSlack(refuse_token=True) as fake:
        env = {**SLACK, "SLACK_API_URL": fake.api_url, **LOOPBACK_HTTP}
        result = bot("run", env=env, cwd=tmp_path)
        assert [call.method for call in fake.calls] == ["auth.test"]
    assert result.returncode == 2
    assert result.stdout == ""
    assert_no_traceback(result)
    assert "Slack refused the bot token: invalid_auth" in result.stderr
    assert "no Slack door" not in result.stderr
    for secret in (*MATRIX.values(), *SLACK.values()):
        if "not-real" in secret:
            assert secret not in result.stderr
