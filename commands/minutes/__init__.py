"""Meeting notes (mötesanteckningar): the standing agenda and the minutes of a meeting.

- ``agenda``: the forum's standing agenda for its mode (DOMAIN.md, "The Thursday conference");
- ``record``: the minutes of a meeting compiled from the database, as plain data;
- ``render``: the minutes as a chat document.

The commands are ``commands/meeting.py``.
"""
