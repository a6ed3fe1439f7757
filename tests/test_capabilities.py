"""What the bot can do is built from an explicit list of features: duplicates raise, and a bot
built with only some features knows only their commands."""

from __future__ import annotations

from datetime import datetime

import pytest

from commands import CAPABILITIES, FEATURES, Dispatcher, Timekeeper, forum, help, reminder
from commands.core.capabilities import Capabilities, build
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from commands.core.features import Feature, feature
from commands.core.messages import Post
from commands.core.registry import FormType
from commands.core.timed import Tick, timed
from storage import Database, Store
from storage.models import ScheduledPost
from tests.support.chat import Chat


def _job(store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
    return []


def _compose(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> None:
    return None


def _twice(declare: str, entry: object) -> list[Feature]:
    first, second = feature("tests.first"), feature("tests.second")
    getattr(first, declare).append(entry)
    getattr(second, declare).append(entry)
    return [first, second]


def test_every_feature_is_built_once() -> None:
    assert CAPABILITIES.features == [f.name for f in FEATURES]
    assert len(set(CAPABILITIES.features)) == len(FEATURES)


def test_a_command_declared_twice_raises() -> None:
    cmd = CAPABILITIES.commands.commands[0]
    with pytest.raises(ValueError, match="registered twice"):
        build(_twice("commands", cmd))


def test_a_composer_declared_twice_raises() -> None:
    with pytest.raises(ValueError, match="composer for 'reminder' registered twice"):
        build(_twice("composers", ("reminder", _compose, False)))


def test_a_composer_already_in_a_feature_raises() -> None:
    other = feature("tests.other")
    other.composers.append(("reminder", _compose, False))
    with pytest.raises(ValueError, match="registered twice"):
        build([reminder.FEATURE, other])


def test_a_job_declared_twice_raises() -> None:
    with pytest.raises(ValueError, match="timed job '_job' registered twice"):
        build(_twice("jobs", _job))


def test_a_form_type_declared_twice_raises() -> None:
    kind = next(iter(CAPABILITIES.form_types.values()))
    with pytest.raises(ValueError, match=f"form type {kind.key!r} registered twice"):
        build(_twice("form_types", FormType(kind.key, kind.build, kind.submit, kind.role)))


def test_a_follow_up_or_hook_declared_twice_raises() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        build(_twice("after_sent", ("reminder", lambda store, post, now: None)))
    with pytest.raises(ValueError, match="registered twice"):
        build(_twice("after_command", lambda req: None))


def test_a_feature_included_twice_raises() -> None:
    with pytest.raises(ValueError, match="included twice"):
        build([help.FEATURE, help.FEATURE])


def test_a_declaration_outside_a_feature_module_is_refused() -> None:
    with pytest.raises(LookupError, match="declares no feature"):
        timed(_job)  # this module has no FEATURE


def test_a_bot_with_some_features_knows_only_their_commands(
    database: Database, clock: FixedClock
) -> None:
    some = build([forum.FEATURE, help.FEATURE, reminder.FEATURE])
    assert some.jobs == []
    assert not some.form_types
    assert not some.after_command
    assert set(some.posts.composers) == {"reminder"}
    chat = Chat(database, clock)
    chat.dispatcher = Dispatcher(database, clock, chat.config, some)
    chat.timekeeper = Timekeeper(database, clock, chat.config, capabilities=some)

    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!påminn om 10 minuter kolla läget").ok
    listed = chat.say("!hjälp").text
    assert "!påminn" in listed
    assert "!forum" in listed
    assert "!läge" not in listed
    assert "!möte" not in listed

    for text in ("!läge oförändrat", "!möte start", "!lägesbild"):
        said = chat.say(text)
        assert not said.ok
        assert "Det finns inget kommando" in said.text, text
    # The full bot knows them.
    assert CAPABILITIES.commands.match(["möte", "start"]) is not None
    assert some.commands.match(["möte", "start"]) is None


def test_the_full_bot_is_the_default(database: Database, clock: FixedClock) -> None:
    chat = Chat(database, clock)
    assert chat.dispatcher.capabilities is CAPABILITIES
    assert chat.timekeeper.capabilities is CAPABILITIES
    assert isinstance(CAPABILITIES, Capabilities)
