"""The call-out of an activation, shared by ``commands/activation.py`` (the call-out, its
card, status and stand-down) and ``commands/followups.py`` (the re-call with the ersättare,
the coordinators' notice):

- ``reach``: whom a call-out counts and awaits, how each organisation is reached in the
  forum, and when each was called in or released;
- ``state``: the call-out as it stands (:class:`~commands.callout.state.Callout`);
- ``card``: the call-out card, one renderer for the first call-out and every update;
- ``record``: what status and stand-down show besides: the host, when the acknowledgements
  came, the time to the first meeting, and the timeline.
"""
