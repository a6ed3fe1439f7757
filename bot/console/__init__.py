"""The terminal chat: the embedded default door, and the way to try every feature locally."""
