"""Exports for printing, archiving and pasting into other systems (``samverkan-bot export``).

- ``source``: what to export, read from the database without changing it;
- ``picture``: the joint situation picture as Markdown, HTML or JSON;
- ``markdown``: escaping user text for Markdown;
- ``templates/``: the Jinja2 templates (package data).
"""

FORMATS = ("md", "html", "json")
