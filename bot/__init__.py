"""Everything that touches the outside: configuration, the command line, the doors."""

__version__ = "0.1.0"
