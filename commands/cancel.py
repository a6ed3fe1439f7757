"""``!avbryt``: stop filling in a form asked question by question (``commands/core/dialogs.py``)."""

from __future__ import annotations

from commands.core.document import Document
from commands.core.features import feature
from commands.core.messages import Reply
from commands.core.registry import command
from commands.core.request import Request

FEATURE = feature(__name__)


@command("form.cancel", "avbryt", aliases=("cancel",), personal=True)
def cancel(req: Request) -> Reply:
    incoming = req.incoming
    dialog = req.store.dialogs.get(incoming.platform, incoming.channel_id, incoming.speaker.user_id)
    if dialog is None:
        return Reply(Document().paragraph(req.t("form.nothing_to_cancel")))
    req.store.dialogs.end(dialog)
    return Reply(Document().paragraph(req.t("form.cancelled")))
