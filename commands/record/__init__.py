"""An activation's record (``!efterhand``, ``export efterhand``) as plain data: its timeline,
key figures and chart data, compiled from what is stored and never typed again. Words are
not here: each entry is a kind with its values, worded by the catalogue where it is shown;
the whole converts to and from JSON (:meth:`Record.to_json`, :meth:`Record.from_json`)."""

from __future__ import annotations

from commands.record.compile import compile_record, record_activation
from commands.record.data import Entry, Figures, Record, RoundFigure

__all__ = ["Entry", "Figures", "Record", "RoundFigure", "compile_record", "record_activation"]
