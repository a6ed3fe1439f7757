"""What the bot follows up by itself: an unanswered call-out, and actions falling due.

- After ``!aktivera`` (and ``!kalla in``), the organisations called then that have not
  acknowledged (and were not released) are called again after ``ACTIVATION_RECALL_MINUTES``
  in every channel of the forum, their ersättare mentioned with their ordinarie (deputy
  escalation); as long again later the coordinators are told who is still missing, in the
  channel the call-out came from.
- An action with a due time (``!åtgärd … senast …``) is brought up the day before and when
  it falls due, in the channel of its meeting, its owner mentioned.

Each is a scheduled post planned when the command runs and worded when it is sent: a call-out
that was stood down, or answered by everyone, and an action that was closed, say nothing.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from commands.callout.card import recall_parts
from commands.callout.reach import awaited, call_history, called_entries, reachable
from commands.core.config import CoreConfig
from commands.core.document import Button, Document, Mention, Part, Strong
from commands.core.features import feature
from commands.core.follow_up_plans import ACTION_DUE, ACTION_TOMORROW, RECALL, STILL_MISSING
from commands.core.i18n import normalise_language, t
from commands.core.roles import coordinators_of
from commands.core.scheduled_posts import composer
from commands.core.timefmt import format_time_with_weekday
from storage import Store
from storage.forums import RosterEntry
from storage.models import Activation, Forum, ScheduledPost

FEATURE = feature(__name__)

# The kinds and their planning are in commands/core/follow_up_plans.py: the commands that
# plan them (activation, action) and this module that words them share them there.


# -- wording (when sent) ----------------------------------------------------------------------


def _waiting(
    store: Store, post: ScheduledPost
) -> tuple[Forum, Activation, list[RosterEntry]] | None:
    """The forum, its open call-out and the organisations this follow-up is about that are
    still awaited: those called when it was planned (the activation, or a ``!kalla in``),
    neither acknowledged nor released since; None when the call-out has ended or they have
    all answered."""
    activation = store.activations.get(post.activation_id or 0)
    forum = store.forums.get(post.forum_id or 0)
    if activation is None or forum is None or activation.stood_down_at is not None:
        return None
    acked = [ack.organisation_id for ack in store.activations.acknowledgements(activation)]
    history = call_history(store, activation)
    ids = [
        oid
        for oid in awaited(activation, acked)
        if history.call_time(activation, oid) == post.created_at
    ]
    if not ids:
        return None
    entries = called_entries(store, forum, ids)
    waiting = sorted((entries[oid] for oid in ids if oid in entries), key=lambda e: e.name)
    return (forum, activation, waiting) if waiting else None


@composer(RECALL)
def _recall(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    found = _waiting(store, post)
    if found is None:
        return None
    forum, activation, waiting = found
    reached = [entry for entry in waiting if reachable(entry)]
    if not reached:
        return None  # nobody in the chat to call: the coordinators' notice names them
    language = normalise_language(post.language)
    zone = ZoneInfo(post.timezone)
    doc = Document().heading(t(language, "followup.recall_title", forum=forum.name))
    doc.paragraph(
        t(
            language,
            "followup.recall_since",
            reason=activation.reason,
            time=format_time_with_weekday(post.created_at, zone, language),
            count=len(reached),
        )
    )
    doc.bullets([recall_parts(entry, language) for entry in reached])
    if any(entry.deputies and entry.people for entry in reached):
        doc.paragraph(t(language, "callout.recall_escalated"))
    doc.actions(
        Button(
            t(language, "activation.ack_button"),
            "kvittera",
            t(language, "activation.ack_hint", prefix=config.prefix),
        )
    )
    return doc


@composer(STILL_MISSING)
def _still_missing(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    found = _waiting(store, post)
    if found is None:
        return None
    forum, _activation, waiting = found
    language = normalise_language(post.language)
    doc = Document().paragraph(
        Strong(t(language, "followup.missing_title", forum=forum.name, count=len(waiting)))
    )
    doc.paragraph("; ".join(entry.name for entry in waiting))
    coordinators = coordinators_of(store, config, forum)
    if coordinators:
        parts: list[Part] = [t(language, "followup.missing_for")]
        for person in coordinators:
            parts.extend([" ", Mention(person.platform, person.user_id, person.display_name)])
        doc.paragraph(*parts)
    return doc


def _action_document(
    store: Store, post: ScheduledPost, key: str, config: CoreConfig
) -> Document | None:
    action = store.actions.get(post.action_id or 0)
    if action is None or action.closed_at is not None or action.withdrawn_at is not None:
        return None
    language = normalise_language(post.language)
    zone = ZoneInfo(post.timezone)
    due = format_time_with_weekday(action.due_at, zone, language) if action.due_at else ""
    doc = Document().paragraph(
        Strong(t(language, key, number=action.number, time=due)), ": ", action.text
    )
    owner: list[Part] = [t(language, "followup.owner"), " ", Strong(action.owner_name)]
    if action.owner_person_id is not None:
        person = store.people.get(action.owner_person_id)
        if person is not None:
            owner.extend([" ", Mention(person.platform, person.user_id, person.display_name)])
    elif action.owner_organisation_id is not None:
        forum = store.forums.get(action.forum_id)
        entries = store.forums.roster(forum) if forum else []
        for entry in entries:
            if entry.id == action.owner_organisation_id:
                for contact in entry.people:
                    owner.extend(
                        [" ", Mention(contact.platform, contact.user_id, contact.display_name)]
                    )
    doc.paragraph(*owner)
    doc.paragraph(t(language, "followup.action_close", number=action.number, prefix=config.prefix))
    return doc


@composer(ACTION_TOMORROW)
def _action_tomorrow(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    return _action_document(store, post, "followup.action_tomorrow", config)


@composer(ACTION_DUE)
def _action_due(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    return _action_document(store, post, "followup.action_due", config)
