"""The bot's Prometheus metrics, served at ``/metrics`` (bot/web.py).

One registry for the process (not the client library's global one, so that nothing else a
library registers ends up in it), and the few figures an operator watches: how commands go,
how late the bot's timed posts are, how often a door lost its connection, who leads.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

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
    "follow-up, relayed post) was sent, by kind.",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600),
    registry=REGISTRY,
)
DELIVERY_FAILURES = Counter(
    "samverkan_delivery_failures",
    "Posts a door could not deliver, by platform (scheduled ones are tried again).",
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


def command_handled(command: str, outcome: str) -> None:
    COMMANDS.labels(command=command, outcome=outcome).inc()


def exposition() -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(REGISTRY)
