"""A core :class:`Form` as a Slack modal, and a submitted modal back as a submission.

The modal carries what the core needs to take the answers back in ``private_metadata``: the
channel the form was opened from (and whether it is a direct conversation, which a group DM's
id does not tell), the form's key and its context (which round, for whom). Slack sends it back
unchanged in the signed submission.
Slack's limits: a title and button labels of 24 characters, a text input of 3000.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.render.slack import cut
from commands.core.forms import Form, FormSubmission

CALLBACK_ID = "samverkan-form"
TITLE_MAX = 24
LABEL_MAX = 2000
INPUT_MAX = 3000
ACTION_ID = "value"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit)}


def block_id(name: str) -> str:
    return f"field-{name}"


@dataclass(frozen=True)
class Submitted:
    """A submitted form: where it was opened, and the answers."""

    channel_id: str
    submission: FormSubmission
    direct: bool = False


def form_view(
    form: Form, channel_id: str, cancel_label: str, *, direct: bool = False
) -> dict[str, Any]:
    """The ``views.open`` view: one optional multi-line input per field."""
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [{"type": "plain_text", "text": form.intro[:2000]}]}
    ]
    for field in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": ACTION_ID,
            "multiline": field.multiline,
            "max_length": min(field.max_length, INPUT_MAX),
        }
        if field.initial:  # the current text of what is edited
            element["initial_value"] = field.initial[: element["max_length"]]
        blocks.append(
            {
                "type": "input",
                "block_id": block_id(field.name),
                "optional": True,
                "label": _plain(field.label, LABEL_MAX),
                "hint": _plain(field.question, LABEL_MAX),
                "element": element,
            }
        )
    metadata = {
        "channel": channel_id,
        "key": form.key,
        "context": form.context,
        "direct": direct,
    }
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(metadata, ensure_ascii=False),
        "title": _plain(form.title, TITLE_MAX),
        "submit": _plain(form.submit_label, TITLE_MAX),
        "close": _plain(cancel_label, TITLE_MAX),
        "blocks": blocks,
    }


def submitted(view: Mapping[str, Any]) -> Submitted | None:
    """Where a submitted form view was opened, and its answers; None if it is not ours."""
    try:
        metadata = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        return None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("context"), dict):
        return None
    state = (view.get("state") or {}).get("values") or {}
    values: dict[str, str] = {}
    for block, actions in state.items():
        if not str(block).startswith("field-") or not isinstance(actions, Mapping):
            continue
        value = (actions.get(ACTION_ID) or {}).get("value")
        values[str(block).removeprefix("field-")] = str(value or "")
    submission = FormSubmission(str(metadata.get("key", "")), metadata["context"], values)
    return Submitted(
        str(metadata.get("channel", "")), submission, direct=metadata.get("direct") is True
    )


def first_field_block(view: Mapping[str, Any]) -> str | None:
    """Where Slack shows an error about the whole form: under its first field."""
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None
