"""What the bot can do: commands, hooks, forms, timed jobs, the scheduled posts' kinds and
what reactions to its tagged messages run.

A :class:`Capabilities` is built explicitly from a list of features (:func:`build`;
``commands.CAPABILITIES`` from ``commands.FEATURES``, every feature) and given to the
dispatcher and the timekeeper; a test builds one with only the features it needs. Whatever is
declared twice (a command's name, a form type, a job, a composer, a follow-up) raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from commands.core.features import Feature, ReactionRoute
from commands.core.messages import AttachmentKind
from commands.core.registry import Command, FormType, Registry
from commands.core.scheduled_posts import Composer, PostKinds
from commands.core.timed import Job
from storage import Store
from storage.models import ScheduledPost

if TYPE_CHECKING:
    from commands.core.request import Request


@dataclass
class Capabilities:
    """``commands``: the command registry; ``after_command``: called with the request after
    every command that succeeded, in its unit of work (a meeting records who spoke during it);
    ``form_types``: what receives a form's answers, by the form's key; ``jobs``: run on every
    tick, in order; ``posts``: how each kind of scheduled post is worded, whether it speaks
    for its forum, and its follow-up once sent; ``attachments``: the files replies carry, by
    kind, as they wait in the outbox; ``reactions``: what a reaction to a tagged message runs,
    by the tag's prefix."""

    commands: Registry = field(default_factory=Registry)
    after_command: list[Callable[[Request], None]] = field(default_factory=list)
    form_types: dict[str, FormType] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    posts: PostKinds = field(default_factory=PostKinds)
    attachments: dict[str, AttachmentKind] = field(default_factory=dict)
    reactions: dict[str, ReactionRoute] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)

    def add_command(self, cmd: Command) -> None:
        self.commands.add(cmd)

    def add_after_command(self, hook: Callable[[Request], None]) -> None:
        if hook in self.after_command:
            raise ValueError(f"after-command hook {hook.__qualname__!r} registered twice")
        self.after_command.append(hook)

    def add_form_type(self, kind: FormType) -> None:
        if kind.key in self.form_types:
            raise ValueError(f"form type {kind.key!r} registered twice")
        self.form_types[kind.key] = kind

    def add_job(self, job: Job) -> None:
        if job in self.jobs:
            raise ValueError(f"timed job {job.__qualname__!r} registered twice")
        self.jobs.append(job)

    def add_composer(self, kind: str, composer: Composer, *, forum_bound: bool = True) -> None:
        self.posts.add_composer(kind, composer, forum_bound=forum_bound)

    def add_after_sent(
        self, kind: str, follow_up: Callable[[Store, ScheduledPost, datetime], None]
    ) -> None:
        self.posts.add_after_sent(kind, follow_up)

    def add_attachment_kind(self, kind: AttachmentKind) -> None:
        if kind.kind in self.attachments:
            raise ValueError(f"attachment kind {kind.kind!r} registered twice")
        self.attachments[kind.kind] = kind

    def add_reaction(self, prefix: str, route: ReactionRoute) -> None:
        if prefix in self.reactions:
            raise ValueError(f"reactions to {prefix!r} messages declared twice")
        if ":" in prefix or not prefix:
            raise ValueError(f"a tag prefix names no tag: {prefix!r}")
        self.reactions[prefix] = route

    def reaction_route(self, tag: str) -> ReactionRoute | None:
        """What a reaction to a message tagged ``tag`` (``callout:12``) runs, if anything."""
        return self.reactions.get(tag.partition(":")[0])

    def check_reactions(self) -> None:
        """Every reaction runs a command the bot has (said when it is built, not when
        someone reacts)."""
        for prefix, route in self.reactions.items():
            words = route.command.split()
            if not words or self.commands.match(words) is None:
                raise ValueError(
                    f"reactions to {prefix!r} messages run {route.command!r}, no known command"
                )

    def include(self, feature: Feature) -> None:
        """Everything ``feature`` declares."""
        if feature.name in self.features:
            raise ValueError(f"feature {feature.name!r} included twice")
        self.features.append(feature.name)
        for cmd in feature.commands:
            self.add_command(cmd)
        for hook in feature.after_command:
            self.add_after_command(hook)
        for kind in feature.form_types:
            self.add_form_type(kind)
        for job in feature.jobs:
            self.add_job(job)
        for key, composer, forum_bound in feature.composers:
            self.add_composer(key, composer, forum_bound=forum_bound)
        for key, follow_up in feature.after_sent:
            self.add_after_sent(key, follow_up)
        for attachment in feature.attachments:
            self.add_attachment_kind(attachment)
        for prefix, route in feature.reactions.items():
            self.add_reaction(prefix, route)


def build(features: Iterable[Feature]) -> Capabilities:
    """What the bot can do with ``features``, in their order (help lists commands in it where
    it ranks them alike; jobs run in it)."""
    capabilities = Capabilities()
    for feature in features:
        capabilities.include(feature)
    capabilities.check_reactions()
    return capabilities
