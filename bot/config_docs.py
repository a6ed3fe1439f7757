"""The configuration reference, ``docs/configuration.md``, generated from :class:`Settings` so
that it cannot drift from the code: every setting's environment names, type, default,
constraints and description come from the class.

``python -m bot.config_docs`` prints the Markdown; ``python -m bot.config_docs --check FILE``
exits 1, saying how to write it anew, when ``FILE`` is not what it prints.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import textwrap
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MinLen
from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode

from bot.config import SettingGroup, Settings

REGENERATE = "python -m bot.config_docs > docs/configuration.md"
WIDTH = 100

# The example at the top of the document, the same settings in both forms; a test loads both
# and compares them.
ENV_EXAMPLE = """\
DATABASE_URL=postgresql+psycopg://samverkan:change-me@db.example.org/samverkan
BOT_ADMINS=@anna:example.org,U024BE7LH
MEETING_REMINDER_OFFSETS=1440,120,-,0
LOG_FORMAT=json
MATRIX_HOMESERVER=https://matrix.example.org
MATRIX_USER_ID=@samverkan:example.org
MATRIX_PASSWORD=change-me
"""
TOML_EXAMPLE = """\
database_url = "postgresql+psycopg://samverkan:change-me@db.example.org/samverkan"
bot_admins = ["@anna:example.org", "U024BE7LH"]
meeting_reminder_offsets = "1440,120,-,0"
log_format = "json"
matrix_homeserver = "https://matrix.example.org"
matrix_user_id = "@samverkan:example.org"
matrix_password = "change-me"
"""

INTRODUCTION = f"""\
# Configuration reference

<!-- Generated from bot/config.py by `python -m bot.config_docs`; do not edit by hand.
     Write it anew with `{REGENERATE}`;
     a test fails when it is stale. -->

samverkan-bot is configured by environment variables and, optionally, a TOML file. This
reference lists every setting; it is generated from the settings class in `bot/config.py`.

## Where a setting comes from

Each setting is taken from the first of these that gives it:

1. the command line, for the two settings it has options for: `--db PATH` (of `console` and
   `export`) sets `DATABASE_URL` to the SQLite file `PATH`, and `--lang` (of `console`) sets
   `DEFAULT_LANGUAGE`;
2. the environment variable;
3. the TOML file named by `--config FILE` (`samverkan-bot --config FILE run`), or else by the
   environment variable `SAMVERKAN_CONFIG`; `--config` wins over `SAMVERKAN_CONFIG`, and a
   named file that does not exist stops the bot;
4. the default given below.

So an environment variable wins over the TOML file. Names are case-insensitive, in the
environment and in the file alike: `DATABASE_URL`, `database_url` and `Database_Url` are the
same setting. Names that are not settings are ignored. A list is written with commas
(`BOT_ADMINS=@anna:example.org,U024BE7LH`); in the TOML file it may also be an array. The bot
reads no `.env` file itself: an env file is for systemd's `EnvironmentFile=` or
`docker run --env-file`.

A value that cannot be used stops the bot at start with one message that names the setting
and what is wrong (exit status 2). Settings marked **secret** (passwords, tokens, the signing
secret) are never logged or shown; keep them where only the bot's user can read them.

Below, each setting is headed by its environment variable; its key in the TOML file is the same
name in lower case.

## Example

An env file:

```sh
{ENV_EXAMPLE}```

The same as a TOML file:

```toml
{TOML_EXAMPLE}```
"""


class DocsError(Exception):
    """A setting cannot be documented: no description or group, or a type or constraint the
    generator does not know how to write."""


@dataclass(frozen=True)
class SettingDoc:
    """One setting as the reference shows it."""

    name: str  # the field's name, which is also the TOML key
    env_names: tuple[str, ...]  # upper case; the first is the one to use
    group: SettingGroup
    type_text: str
    default_text: str
    constraints: str | None
    description: str
    secret: bool


def describe(settings_cls: type[BaseSettings] = Settings) -> list[SettingDoc]:
    """Every setting of ``settings_cls``, in the order of its groups and, within a group, of
    the class."""
    prefix = str(settings_cls.model_config.get("env_prefix") or "")
    docs = [_describe(name, field, prefix) for name, field in settings_cls.model_fields.items()]
    order = list(SettingGroup)
    return sorted(docs, key=lambda doc: order.index(doc.group))


def _describe(name: str, field: FieldInfo, prefix: str) -> SettingDoc:
    description = " ".join((field.description or "").split())
    if not description:
        raise DocsError(f"setting {name} has no description")
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    groups = {group.value: group for group in SettingGroup}
    named = extra.get("group")
    if not isinstance(named, str) or named not in groups:
        raise DocsError(
            f"setting {name} has no group: json_schema_extra={{'group': <a SettingGroup>}}"
        )
    group = groups[named]
    annotation, optional = _without_none(field.annotation)
    secret = annotation is SecretStr
    default = field.get_default(call_default_factory=True)
    return SettingDoc(
        name=name,
        env_names=_env_names(name, field, prefix),
        group=group,
        type_text=_type_text(name, annotation),
        default_text="not set" if default is None and optional else _default_text(name, default),
        constraints=_constraints(name, field.metadata),
        description=description,
        secret=secret,
    )


def _env_names(name: str, field: FieldInfo, prefix: str) -> tuple[str, ...]:
    alias = field.validation_alias or field.alias
    if alias is None:
        return ((prefix + name).upper(),)
    if isinstance(alias, str):
        return (alias.upper(),)
    if isinstance(alias, AliasChoices) and all(isinstance(c, str) for c in alias.choices):
        return tuple(str(choice).upper() for choice in alias.choices)
    raise DocsError(f"setting {name}: cannot name the environment variable of {alias!r}")


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(annotation, False)``."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0], len(get_args(annotation)) == 2
    return annotation, False


_SCALARS: dict[Any, tuple[str, str]] = {
    # type: (as one, as many)
    str: ("text", "text"),
    int: ("integer", "integers"),
    float: ("number", "numbers"),
    bool: ("`true` or `false`", "`true` or `false`"),
    SecretStr: ("text", "text"),
}


def _type_text(name: str, annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(_code(str(choice)) for choice in get_args(annotation))
    if annotation in _SCALARS:
        return _SCALARS[annotation][0]
    if origin in (tuple, frozenset, set, list):
        args = [arg for arg in get_args(annotation) if arg is not Ellipsis]
        item, may_be_none = _without_none(args[0]) if len(args) == 1 else (None, False)
        if item in _SCALARS:
            many = _SCALARS[item][1]
            return f"list of {many}{' or `-`' if may_be_none else ''}, separated by commas"
    if origin is dict:
        return "table of names to lists of text (JSON in the environment)"
    raise DocsError(f"setting {name}: cannot describe its type {annotation!r}")


def _default_text(name: str, value: Any) -> str:
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, dict) and not value:
        return _code("{}")  # as the environment takes it: JSON
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        written = ",".join("-" if item is None else _scalar(name, item) for item in items)
        return _code(written) if written else "empty"
    text = _scalar(name, value)
    return _code(text) if text else "empty"


def _scalar(name: str, value: Any) -> str:
    """A value as one writes it in the environment."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int | str):
        return str(value)
    raise DocsError(f"setting {name}: cannot write its default {value!r}")


def _constraints(name: str, metadata: Iterable[Any]) -> str | None:
    """The bounds of a number, in words: ``100 to 100000``, ``at least 0``; of a text's
    length: ``at least 32 characters``."""
    low: tuple[str, bool] | None = None  # (the bound, whether it is allowed itself)
    high: tuple[str, bool] | None = None
    for item in metadata:
        if item is NoDecode:
            continue  # how the environment's text is read, not a constraint
        if isinstance(item, MinLen):
            low = (f"{item.min_length} characters", True)
        elif isinstance(item, Ge):
            low = (_scalar(name, item.ge), True)
        elif isinstance(item, Gt):
            low = (_scalar(name, item.gt), False)
        elif isinstance(item, Le):
            high = (_scalar(name, item.le), True)
        elif isinstance(item, Lt):
            high = (_scalar(name, item.lt), False)
        else:
            raise DocsError(f"setting {name}: cannot describe the constraint {item!r}")
    if low is not None and high is not None and low[1] and high[1]:
        return f"{low[0]} to {high[0]}"
    words = []
    if low is not None:
        words.append(("at least " if low[1] else "more than ") + low[0])
    if high is not None:
        words.append(("at most " if high[1] else "less than ") + high[0])
    return ", ".join(words) or None


def _code(text: str) -> str:
    """``text`` as a Markdown code span, however many backticks it holds."""
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def render(settings_cls: type[BaseSettings] = Settings) -> str:
    """The whole reference, as Markdown."""
    parts = [INTRODUCTION]
    group: SettingGroup | None = None
    for doc in describe(settings_cls):
        if doc.group is not group:
            group = doc.group
            parts.append(f"\n## {group.value}\n")
        parts.append(_render_setting(doc))
    return "".join(parts)


def _render_setting(doc: SettingDoc) -> str:
    heading = ", ".join(_code(env) for env in doc.env_names)
    keys = [env.lower() for env in doc.env_names]
    toml = " or ".join(_code(key) for key in keys)
    type_text = doc.type_text + (f", {doc.constraints}" if doc.constraints else "")
    lines = [
        f"\n### {heading}",
        "",
        textwrap.fill(doc.description, WIDTH, break_long_words=False, break_on_hyphens=False),
        "",
    ]
    if doc.secret:
        lines.append("- **Secret**: never logged or shown.")
    lines += [
        f"- Type: {type_text}",
        f"- Default: {doc.default_text}",
        f"- In the TOML file: {toml}",
    ]
    if len(doc.env_names) > 1:
        which = "both are" if len(doc.env_names) == 2 else "more than one is"
        lines.append(f"- {_code(doc.env_names[0])} wins when {which} set.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.config_docs",
        description="Print the configuration reference (docs/configuration.md), generated "
        "from the settings in bot/config.py.",
    )
    parser.add_argument(
        "--check",
        metavar="FILE",
        type=Path,
        help="print nothing; exit 1 when FILE is not what would be printed",
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return 0
    path: Path = args.check
    try:
        current = path.read_text(encoding="utf-8")
    except OSError as error:
        print(
            f"{path}: cannot read it ({error.strerror}); write it with: {REGENERATE}",
            file=sys.stderr,
        )
        return 1
    if current == text:
        return 0
    diff = list(
        difflib.unified_diff(
            current.splitlines(), text.splitlines(), str(path), "generated", lineterm="", n=1
        )
    )
    shown = "\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else "")
    print(
        f"{path} is out of date: it is not what the settings in bot/config.py generate.\n"
        f"Write it anew with: {REGENERATE}\n{shown}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
