"""Exercise marking: while a forum is in an exercise (``!övning start``, or an exercise's
activation, ``!aktivera övning``), every message the bot posts in the forum's channels — an
answer, a call-out, a reminder, a picture, the minutes, an edit — begins with **ÖVNING
ÖVNING ÖVNING** and ends with "Slut övning", so nothing said in an exercise is mistaken for
reality. So is whatever a command typed there causes elsewhere: an item raised to another
forum, the direct message to the RSK on duty; and whatever a command says is an exercise's
work (``Reply.exercise``: a drill's direction adopted in a strategic forum). Done once, as
a post is written to the outbox (``outbox.queue_all``), never by the commands. A direct
message that no exercise caused is left as it is; a file's contents are marked by the
exports (``bot/export/exercise.py``).
"""

from __future__ import annotations

from dataclasses import replace

from commands.core.document import Document, Paragraph, Strong, Text
from commands.core.i18n import t
from commands.core.messages import Post
from storage import Store


def marking(language: str) -> tuple[Paragraph, Paragraph]:
    """The first and the last paragraph of a message posted during an exercise."""
    return (
        Paragraph((Strong(t(language, "exercise.mark_first")),)),
        Paragraph((Text(t(language, "exercise.mark_last")),)),
    )


def marked(document: Document, language: str) -> Document:
    """``document`` between the exercise's marking (once, however often it is asked)."""
    first, last = marking(language)
    if document.blocks[:1] == [first]:
        return document
    return Document([first, *document.blocks, last])


def opening(document: Document, language: str) -> int:
    """How many of ``document``'s first blocks are the exercise's opening mark (1 or 0): what
    a door puts before the message (a byline) goes after it, so the mark stays first."""
    return 1 if document.blocks[:1] == [marking(language)[0]] else 0


def closing(language: str) -> Document:
    """The exercise's closing mark alone: a door that adds an answer under a marked message
    (Slack, a button's answer) finds the message's end by it, to keep one marking around both."""
    return Document([marking(language)[1]])


class ExerciseMarking:
    """Which channels serve a forum in exercise, looked up once per channel in a unit of
    work, and posts to them marked."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._channels: dict[tuple[str, str], str | None] = {}
        # One document posted to several channels stays one (encoded once).
        self._documents: dict[tuple[int, str], Document] = {}

    def language(self, platform: str, channel_id: str) -> str | None:
        """The forum's language when the channel serves a forum in exercise, else None."""
        key = (platform, channel_id)
        if key not in self._channels:
            found = self._store.forums.for_channel_with_open_activation(platform, channel_id)
            language = None
            if found is not None:
                forum, activation = found
                exercise = activation is not None and activation.exercise_id is not None
                if exercise or self._store.exercises.current(forum) is not None:
                    language = forum.language
            self._channels[key] = language
        return self._channels[key]

    def mark(
        self, post: Post, origin: tuple[str, str] | None = None, exercise: str | None = None
    ) -> Post:
        """``post`` marked when it goes to a channel of a forum in exercise, or when what
        caused it was typed in one (``origin``: the command's platform and channel) — a
        call-out posted to another forum, the direct message to the RSK on duty: nothing an
        exercise causes may be taken for real wherever it lands. ``exercise``: the command
        said its work is an exercise's (``Reply.exercise``), in that language."""
        language = None if post.direct else self.language(post.platform, post.channel_id)
        if language is None and origin is not None:
            language = self.language(*origin)
        if language is None:
            language = exercise
        if language is None:
            return post
        key = (id(post.document), language)
        if key not in self._documents:
            self._documents[key] = marked(post.document, language)
        return replace(post, document=self._documents[key])
