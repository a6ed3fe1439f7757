"""Seed data for a new database, read from ``seed.toml`` beside this file."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from storage.models import Category, Forum, ForumKind, ForumParticipant, Level, Mode, Organisation

SEED_FILE = Path(__file__).with_name("seed.toml")


def seed_data() -> dict[str, Any]:
    with SEED_FILE.open("rb") as handle:
        return tomllib.load(handle)


def seeded_agenda(slug: str, mode: str) -> list[dict[str, str]] | None:
    """The model's standing agenda for the seeded forum ``slug`` in ``mode`` (``ordinary``,
    ``activated``), as stored in ``Forum.agenda``; None where the model gives it none."""
    for entry in seed_data()["forum"]:
        if entry["slug"] == slug and f"agenda_{mode}" in entry:
            return [{"key": key} for key in entry[f"agenda_{mode}"]]
    return None


def municipalities(data: dict[str, Any]) -> dict[str, list[str]]:
    """The municipalities' official names, each with the other names people write for it."""
    table = data["municipalities"]
    aliases: dict[str, list[str]] = table.get("aliases", {})
    found: dict[str, list[str]] = {}
    for stem in table["names"]:
        name = f"{stem} kommun"
        # Unlisted: "Botkyrka kommun" is "Botkyrka" for short.
        found[name] = list(aliases.get(name, [stem]))
    for name in table["cities"]:
        found[name] = list(aliases.get(name, []))
    return found


def seed(session: Session, now: datetime) -> bool:
    """Insert the model's organisations and forums into an empty database.

    Returns False, changing nothing, when there is a forum already.
    """
    if session.exec(select(Forum)).first() is not None:
        return False
    data = seed_data()
    organisations: dict[str, Organisation] = {}

    def add(name: str, category: Category, aliases: list[str]) -> None:
        org = Organisation(name=name, category=category, aliases=aliases, created_at=now)
        session.add(org)
        organisations[name] = org

    for entry in data["organisation"]:
        add(entry["name"], Category(entry["category"]), list(entry.get("aliases", [])))
    for name, aliases in municipalities(data).items():
        add(name, Category.MUNICIPAL, aliases)
    session.flush()

    for entry in data["forum"]:
        host = organisations[entry["host"]] if "host" in entry else None
        agenda = {
            mode: [{"key": key} for key in entry[f"agenda_{mode}"]]
            for mode in ("ordinary", "activated")
            if f"agenda_{mode}" in entry
        }
        forum = Forum(
            slug=entry["slug"],
            name=entry["name"],
            level=Level(entry["level"]),
            kind=ForumKind(entry["kind"]),
            mode=Mode.ORDINARY,
            mode_since=now,
            host_organisation_id=host.id if host else None,
            schedule_rule=entry.get("schedule_rule"),
            schedule_start=entry.get("schedule_start"),
            agenda=agenda or None,
            created_at=now,
        )
        session.add(forum)
        session.flush()
        members = entry.get("members", "all")
        chosen = organisations.values() if members == "all" else [organisations[n] for n in members]
        for org in chosen:
            session.add(ForumParticipant(forum_id=forum.id, organisation_id=org.id))  # type: ignore[arg-type]
    return True
