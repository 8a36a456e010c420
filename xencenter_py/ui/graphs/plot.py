"""One performance graph: a title, the plot (pyqtgraph, lines broken at gaps), its legend,
a hover read-out of the time and every series' value, and lifecycle event markers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.model.perf import sources, units
from xencenter_py.model.perf.archive import Window
from xencenter_py.model.perf.export import local_time
from xencenter_py.model.perf.keeper import LifecycleEvent
from xencenter_py.ui.graphs.axes import TimeAxis, ValueAxis
from xencenter_py.ui.graphs.events import event_text

PALETTE = (0x0066FF, 0x339900, 0xFF9900, 0x660099, 0x990033, 0x995E00, 0xE6C700, 0x00C8A0, 0x009982, 0xBFA4A6)
"""Series colours in order (XenCenter's default palette)."""

pg.setConfigOptions(antialias=False, background="w", foreground="k")


def colour_for(index: int, custom: dict[str, int], name: str) -> int:
    return custom.get(name, PALETTE[index % len(PALETTE)]) & 0xFFFFFF


class PerfGraph(QFrame):
    """A graph of some data sources of one object; the tab feeds it windows of data."""

    clicked = Signal(object)
    double_clicked = Signal(object)
    colour_requested = Signal(str)  # a data source name: the user wants another colour for it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("perfGraph")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title_label = QLabel()
        self.title_label.setObjectName("graphTitle")
        self.title_label.setStyleSheet("font-weight: bold;")
        self.time_axis = TimeAxis()
        self.value_axis = ValueAxis()
        self.value_axis.setWidth(84)  # the same in every graph, so linked time scales line up
        self.plot = pg.PlotWidget(axisItems={"bottom": self.time_axis, "left": self.value_axis})
        self.plot.setObjectName("graphPlot")
        self.plot.setFixedHeight(170)  # XenCenter-sized graphs: several fit on screen
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        # No grid: pyqtgraph's grid lines cost five times the curves' repaint (measured in
        # benchmarks/perf_repaint.py), and the axes' ticks are enough to read values.
        self.view = self.plot.getPlotItem().getViewBox()
        self.view.setMouseEnabled(x=True, y=False)
        self.view.enableAutoRange(x=False, y=False)
        self.plot.setBackground("w")
        self.legend = QListWidget()
        self.legend.setObjectName("graphLegend")
        self.legend.setFixedWidth(200)
        self.legend.itemChanged.connect(self._legend_toggled)
        self.legend.itemDoubleClicked.connect(
            lambda item: self.colour_requested.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        self.readout = QLabel(" ")
        self.readout.setObjectName("graphReadout")
        # one line whatever the number of series (the whole read-out is in its tooltip)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), width=1))
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor, ignoreBounds=True)
        row = QHBoxLayout()
        row.addWidget(self.plot, 1)
        row.addWidget(self.legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addLayout(row)
        layout.addWidget(self.readout)
        self.sources: list[str] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.colours: dict[str, int] = {}
        self.window: Window | None = None
        self.unit = sources.NUMBER
        self._markers: list[pg.InfiniteLine] = []
        self.selected = False
        self.plot.scene().sigMouseMoved.connect(self._hover)

    # -- content --------------------------------------------------------------------------
    def set_graph(self, title: str, names: list[str], custom_colours: dict[str, int]) -> None:
        """Show ``names`` (data sources) under ``title``."""
        self.title_label.setText(title)
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.curves.clear()
        self.legend.blockSignals(True)
        self.legend.clear()
        self.sources = list(names)
        self.colours = {n: colour_for(i, custom_colours, n) for i, n in enumerate(names)}
        unit_set = {sources.info(n).unit for n in names}
        self.unit = unit_set.pop() if len(unit_set) == 1 else sources.NUMBER
        for name in names:
            colour = QColor(self.colours[name])
            curve = self.plot.plot([], [], pen=pg.mkPen(colour, width=1), name=name, connect="finite")
            self.curves[name] = curve
            item = QListWidgetItem(_swatch(colour), sources.friendly_name(name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.legend.addItem(item)
        self.legend.blockSignals(False)

    def retranslate(self) -> None:
        for row in range(self.legend.count()):
            item = self.legend.item(row)
            item.setText(sources.friendly_name(item.data(Qt.ItemDataRole.UserRole)))
        self.time_axis.picture = None
        self.time_axis.update()
        self.value_axis.picture = None
        self.value_axis.update()

    def plotted(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(times, values in the source's unit) as drawn for ``name``."""
        x, y = self.curves[name].getData()
        return (np.asarray(x if x is not None else []), np.asarray(y if y is not None else []))

    def set_window(self, window: Window) -> None:
        """Draw the rows of ``window`` (values scaled to each source's unit)."""
        self.window = window
        biggest = 0.0
        for name, curve in self.curves.items():
            raw = window.series.get(name)
            if raw is None:
                curve.setData([], [])
                continue
            values = raw * sources.info(name).scale
            finite = np.isfinite(values)
            # pyqtgraph's fast path draws all points; gaps (NaN) need the slower "finite" one
            all_finite = bool(finite.all())
            curve.setData(window.times, values, connect="all" if all_finite else "finite", skipFiniteCheck=all_finite)
            if finite.any() and curve.isVisible():
                biggest = max(biggest, float(np.max(np.abs(values[finite]))))
        self.value_axis.set_unit(self.unit, biggest)
        # from zero, as XenCenter draws them: a quiet graph must not look busy
        self.view.setYRange(0.0, biggest * 1.08 if biggest > 0 else 1.0, padding=0)

    def set_events(self, events: list[LifecycleEvent]) -> None:
        for marker in self._markers:
            self.plot.removeItem(marker)
        self._markers = []
        for event in events:
            line = pg.InfiniteLine(
                pos=event.time,
                angle=90,
                movable=False,
                pen=pg.mkPen((200, 60, 60), width=1, style=Qt.PenStyle.DashLine),
                label=event_text(event),
                labelOpts={"position": 0.92, "color": (160, 40, 40)},
            )
            line.setToolTip(event_text(event))
            self.plot.addItem(line, ignoreBounds=True)
            self._markers.append(line)

    def show_time_axis(self, shown: bool) -> None:
        """The graphs of a tab share one time scale (they pan and zoom together), so only
        the last one draws it: each time axis costs as much to repaint as its curves."""
        self.plot.showAxis("bottom", shown)

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.setStyleSheet("QFrame#perfGraph { border: 2px solid #7fb2e5; }" if selected else "")

    # -- interaction ----------------------------------------------------------------------
    def mousePressEvent(self, event: Any) -> None:
        self.clicked.emit(self)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: Any) -> None:
        self.double_clicked.emit(self)
        super().mouseDoubleClickEvent(event)

    def _legend_toggled(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        curve = self.curves.get(name)
        if curve is not None:
            curve.setVisible(item.checkState() == Qt.CheckState.Checked)

    def _hover(self, pos: QPointF) -> None:
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.view.mapSceneToView(pos).x()
        self.show_readout(x)

    def show_readout(self, x: float) -> str:
        """Show the time nearest ``x`` and every series' value there; returns the text."""
        window = self.window
        if window is None or not len(window.times):
            self.cursor.setVisible(False)
            self.readout.setText(" ")
            return ""
        index = int(np.clip(np.searchsorted(window.times, x), 0, len(window.times) - 1))
        if index > 0 and abs(window.times[index - 1] - x) < abs(window.times[index] - x):
            index -= 1
        t = float(window.times[index])
        self.cursor.setPos(t)
        self.cursor.setVisible(True)
        parts = []
        for name in self.sources:
            raw = window.series.get(name)
            value = math.nan if raw is None else float(raw[index]) * sources.info(name).scale
            parts.append(f"{sources.friendly_name(name)}: {units.format_value(sources.info(name).unit, value)}")
        text = local_time(t) + "  " + ", ".join(parts)
        self.readout.setText(text)
        self.readout.setToolTip(local_time(t) + "\n" + "\n".join(parts))
        return text


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)
