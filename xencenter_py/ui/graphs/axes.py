"""pyqtgraph axes that speak the user's language: server times as local dates and
24-hour times (CLDR skeletons, so Japanese reads ``12月6日`` and ``15:45``), values in the
unit of the graph scaled by magnitude (``%``, ``MB/s``, ``GB``)."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import pyqtgraph as pg

from xencenter_py.i18n import format_number, format_skeleton
from xencenter_py.model.perf.units import axis_scale, decimals_for


def time_label(epoch: float, spacing: float) -> str:
    """A tick label for a time axis whose ticks are ``spacing`` seconds apart."""
    when = _dt.datetime.fromtimestamp(epoch, _dt.UTC)
    if spacing < 60:
        return format_skeleton(when, "Hms")
    if spacing < 86400:
        return format_skeleton(when, "Hm")
    if spacing < 28 * 86400:
        return format_skeleton(when, "MMMd")
    return format_skeleton(when, "yMMM")


class TimeAxis(pg.DateAxisItem):
    """pyqtgraph's date ticks, labelled through the i18n helpers."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for v in values:
            try:
                out.append(time_label(v, spacing))
            except (OverflowError, OSError, ValueError):
                out.append("")
        return out


class ValueAxis(pg.AxisItem):
    """Left axis in the graph's unit; the unit label follows the largest value shown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("left", **kwargs)
        self.unit = ""
        self.divisor = 1.0
        self.suffix = ""
        self.enableAutoSIPrefix(False)

    def set_unit(self, unit: str, largest: float) -> None:
        self.unit = unit
        self.divisor, self.suffix = axis_scale(unit, largest)
        self.picture = None
        self.update()

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        decimals = decimals_for(spacing / self.divisor)
        out = []
        for v in values:
            if not math.isfinite(v):
                out.append("")
                continue
            text = format_number(v / self.divisor, decimals)
            out.append(f"{text} {self.suffix}".strip() if self.suffix != "%" else f"{text}%")
        return out
