"""The bot's Prometheus metrics, served at ``/metrics`` (bot/web.py).

One registry for the process (not the client library's global one, so that nothing else a
library registers ends up in it), and the few figures an operator watches: how commands go,
how late the bot's timed posts are, how often a door lost its connection, who leads.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from commands.core.messages import Post
    from commands.core.outbox import Recorded
    from storage.outbox import Depth

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

COMMANDS = Counter(
    "samverkan_commands",
    "Commands, forms and dialog answers handled, by command and outcome "
    "(ok, refused: bad input or not allowed, error: a bug of ours).",
    ["command", "outcome"],
    registry=REGISTRY,
)
LATENESS = Histogram(
    "samverkan_reminder_lateness_seconds",
    "How long after its time each scheduled post (reminder, meeting notice, call-out "
    "follow-up) was sent, by kind.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600),
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    "samverkan_delivery_failures",
    "Attempts a door could not deliver, by platform (the outbox tries them again).",
    ["platform"],
    registry=REGISTRY,
)
RECONNECTS = Counter(
    "samverkan_door_reconnects",
    "Times a door got its connection back after losing it, by platform.",
    ["platform"],
    registry=REGISTRY,
)
LEADER = Gauge(
    "samverkan_leader",
    "1 while this process is the leader (syncs Matrix, sends what is due), else 0.",
    registry=REGISTRY,
)
TAKEOVERS = Counter(
    "samverkan_leader_takeovers",
    "Times this process became the leader.",
    registry=REGISTRY,
)


OUTBOX_QUEUED = Counter(
    "samverkan_outbox_queued",
    "Messages this process wrote to the outbox (answers, posts, scheduled posts worded), "
    "by platform.",
    ["platform"],
    registry=REGISTRY,
)
OUTBOX_SENT = Counter(
    "samverkan_outbox_sent",
    "Outbox messages this process sent, by platform.",
    ["platform"],
    registry=REGISTRY,
)
OUTBOX_RETRIED = Counter(
    "samverkan_outbox_retried",
    "Outbox messages that failed for now and wait to be tried again, by platform.",
    ["platform"],
    registry=REGISTRY,
)
OUTBOX_GIVEN_UP = Counter(
    "samverkan_outbox_given_up",
    "Outbox messages given up (refused for good, or every attempt failed), by platform.",
    ["platform"],
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "samverkan_outbox_depth",
    "Messages in the outbox not yet sent, by platform (set by the leader at each tick).",
    ["platform"],
    registry=REGISTRY,
)
OUTBOX_OLDEST = Gauge(
    "samverkan_outbox_oldest_seconds",
    "How long the oldest message not yet sent has waited, by platform (the leader's).",
    ["platform"],
    registry=REGISTRY,
)
_OUTCOMES = {"sent": OUTBOX_SENT, "retried": OUTBOX_RETRIED, "given_up": OUTBOX_GIVEN_UP}
# The platforms the gauges were last set for (set to 0 once nothing waits there).
_observed: set[str] = set()


def count_queued(posts: Iterable[Post]) -> None:
    count_queued_by(Tally(post.platform for post in posts if post.outbox_id is not None))


def count_queued_by(platforms: Tally[str]) -> None:
    for platform, count in platforms.items():
        OUTBOX_QUEUED.labels(platform=platform).inc(count)


def count_recorded(recorded: Iterable[Recorded]) -> None:
    for outcome in recorded:
        counter = _OUTCOMES.get(outcome.outcome)
        if counter is not None:
            counter.labels(platform=outcome.platform).inc()
        if outcome.sent is not None and outcome.sent.lateness is not None:
            seconds = max(outcome.sent.lateness.total_seconds(), 0.0)
            LATENESS.labels(kind=outcome.sent.kind).observe(seconds)


def observe_depth(depths: Iterable[Depth], now: datetime) -> None:
    """What waits in the outbox, as the leader read it: a platform with nothing waiting is 0."""
    seen = set()
    for depth in depths:
        oldest = (now - depth.oldest).total_seconds() if depth.oldest is not None else 0.0
        OUTBOX_DEPTH.labels(platform=depth.platform).set(depth.count)
        OUTBOX_OLDEST.labels(platform=depth.platform).set(max(oldest, 0.0))
        seen.add(depth.platform)
    for platform in _observed - seen:
        OUTBOX_DEPTH.labels(platform=platform).set(0)
        OUTBOX_OLDEST.labels(platform=platform).set(0)
    _observed.clear()
    _observed.update(seen)


def command_handled(command: str, outcome: str) -> None:
    COMMANDS.labels(command=command, outcome=outcome).inc()


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)
