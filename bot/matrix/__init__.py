"""The Matrix door (matrix-nio)."""
