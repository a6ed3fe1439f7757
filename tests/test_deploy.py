"""deploy/: the container image, the compose stack, the systemd unit, the Kubernetes manifests.

No Docker engine runs here, so the image's steps are played without one: the build context
as deploy/Dockerfile.dockerignore leaves it, the builder stage's ``deploy/install.sh`` lines
run as written (only the image's paths moved into a temporary directory), and the installed
bot is started with the runtime stage's ENV, ENTRYPOINT, CMD and HEALTHCHECK. The linters
and validators are the real ones (hadolint, systemd-analyze, the Kubernetes API schemas),
each shown to reject a broken copy.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.config import Settings
from tests.support import deploy_compose
from tests.support.bot_process import Service
from tests.support.databases import Databases
from tests.support.deploy_dockerfile import (
    DockerIgnore,
    Stage,
    context_files,
    copy_into,
    parse_dockerfile,
)
from tests.support.deploy_process import MDWE_PROBE, http_get, run, under_mdwe, wait_until
from tests.support.deploy_settings import secret_names, setting_names, unknown_names
from tests.support.deploy_synapse import DeploySynapse
from tests.support.environment import clean_env
from tests.support.fake_slack import FakeSlack
from tests.support.loopback import free_port
from tests.support.matrix_user import MatrixUser
from tests.support.synapse import SynapseServer

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
UNIT = DEPLOY / "systemd" / "samverkan-bot.service"
SCRIPT = DEPLOY / "scripts" / "create-bot-and-room"
DATA_DIR = "/var/lib/samverkan-bot"
"""The image's data directory (WORKDIR and VOLUME), the systemd unit's state directory."""
VENV_DIR = "/opt/samverkan-bot"
"""Where deploy/install.sh puts the bot, in the image and for the systemd unit."""
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
HTTP_PORT = Settings.model_fields["http_port"].default
SLACK_TOKEN = "xoxb-deploy-test-token"
SLACK_SECRET = "deploy-test-signing-secret"


def stages() -> list[Stage]:
    return parse_dockerfile((DEPLOY / "Dockerfile").read_text())


def base_python() -> str:
    """The interpreter behind this venv: what ``python3`` is in the image."""
    base = getattr(sys, "_base_executable", None)
    return base if isinstance(base, str) and os.access(base, os.X_OK) else sys.executable


# -- the image, played here ---------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """The image's file system under ``root`` (which stands for ``/``), after both stages."""

    root: Path
    runtime: Stage
    build_log: str

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")

    def moved(self, text: str) -> str:
        """A value with the image's own directories moved under ``root``."""
        for directory in (DATA_DIR, VENV_DIR):
            text = text.replace(directory, str(self.path(directory)))
        return text

    def env(self, **extra: str) -> dict[str, str]:
        """The container's environment: the runtime stage's ENV, plus ``docker run -e``."""
        env = clean_env({name: self.moved(value) for name, value in self.runtime_env().items()})
        env.update(extra)
        return env

    def runtime_env(self) -> dict[str, str]:
        return self.runtime.env({"PATH": os.environ["PATH"]})

    def command(self, env: dict[str, str], argv: list[str]) -> list[str]:
        """``argv`` as the container runs it (the program found on the image's PATH), with
        write-execute memory denied as the systemd unit denies it."""
        program = shutil.which(argv[0], path=env["PATH"])
        assert program is not None, f"{argv[0]} is not on the image's PATH {env['PATH']}"
        assert program.startswith(str(self.root)), f"{argv[0]} is {program}, not the image's"
        return under_mdwe([program, *argv[1:]])

    def entrypoint(self, *arguments: str) -> list[str]:
        entrypoint = self.runtime.last("ENTRYPOINT").exec_form()
        return [*entrypoint, *(arguments or self.runtime.last("CMD").exec_form())]

    def healthcheck(self) -> list[str]:
        return self.runtime.last("HEALTHCHECK").exec_form()


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """Both stages of deploy/Dockerfile, played into a temporary directory: the builder
    stage's COPY lines from the build context the .dockerignore leaves, its RUN lines as
    they are written, then the runtime stage's COPY --from=builder."""
    builder, runtime = stages()
    root = tmp_path_factory.mktemp("image")
    ignore = DockerIgnore.parse((DEPLOY / "Dockerfile.dockerignore").read_text())
    copy_into(builder, REPO, ignore, root)
    workdir = root / builder.workdir().lstrip("/")
    env = clean_env({**builder.env(), "PYTHON": base_python()})
    log = []
    for instruction in builder.all("RUN"):
        for step in instruction.arguments.split("&&"):
            argv = [
                str(root / word.lstrip("/")) if word.startswith("/") else word
                for word in shlex.split(step)
            ]
            assert argv[0] == "deploy/install.sh", f"a build step outside install.sh: {step}"
            done = run(argv, env, workdir, timeout=540)
            log.append(f"$ {step.strip()}\n{done.stdout}{done.stderr}")
            assert done.returncode == 0, "\n".join(log)[-6000:]
    # COPY --from=builder: the same path in the runtime stage, so nothing moves here.
    for instruction in runtime.all("COPY"):
        flags, rest = instruction.flags()
        source, destination = shlex.split(rest)
        assert flags == {"from": builder.name}, instruction
        assert source == destination == VENV_DIR, instruction
    data = root / DATA_DIR.lstrip("/")
    data.mkdir(parents=True)
    data.chmod(0o750)
    return Image(root, runtime, "\n".join(log))


# -- the Dockerfile -----------------------------------------------------------------------


def hadolint(dockerfile: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """hadolint on ``dockerfile``, away from any configuration file, inline ignores off."""
    binary = Path(sys.executable).with_name("hadolint")
    env = {"PATH": os.environ["PATH"], "HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir)}
    command = [str(binary), "--no-color", "--disable-ignore-pragma", "--failure-threshold=style"]
    return run([*command, str(dockerfile)], env, workdir)


def test_hadolint_passes_the_dockerfile_and_fails_a_careless_one(tmp_path: Path) -> None:
    clean = hadolint(DEPLOY / "Dockerfile", tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.strip() == ""

    careless = tmp_path / "Dockerfile"
    careless.write_text(
        (DEPLOY / "Dockerfile")
        .read_text()
        .replace("FROM python:3.11.11-slim-bookworm\n", "FROM python:latest\n")
        .replace("USER 10001:10001\n", "RUN apt-get install -y curl\n")
    )
    found = hadolint(careless, tmp_path)
    assert found.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3015"):
        assert rule in found.stdout, found.stdout


def test_the_dockerfile_builds_in_one_stage_and_runs_unprivileged_in_another() -> None:
    builder, runtime = stages()
    assert builder.name == "builder"
    assert runtime.base == builder.base, "both stages on the same interpreter, or the venv breaks"
    assert re.fullmatch(r"python:3\.1[1-9]\.\d+-slim-\w+", runtime.base), runtime.base
    assert "3.11" in PYPROJECT["project"]["requires-python"]

    runs = " ".join(each.arguments for each in runtime.all("RUN"))
    for tool in ("gcc", "pip ", "build-essential", "-dev"):
        assert tool not in runs, f"the runtime stage installs with {tool}"
    # Only the libraries WeasyPrint loads at run time (the PDF/A minutes), no recommends,
    # the package lists removed.
    installed = re.findall(r"([a-z0-9.+-]+)=[^\s]+", runs.split("apt-get install", 1)[-1])
    assert set(installed) == {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"}
    assert "--no-install-recommends" in runs
    assert "rm -rf /var/lib/apt/lists/*" in runs
    uid = re.search(r"--uid (\d+)", runs)
    assert uid is not None
    assert int(uid[1]) >= 1000
    assert runtime.last("USER").arguments == f"{uid[1]}:{uid[1]}", "USER by number: runAsNonRoot"

    assert runtime.workdir() == DATA_DIR
    assert runtime.last("VOLUME").exec_form() == [DATA_DIR]
    assert f"-o samverkan -g samverkan -m 0750 {DATA_DIR}" in runs
    env = runtime.env({"PATH": "/usr/bin"})
    assert env["PATH"].startswith(f"{VENV_DIR}/bin:")
    assert env["DATABASE_URL"] == f"sqlite:///{DATA_DIR}/samverkan.db"
    assert env["MATRIX_STORE_PATH"].startswith(f"{DATA_DIR}/")
    assert env["PYTHONUNBUFFERED"] == "1"
    bot_settings = [name for name in env if not name.startswith(("PYTHON", "PATH"))]
    assert unknown_names(bot_settings) == []
    assert runtime.last("EXPOSE").arguments == env["HTTP_PORT"] == str(HTTP_PORT)

    assert runtime.last("ENTRYPOINT").exec_form() == ["samverkan-bot"]
    assert runtime.last("CMD").exec_form() == ["run"]
    assert runtime.last("HEALTHCHECK").exec_form() == ["samverkan-bot", "healthcheck"]


def test_the_build_context_holds_what_the_image_is_built_from_and_nothing_else() -> None:
    ignore = DockerIgnore.parse((DEPLOY / "Dockerfile.dockerignore").read_text())
    builder = stages()[0]
    copied: list[str] = []
    for instruction in builder.all("COPY"):
        *sources, _ = shlex.split(instruction.arguments)
        for source in sources:
            files = context_files(REPO, source.rstrip("/"), ignore)
            assert files, f"COPY {source}: the build context has nothing there"
            copied += files
    assert not [path for path in copied if "__pycache__" in path or path.endswith(".pyc")]
    assert "commands/messages/sv.toml" in copied
    assert "storage/seed.toml" in copied
    assert "storage/migrations/env.py" in copied
    for left_out in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/test_deploy.py",
        "samverkan.db",
        "deploy/compose.yaml",
        "bot/__pycache__/cli.cpython-311.pyc",
        "storage/migrations/__pycache__/env.cpython-311.pyc",
    ):
        assert ignore.ignored(left_out), left_out
    assert not ignore.ignored("deploy/install.sh")
    assert os.access(DEPLOY / "install.sh", os.X_OK), "the Dockerfile runs it directly"


# -- the installed bot --------------------------------------------------------------------


def _wheel_platforms(name: str) -> list[str]:
    return name.removesuffix(".whl").split("-")[-1].split(".")


def test_the_image_holds_prebuilt_wheels_only_and_no_installer(image: Image) -> None:
    wheels = sorted(image.path("/wheels").iterdir())
    assert wheels, image.build_log[-3000:]
    assert all(wheel.suffix == ".whl" for wheel in wheels), [w.name for w in wheels]
    assert f"samverkan_bot-{VERSION}-py3-none-any.whl" in {wheel.name for wheel in wheels}
    compiled_here = [
        wheel.name
        for wheel in wheels
        if not all(
            tag == "any" or tag.startswith(("manylinux", "musllinux"))
            for tag in _wheel_platforms(wheel.name)
        )
    ]
    assert compiled_here == [], "built on this machine: the image has no compiler"

    site = next(image.path(VENV_DIR).glob("lib/python3.*/site-packages"))
    installed = {path.name.split("-")[0].lower() for path in site.glob("*.dist-info")}
    assert {"samverkan_bot", "psycopg_binary", "matrix_nio", "vodozemac"} <= installed
    assert not {"pip", "setuptools", "wheel"} & installed, installed
    assert not (image.path(VENV_DIR) / "bin" / "pip").exists()


def test_the_installed_bot_migrates_its_database_in_the_data_directory(image: Image) -> None:
    env = image.env()
    data = image.path(DATA_DIR)
    probe = run(under_mdwe([sys.executable, "-c", MDWE_PROBE]), env, data)
    assert probe.stdout.strip() == "refused", "the commands below must run with MDWE on"

    version = run(image.command(env, image.entrypoint("--version")), env, data)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"samverkan-bot {VERSION}"

    migrated = run(image.command(env, image.entrypoint("migrate")), env, data)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    assert database.parent == data
    with sqlite3.connect(database) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        forums = connection.execute("SELECT count(*) FROM forum").fetchone()[0]
    assert revision
    assert forums >= 5, "the seed: the region's forums"


def _healthy(image: Image, env: dict[str, str]) -> int:
    return run(image.command(env, image.healthcheck()), env, image.path(DATA_DIR)).returncode


def test_the_installed_bot_answers_its_probes_and_stops_on_sigterm(
    image: Image, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        port = free_port()
        env = image.env(
            HTTP_HOST="127.0.0.1",  # docker run -e: loopback only on a shared test machine
            HTTP_PORT=str(port),
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SLACK_SECRET,
            SLACK_API_URL=slack.api_url,
            LOG_LEVEL="INFO",
        )
        assert _healthy(image, env) == 1, "nothing runs yet: the health check must say so"
        command = image.command(env, image.entrypoint())
        bot = Service(command, env, image.path(DATA_DIR), tmp_path / "bot.log")
        with bot:
            wait_until(
                lambda: f"the HEALTHCHECK command passing; log:\n{bot.log()[-3000:]}",
                lambda: not bot.running or _healthy(image, env) == 0,
                timeout=60,
                every=0.5,
            )
            assert bot.running, bot.log()[-3000:]
            base = f"http://127.0.0.1:{port}"
            assert http_get(f"{base}/healthz")[0] == 200
            wait_until("/readyz 200", lambda: http_get(f"{base}/readyz")[0] == 200, timeout=30)
            status, metrics = http_get(f"{base}/metrics")
            assert status == 200
            assert "# TYPE samverkan_" in metrics
            code, seconds = bot.stop_timed()
        assert code == 0, bot.log()[-3000:]
        assert seconds < 10, f"SIGTERM took {seconds:.1f} s"
        assert _healthy(image, env) == 1
    log = bot.log()
    assert "Traceback" not in log, log[-3000:]
    assert SLACK_TOKEN not in log
    assert SLACK_SECRET not in log


# -- the compose stack --------------------------------------------------------------------


def _is_bot_image(service: Any) -> bool:
    build = service.get("build") or {}
    return (
        isinstance(build, dict) and build.get("dockerfile") == "deploy/Dockerfile"
    ) or service.get("image") == "samverkan-bot:local"


def _compose_problems(path: Path) -> list[str]:
    return deploy_compose.compose_problems(
        path, is_bot_image=_is_bot_image, unknown_settings=unknown_names
    )


def _docker_compose() -> str | None:
    """The docker CLI when its compose plugin is there (no engine is needed for `config`)."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    return docker if version.returncode == 0 else None


def test_the_compose_stack_is_complete_and_consistent() -> None:
    path = DEPLOY / "compose.yaml"
    assert _compose_problems(path) == []
    stack = deploy_compose.load(path)
    services = stack["services"]
    assert {"bot", "setup", "postgres", "synapse"} <= set(services)
    bot, setup, postgres, synapse = (services[n] for n in ("bot", "setup", "postgres", "synapse"))

    assert (path.parent / bot["build"]["context"]).resolve() == REPO
    assert bot["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "synapse": {"condition": "service_healthy"},
        "setup": {"condition": "service_completed_successfully"},
    }
    assert bot["healthcheck"]["test"] == ["CMD", *stages()[1].last("HEALTHCHECK").exec_form()]
    assert f"{DATA_DIR}" in {volume.split(":")[1] for volume in bot["volumes"]}

    # The bot's database is the postgres service, with its user, password and database.
    database = bot["environment"]["DATABASE_URL"]
    pg = postgres["environment"]
    assert database == (
        f"postgresql+psycopg://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{pg['POSTGRES_DB']}"
    )
    assert bot["environment"]["HTTP_PORT"] == str(HTTP_PORT)
    assert bot["ports"] == [f"127.0.0.1:{HTTP_PORT}:{HTTP_PORT}"]

    # setup writes the bot's Matrix settings where the bot reads them, with the secret
    # Synapse generated in its own volume.
    options = dict(word.removeprefix("--").split("=", 1) for word in setup["command"])
    assert options["config-out"] == bot["environment"]["SAMVERKAN_CONFIG"]
    assert options["config-out"].startswith(DATA_DIR + "/")
    assert options["homeserver"] == "http://synapse:8008"
    homeserver = yaml.safe_load((DEPLOY / "synapse" / "homeserver.yaml").read_text())
    secret_in_synapse = homeserver["registration_shared_secret_path"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in synapse["volumes"] + setup["volumes"]}
    volume = next(v for v in synapse["volumes"] if v.endswith(":/data"))
    assert f"{volume.split(':')[0]}:/synapse-data:ro" in setup["volumes"]
    assert options["shared-secret-file"] == secret_in_synapse.replace("/data", "/synapse-data")
    assert mounts["./synapse"] == "/config"
    config_path = synapse["environment"]["SYNAPSE_CONFIG_PATH"]
    assert deploy_compose.container_path_on_host(synapse, config_path, path.parent) == (
        DEPLOY / "synapse" / "homeserver.yaml"
    )
    assert deploy_compose.container_path_on_host(
        synapse, homeserver["log_config"], path.parent
    ) == (DEPLOY / "synapse" / "log.config.yaml")
    assert synapse["ports"] == ["127.0.0.1:8008:8008"]

    docker = _docker_compose()
    if docker is not None:  # the engine is not needed to resolve the file
        resolved = subprocess.run(
            [docker, "compose", "-f", str(path), "config", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert resolved.returncode == 0, resolved.stderr


BROKEN_STACKS = [
    pytest.param(
        '    healthcheck:\n      test: ["CMD", "samverkan-bot"',
        '    healtcheck:\n      test: ["CMD", "samverkan-bot"',
        "unknown key 'healtcheck'",
        id="a misspelled key",
    ),
    pytest.param(
        "image: postgres:16.10-alpine", "image: postgres", "no pinned version", id="no tag"
    ),
    pytest.param(
        "      LOG_LEVEL: INFO", "      LOGLEVEL: INFO", "not a setting", id="not a setting"
    ),
    pytest.param(
        "./synapse:/config:ro", "./synaps:/config:ro", "does not exist", id="no such file"
    ),
    pytest.param('"127.0.0.1:8008:8008"', '"8008:8008"', "beyond 127.0.0.1", id="published to all"),
    pytest.param(
        "${POSTGRES_PASSWORD:-samverkan-demo}@",
        "${POSTGRES_PASSWORD}@",
        "has no default",
        id="a variable without default",
    ),
    pytest.param(
        "      - bot-data:/var/lib/samverkan-bot\n    ports",
        "      - bot-dat:/var/lib/samverkan-bot\n    ports",
        "volume 'bot-dat' is not declared",
        id="an undeclared volume",
    ),
    pytest.param(
        '/scripts/create-bot-and-room"]',
        '/scripts/create-bot-and-rooms"]',
        "which is missing",
        id="a missing entrypoint",
    ),
]


@pytest.mark.parametrize(("before", "after", "problem"), BROKEN_STACKS)
def test_the_compose_checks_catch_a_broken_stack(
    tmp_path: Path, before: str, after: str, problem: str
) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(DEPLOY / "synapse", deploy / "synapse")
    shutil.copytree(DEPLOY / "scripts", deploy / "scripts")
    shutil.copy(DEPLOY / "Dockerfile", deploy / "Dockerfile")
    text = (DEPLOY / "compose.yaml").read_text()
    assert before in text
    (deploy / "compose.yaml").write_text(text)
    assert _compose_problems(deploy / "compose.yaml") == []
    (deploy / "compose.yaml").write_text(text.replace(before, after, 1))
    problems = _compose_problems(deploy / "compose.yaml")
    assert any(problem in each for each in problems), problems


# -- Synapse and the setup script ---------------------------------------------------------


def _create_bot_and_room(*arguments: str) -> subprocess.CompletedProcess[str]:
    """The setup script as the stack runs it: a bare interpreter, standard library only."""
    return subprocess.run(
        [base_python(), "-I", str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in clean_env().items() if k != "REGISTRATION_SHARED_SECRET"},
    )


def _printed(output: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}\s*(\S+)", output, re.MULTILINE)
    assert match is not None, f"{label!r} not in:\n{output}"
    return match[1]


def _matrix(url: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _login(url: str, user_id: str, password: str) -> str:
    answer = _matrix(
        url,
        "POST",
        "/_matrix/client/v3/login",
        {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user_id},
         "password": password},
    )  # fmt: skip
    return str(answer["access_token"])


def test_the_stacks_synapse_configuration_starts_and_the_setup_script_uses_it(
    tmp_path: Path,
) -> None:
    config_dir = DEPLOY / "synapse"
    before = sorted(p.name for p in config_dir.iterdir())
    with DeploySynapse(config_dir, tmp_path / "data") as synapse:
        outside = [p for p in synapse.absolute_paths if not p.startswith(("/data/", "/config/"))]
        assert outside == [], "the stack mounts only /config (read-only) and /data"
        secret = synapse.in_data(synapse.config["registration_shared_secret_path"])
        assert secret.is_file(), "Synapse makes the shared secret on its first start"

        done = _create_bot_and_room(f"--homeserver={synapse.url}", f"--shared-secret-file={secret}")
        assert done.returncode == 0, done.stdout + done.stderr
        bot_id = _printed(done.stdout, "MATRIX_USER_ID=")
        assert bot_id == f"@samverkan:{synapse.config['server_name']}"
        bot_password = _printed(done.stdout, "MATRIX_PASSWORD=")
        assert _login(synapse.url, bot_id, bot_password)

        coordinator = _printed(done.stdout, "Coordinator:")
        token = _login(synapse.url, coordinator, _printed(done.stdout, "password:"))
        room_id = _printed(done.stdout, "room id:")
        encryption = _matrix(
            synapse.url, "GET", f"/_matrix/client/v3/rooms/{room_id}/state/m.room.encryption",
            token=token,
        )  # fmt: skip
        assert encryption["algorithm"] == "m.megolm.v1.aes-sha2", "rooms are encrypted"
    assert sorted(p.name for p in config_dir.iterdir()) == before, "/config is read-only"


def test_create_bot_and_room_gives_a_room_where_the_installed_bot_binds_a_forum(
    synapse: SynapseServer, image: Image, databases: Databases, tmp_path: Path
) -> None:
    """The compose stack's flow on a real Synapse: setup, then the bot with the compose
    file's environment (on a new PostgreSQL database, as there), then the command that the
    script tells the coordinator to type."""
    suffix = uuid.uuid4().hex[:8]
    config = tmp_path / "demo" / "bot.toml"
    env_file = tmp_path / "bot.env"
    arguments = [
        f"--homeserver={synapse.url}",
        f"--bot=deploybot{suffix}",
        f"--coordinator=deploycoord{suffix}",
        f"--config-out={config}",
    ]
    done = _create_bot_and_room(
        *arguments, f"--shared-secret={synapse.registration_shared_secret}", f"--env-out={env_file}"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    bot_id = _printed(done.stdout, "Bot account:")
    coordinator_id = _printed(done.stdout, "Coordinator:")
    coordinator_password = _printed(done.stdout, "password:")
    typed = done.stdout.strip().splitlines()[-1].strip()
    assert typed.startswith("!forum koppla ")

    for written in (config, env_file):
        assert written.stat().st_mode & 0o777 == 0o600, f"{written} holds the bot's password"
    settings = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert unknown_names(settings) == []
    assert settings["MATRIX_USER_ID"] == bot_id
    assert tomllib.loads(config.read_text())["matrix_password"] == settings["MATRIX_PASSWORD"]
    assert settings["MATRIX_PASSWORD"] not in done.stdout, "written to a file: not printed"

    token = _login(synapse.url, coordinator_id, coordinator_password)
    (room_id,) = _matrix(synapse.url, "GET", "/_matrix/client/v3/joined_rooms", token=token)[
        "joined_rooms"
    ]
    membership = f"/_matrix/client/v3/rooms/{room_id}/state/m.room.member/{bot_id}"
    assert _matrix(synapse.url, "GET", membership, token=token)["membership"] == "invite"

    compose = deploy_compose.load(DEPLOY / "compose.yaml")["services"]["bot"]["environment"]
    env = image.env(
        **{
            **{name: image.moved(str(value)) for name, value in compose.items()},
            "SAMVERKAN_CONFIG": str(config),
            "DATABASE_URL": databases.empty("postgresql"),
            "MATRIX_STORE_PATH": str(tmp_path / "matrix-store"),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(free_port()),
        }
    )
    with MatrixUser(synapse.url, coordinator_id, coordinator_password) as coordinator:
        command = image.command(env, image.entrypoint())
        with Service(command, env, tmp_path, tmp_path / "bot.log") as bot:
            coordinator.wait_until_joined(room_id, bot_id, timeout=60)
            hello = coordinator.wait_for_message(room_id, sender=bot_id)
            assert "inte kopplad" in (hello.body or ""), hello.describe()
            mark = coordinator.mark(room_id)
            coordinator.send(room_id, typed)
            answer = coordinator.wait_for_message(room_id, sender=bot_id, since=mark)
            assert "kopplad till Regional samverkanskonferens" in (answer.body or ""), (
                answer.describe()
            )
            code, _ = bot.stop_timed()
        assert code == 0, bot.log()[-3000:]
    log = bot.log()
    assert "Traceback" not in log, log[-3000:]
    assert f"(device {compose['MATRIX_DEVICE_ID']})" in log, "one device for every replica"
    assert settings["MATRIX_PASSWORD"] not in log

    again = _create_bot_and_room(
        *arguments, f"--shared-secret={synapse.registration_shared_secret}"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Already set up" in again.stdout
    rooms = _matrix(synapse.url, "GET", "/_matrix/client/v3/joined_rooms", token=token)
    assert rooms["joined_rooms"] == [room_id], "no second room"


def test_the_setup_script_is_linted_like_the_project() -> None:
    """`ruff check .` passes over it: it has no .py suffix, being a command."""
    ruff = str(Path(sys.executable).with_name("ruff"))
    for command in ([ruff, "check", str(SCRIPT)], [ruff, "format", "--check", str(SCRIPT)]):
        done = run(command, os.environ, REPO)
        assert done.returncode == 0, done.stdout + done.stderr
    assert SCRIPT.read_text().startswith("#!/usr/bin/env python3\n")
    assert os.access(SCRIPT, os.X_OK)


def test_create_bot_and_room_refuses_a_wrong_secret(synapse: SynapseServer) -> None:
    done = _create_bot_and_room(
        f"--homeserver={synapse.url}",
        f"--bot=deploywrong{uuid.uuid4().hex[:8]}",
        "--shared-secret=not-the-secret",
    )
    assert done.returncode == 1
    assert "wrong shared secret" in done.stderr
    assert "Traceback" not in done.stderr


# -- systemd ------------------------------------------------------------------------------


def _unit_entries(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) in order; repeated keys stay repeated, as systemd reads them."""
    section, entries = "", []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def _unit_with_installed_bot(image: Image, directory: Path, text: str | None = None) -> Path:
    """A copy of the unit whose ExecStart is the bot installed by deploy/install.sh here."""
    text = text if text is not None else UNIT.read_text()
    unit = directory / UNIT.name
    unit.write_text(text.replace(f"{VENV_DIR}/bin/", f"{image.path(VENV_DIR)}/bin/"))
    return unit


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return run(
        ["systemd-analyze", "verify", "--man=no", "--generators=no", str(unit)],
        {"PATH": os.environ["PATH"], "SYSTEMD_LOG_COLOR": "0"},
        unit.parent,
    )


def test_the_systemd_unit_verifies_and_a_typo_does_not(image: Image, tmp_path: Path) -> None:
    entries = _unit_entries(UNIT.read_text())
    service = {key: value for section, key, value in entries if section == "Service"}
    assert service["ExecStart"] == f"{VENV_DIR}/bin/samverkan-bot run"
    assert service["StateDirectory"] == Path(DATA_DIR).name
    assert service["WorkingDirectory"] == DATA_DIR
    environment = dict(
        value.split("=", 1) for section, key, value in entries if key == "Environment"
    )
    assert unknown_names([n for n in environment if not n.startswith("PYTHON")]) == []
    assert environment["DATABASE_URL"] == f"sqlite:///{DATA_DIR}/samverkan.db"
    assert environment["MATRIX_STORE_PATH"].startswith(DATA_DIR + "/")
    assert environment["HTTP_PORT"] == str(HTTP_PORT)

    good = _verify(_unit_with_installed_bot(image, tmp_path))
    assert good.returncode == 0, good.stderr
    assert good.stderr.strip() == "", "a warning is a finding"
    assert good.stdout.strip() == ""

    broken = tmp_path / "broken"
    broken.mkdir()
    typo = UNIT.read_text().replace("ProtectKernelTunables=yes", "ProtectKernelTunable=yes")
    found = _verify(_unit_with_installed_bot(image, broken, typo))
    assert "Unknown key 'ProtectKernelTunable'" in found.stderr, found.stderr
    shutil.copy(UNIT, broken / UNIT.name)  # ExecStart as shipped: not installed here
    missing = _verify(broken / UNIT.name)
    assert missing.returncode != 0
    assert "samverkan-bot is not executable" in missing.stderr, missing.stderr


def _exposure(unit: Path) -> tuple[float, int]:
    done = run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=30", str(unit)],
        {"PATH": os.environ["PATH"], "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_COLORS": "0"},
        unit.parent,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert match is not None, done.stdout + done.stderr
    return float(match[1]), done.returncode


def test_the_systemd_unit_is_hardened(image: Image, tmp_path: Path) -> None:
    service = {k: v for s, k, v in _unit_entries(UNIT.read_text()) if s == "Service"}
    for key, value in {
        "DynamicUser": "yes",
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "MemoryDenyWriteExecute": "yes",
        "UMask": "0077",
        "Restart": "on-failure",
    }.items():
        assert service.get(key) == value, key
    score, status = _exposure(_unit_with_installed_bot(image, tmp_path))
    assert score < 3.0
    assert status == 0

    plain = tmp_path / "plain"
    plain.mkdir()
    unhardened = UNIT.read_text().split("# -- who it runs as")[0]
    score, status = _exposure(_unit_with_installed_bot(image, plain, unhardened))
    assert score >= 3.0, "the check must tell a bare unit from a hardened one"
    assert status != 0


# -- Kubernetes ---------------------------------------------------------------------------


def _manifests() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object in deploy/kubernetes, by kind (one of each)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and not document["apiVersion"].startswith("kustomize"):
                assert document["kind"] not in found, f"a second {document['kind']} in {path}"
                found[document["kind"]] = {**document, "_file": path.name}
    return found


def _strip(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "_file"}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_kubernetes_manifests_are_valid_objects(version: str) -> None:
    manifests = _manifests()
    assert set(manifests) == {
        "ConfigMap", "Deployment", "PersistentVolumeClaim", "PodDisruptionBudget", "Secret",
        "Service",
    }  # fmt: skip
    for kind, document in manifests.items():
        assert "namespace" not in document["metadata"], f"{kind}: namespace-less manifests"
        kubernetes_validate.validate(_strip(document), version, strict=True)


@pytest.mark.parametrize(
    "breakage",
    ["a misspelled field", "a port that is not a number", "probes as a list"],
)
def test_the_kubernetes_validator_rejects_a_broken_deployment(breakage: str) -> None:
    deployment = _strip(copy.deepcopy(_manifests()["Deployment"]))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if breakage == "a misspelled field":
        deployment["spec"]["replica"] = deployment["spec"].pop("replicas")
    elif breakage == "a port that is not a number":
        container["ports"][0]["containerPort"] = "eighty"
    else:
        container["livenessProbe"] = [container["livenessProbe"]]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_kubernetes_objects_fit_together_and_fit_the_bot() -> None:
    manifests = _manifests()
    deployment, service = manifests["Deployment"], manifests["Service"]
    config, secret = manifests["ConfigMap"], manifests["Secret"]
    pvc, pdb = manifests["PersistentVolumeClaim"], manifests["PodDisruptionBudget"]
    template = deployment["spec"]["template"]
    pod = template["spec"]
    (container,) = pod["containers"]
    labels = template["metadata"]["labels"]

    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert pdb["spec"]["selector"]["matchLabels"] == selector
    (affinity,) = pod["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    assert affinity["podAffinityTerm"]["labelSelector"]["matchLabels"].items() <= labels.items()

    replicas = deployment["spec"]["replicas"]
    assert replicas == 3
    budget = pdb["spec"]
    assert budget.get("maxUnavailable") == 1 or 0 < budget.get("minAvailable", 0) < replicas

    # One port, the bot's: the container's, the Service's, the probes', the scrape's.
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}
    assert int(config["data"]["HTTP_PORT"]) == HTTP_PORT
    assert stages()[1].last("EXPOSE").arguments == str(HTTP_PORT)
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] == "http"
    assert service_port["name"] == "http"
    assert service_port["port"] == 80
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz")):  # fmt: skip
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    annotations = template["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(HTTP_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"

    # Settings: the ConfigMap and the Secret hold real settings, the secret ones apart.
    references = {next(iter(ref)): ref[next(iter(ref))]["name"] for ref in container["envFrom"]}
    assert references == {
        "configMapRef": config["metadata"]["name"],
        "secretRef": secret["metadata"]["name"],
    }
    assert unknown_names(config["data"]) == []
    assert not set(config["data"]) & secret_names(), "secrets belong in the Secret"
    assert set(secret["stringData"]) <= secret_names() | {"DATABASE_URL"}
    assert secret["stringData"]["DATABASE_URL"].startswith("postgresql+psycopg://"), (
        "several replicas share one PostgreSQL; SQLite is for one process"
    )
    assert unknown_names([entry["name"] for entry in container["env"]]) == []
    settings = setting_names()
    assert "LEADER_LEASE_SECONDS" in settings
    assert "LEADER_LEASE_SECONDS" in config["data"]
    assert "MATRIX_DEVICE_ID" in config["data"], "one device, and so one key store, for all"

    # The Matrix key store on the shared volume, which every replica can write.
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    store = config["data"]["MATRIX_STORE_PATH"]
    (store_volume,) = [n for n, p in mounts.items() if store.startswith(p.rstrip("/") + "/")]
    claim = volumes[store_volume]["persistentVolumeClaim"]["claimName"]
    assert claim == pvc["metadata"]["name"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert mounts[store_volume] == stages()[1].last("VOLUME").exec_form()[0]
    assert mounts["tmp"] == "/tmp"
    assert "emptyDir" in volumes["tmp"]

    # Not root, nothing to escalate to, a read-only image: the Dockerfile's user.
    uid = int(stages()[1].last("USER").arguments.split(":")[0])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == uid
    assert pod["securityContext"]["fsGroup"] == uid
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["automountServiceAccountToken"] is False
    assert 10 <= pod["terminationGracePeriodSeconds"] <= 120
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]


def test_the_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    listed = kustomization["resources"]
    assert all((KUBERNETES / name).is_file() for name in listed)
    present = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(listed) == present - {"secret.example.yaml"}, "placeholders are never applied"
    image = _manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]["image"]
    name, _, tag = image.partition(":")
    (rewrite,) = kustomization["images"]
    assert rewrite["name"] == name
    assert tag
    assert tag != "latest"
    assert rewrite["newTag"] != "latest"
