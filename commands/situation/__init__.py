"""Situation reports and the joint situation picture (samlad lägesbild).

- ``parse``: a report as people write it, labelled lines in Swedish or English, into fields;
- ``rounds``: which round of a forum a report belongs to, and when a round is closed;
- ``picture``: the joint picture of a round compiled from the database (and as JSON);
- ``diff``: what changed between two published versions;
- ``render``: the picture and a report as a chat document.

The commands themselves are ``commands/report.py`` (``!läge``) and
``commands/joint_picture.py`` (``!lägesbild``, ``!saknas``).
"""
