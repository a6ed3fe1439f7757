"""What the joint regional direction (``!inriktning``) and joint messages (``!budskap``)
share with the situation picture, the minutes and the exports: the summaries they show
(``summary.py``), how a direction reads and renders, and whom it reaches."""
