"""pyqtgraph axes that speak the user's language: server times as local dates and
24-hour times (CLDR skeletons, so Japanese reads ``12月6日`` and ``15:45``), values in the
unit of the graph scaled by magnitude (``%``, ``MB/s``, ``GB``)."""

from __future__ import annotations

import datetime as _dt
import functools
import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

from xencenter_py.i18n import current_language, format_skeleton
from xencenter_py.model.perf.units import axis_scale, decimals_for, format_number, trim_zeros


def time_label(epoch: float, spacing: float) -> str:
    """A tick label for a time axis whose ticks are ``spacing`` seconds apart."""
    if spacing < 60:
        skeleton = "Hms"
    elif spacing < 86400:
        skeleton = "Hm"
    elif spacing < 28 * 86400:
        skeleton = "MMMd"
    else:
        skeleton = "yMMM"
    return _label(epoch, skeleton, current_language())


@functools.lru_cache(maxsize=4096)
def _label(epoch: float, skeleton: str, _language: str) -> str:
    """Labels repeat from one repaint to the next: format each once per language."""
    return format_skeleton(_dt.datetime.fromtimestamp(epoch, _dt.UTC), skeleton)


class TimeAxis(pg.DateAxisItem):
    """pyqtgraph's date ticks, labelled through the i18n helpers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # pyqtgraph learns the font only when the axis is first painted; ticks may be asked
        # for before that (an axis scrolled out of view, the CSV export, tests).
        self.fontMetrics = QFontMetrics(self.font())

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

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        """Round steps in the shown unit (0.5 GB, not 0.47 GB from 500,000,000 bytes)."""
        d = self.divisor
        return [(spacing * d, offset * d) for spacing, offset in super().tickSpacing(minVal / d, maxVal / d, size)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        decimals = decimals_for(spacing / self.divisor)
        out = []
        for v in values:
            if not math.isfinite(v):
                out.append("")
                continue
            text = trim_zeros(format_number(v / self.divisor, decimals))
            out.append(f"{text} {self.suffix}".strip() if self.suffix != "%" else f"{text}%")
        return out
