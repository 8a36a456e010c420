"""The navigator strip: the whole history of one series, with the graphs' visible range
as a region that can be dragged or stretched."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from xencenter_py.model.perf.archive import Window
from xencenter_py.ui.graphs.axes import TimeAxis


class Navigator(pg.PlotWidget):
    """Emits ``range_changed(start, end)`` when the user moves the region."""

    range_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        self.time_axis = TimeAxis()
        super().__init__(parent, axisItems={"bottom": self.time_axis})
        self.setObjectName("perfNavigator")
        self.setBackground("w")
        self.setFixedHeight(80)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.hideAxis("left")
        self.getPlotItem().getViewBox().setMouseEnabled(x=False, y=False)
        self.curve = self.plot([], [], pen=pg.mkPen((0, 102, 255), width=1), fillLevel=0, brush=(0, 102, 255, 50))
        self.region = pg.LinearRegionItem(brush=(0, 0, 0, 30))
        self.region.setZValue(10)
        self.addItem(self.region, ignoreBounds=True)
        self._setting = False
        self.region.sigRegionChanged.connect(self._moved)

    def set_overview(self, window: Window) -> None:
        values = next(iter(window.series.values()), np.asarray([]))
        self.curve.setData(window.times, np.nan_to_num(values, nan=0.0))
        if len(window.times):
            self.setXRange(float(window.times[0]), float(window.times[-1]), padding=0)

    def set_region(self, start: float, end: float) -> None:
        self._setting = True
        try:
            self.region.setRegion((start, end))
        finally:
            self._setting = False

    def _moved(self) -> None:
        if not self._setting:
            start, end = self.region.getRegion()
            self.range_changed.emit(float(start), float(end))
