"""Personal sign-in links to the web pages (``!webb``) and the sessions they open; display
links for a staff-room screen (``!webb skärm``), valid until revoked.

A link's token is signed elsewhere (``commands/core/web_tokens.py``); its row here makes it
single-use (``redeem`` succeeds once, before the link expires and unless it was revoked) and
keeps the session it opened, so that a revoked row ends the session too. The secret the
tokens are signed with, when ``WEB_SECRET`` is not configured, is generated once and kept in
``doorstate`` (``web``/``secret``), so that every process sharing the database agrees on it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from storage.audit import AuditLog
from storage.models import DoorState, Person, WebLink

SECRET_KEY = ("web", "secret")
PERSONAL = "personal"
DISPLAY = "display"  # ``!webb skärm``: a staff-room screen's link to one forum


class WebLinks:
    def __init__(self, session: Session, audit: AuditLog) -> None:
        self._session = session
        self._audit = audit

    def secret(self, at: datetime, *, create: bool = True) -> str | None:
        """The generated signing secret; made (and kept) on first need when ``create``."""
        found = self._session.get(DoorState, SECRET_KEY)
        if found is not None or not create:
            return found.value if found is not None else None
        value = secrets.token_urlsafe(48)
        try:
            with self._session.begin_nested():
                self._session.add(
                    DoorState(platform=SECRET_KEY[0], key=SECRET_KEY[1], value=value, updated_at=at)
                )
        except IntegrityError:  # another process made it first: theirs it is
            kept = self._session.get(DoorState, SECRET_KEY)
            assert kept is not None
            return kept.value
        return value

    def issue(
        self, person: Person, forums: dict[int, str], at: datetime, expires_at: datetime
    ) -> WebLink:
        """A new personal link for ``person`` to ``forums`` (forum id → role)."""
        assert person.id is not None
        link = WebLink(
            person_id=person.id,
            nonce=secrets.token_urlsafe(24),
            forums={str(forum_id): role for forum_id, role in forums.items()},
            created_at=at,
            expires_at=expires_at,
        )
        self._session.add(link)
        self._session.flush()
        self._audit.record("web.link_issued", None, link=link.id, forums=sorted(forums))
        return link

    def get(self, link_id: int) -> WebLink | None:
        return self._session.get(WebLink, link_id)

    def redeem(
        self, link_id: int, nonce: str, now: datetime, session_until: datetime
    ) -> str | None:
        """Use the link once: a new session key, or None when the link is unknown, used,
        expired or revoked (a guarded UPDATE: two requests at once cannot both succeed)."""
        key = secrets.token_urlsafe(32)
        result = self._session.execute(
            update(WebLink)
            .where(
                col(WebLink.id) == link_id,
                col(WebLink.kind) == PERSONAL,
                col(WebLink.nonce) == nonce,
                col(WebLink.used_at).is_(None),
                col(WebLink.revoked_at).is_(None),
                col(WebLink.expires_at) > now,
            )
            .values(used_at=now, session_key=key, session_until=session_until)
        )
        return key if result.rowcount == 1 else None  # type: ignore[attr-defined]

    def session(self, link_id: int, key: str, now: datetime) -> WebLink | None:
        """The link whose session ``key`` names, while the session lasts and is not revoked."""
        return self._session.exec(
            select(WebLink).where(
                col(WebLink.id) == link_id,
                col(WebLink.kind) == PERSONAL,
                col(WebLink.session_key) == key,
                col(WebLink.revoked_at).is_(None),
                col(WebLink.session_until) > now,
            )
        ).first()

    # -- display links (``!webb skärm``): one forum, valid until revoked ---------------------

    def issue_display(self, person: Person, forum_id: int, at: datetime) -> WebLink:
        """A new display link to ``forum_id``, made by ``person``. Its ``expires_at`` is its
        making (a display link is never redeemed; it lasts until revoked)."""
        assert person.id is not None
        link = WebLink(
            person_id=person.id,
            kind=DISPLAY,
            nonce=secrets.token_urlsafe(24),
            forums={str(forum_id): "observer"},
            forum_id=forum_id,
            created_at=at,
            expires_at=at,
        )
        self._session.add(link)
        self._session.flush()
        self._audit.record("web.display_issued", forum_id, link=link.id)
        return link

    def displays(self, forum_id: int) -> list[WebLink]:
        """The forum's display links still valid, oldest first."""
        return list(
            self._session.exec(
                select(WebLink)
                .where(
                    col(WebLink.kind) == DISPLAY,
                    col(WebLink.forum_id) == forum_id,
                    col(WebLink.revoked_at).is_(None),
                )
                .order_by(col(WebLink.id))
            )
        )

    def display(self, link_id: int, nonce: str) -> WebLink | None:
        """The display link a token names, unless it was revoked."""
        return self._session.exec(
            select(WebLink).where(
                col(WebLink.id) == link_id,
                col(WebLink.kind) == DISPLAY,
                col(WebLink.nonce) == nonce,
                col(WebLink.revoked_at).is_(None),
            )
        ).first()

    def seen(self, link_id: int, at: datetime) -> None:
        """A screen fetched the display page (technical: not audited by itself)."""
        self._session.execute(
            update(WebLink).where(col(WebLink.id) == link_id).values(last_seen_at=at)
        )

    def revoke(self, link: WebLink, at: datetime) -> None:
        """Revoke ``link``: a display's screen is refused from its next request on; a
        personal link's session ends."""
        link.revoked_at = at
        self._session.add(link)
        self._session.flush()
        forum_id = link.forum_id if link.kind == DISPLAY else None
        self._audit.record("web.link_revoked", forum_id, link=link.id, kind=link.kind)

    def sign_out(self, person: Person, at: datetime) -> int:
        """Every personal link of ``person`` not yet revoked, revoked (their sessions end,
        on every browser): how many."""
        links = self._session.exec(
            select(WebLink).where(
                col(WebLink.person_id) == person.id,
                col(WebLink.kind) == PERSONAL,
                col(WebLink.revoked_at).is_(None),
            )
        ).all()
        for link in links:
            link.revoked_at = at
            self._session.add(link)
        self._session.flush()
        if links:
            self._audit.record("web.signed_out", None, links=[link.id for link in links])
        return len(links)
