"""The layers of docs/architecture.md, as import-linter contracts ([tool.importlinter] in
pyproject.toml): they hold for the code, and a deliberately wrong import breaks each one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_code_keeps_every_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three packages' Python files and the contracts, to break on purpose."""
    target = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for package in ("storage", "commands", "bot"):
        for path in (ROOT / package).rglob("*.py"):
            destination = target / path.relative_to(ROOT)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)
    return target


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("storage/people.py", "import commands.core.roles", "storage imports nothing of ours"),
        ("commands/core/roles.py", "import bot.metrics", "commands never imports bot"),
        ("commands/report.py", "import slack_sdk", "SDKs are imported only under bot/"),
        (
            "commands/report.py",
            "import commands.activation",
            "topic modules under commands/ are independent of one another",
        ),
        # What a door hands in may not depend on the dispatcher, which imports it.
        ("commands/core/messages.py", "import commands.core.dispatcher", "no import circle"),
        # Nor the hub's sender on the hub, which imports it.
        ("bot/sender.py", "import bot.hub", "no import circle"),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    copy: Path, module: str, wrong_import: str, contract: str
) -> None:
    path = copy / module
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{wrong_import}  # noqa\n", encoding="utf-8")
    try:
        done = lint_imports(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert done.returncode != 0
    # "<contract> BROKEN", followed by "(1 ignored import)" where the contract ignores some.
    broken = [line for line in done.stdout.splitlines() if " BROKEN" in line]
    assert len(broken) == 1, done.stdout
    assert contract in broken[0]
