"""XenCenter's CPU, memory, disk and network columns for the Search tab: live values with
a small sparkline of the last two minutes, sortable by value, fed by a
:class:`~xencenter_py.model.perf.live.LiveFeed` that polls only while the grid is shown."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableWidget, QTableWidgetItem

from xencenter_py.i18n import gettext as _
from xencenter_py.model.perf import sources, units
from xencenter_py.model.perf.live import FIGURES, LiveFeed

VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
SPARK_ROLE = Qt.ItemDataRole.UserRole + 2
UNITS = {
    "cpu": sources.PERCENT,
    "memory": sources.BYTES,
    "disk": sources.BYTES_PER_SECOND,
    "network": sources.BYTES_PER_SECOND,
}


class ValueItem(QTableWidgetItem):
    """A cell sorted by its number (no data sorts first)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(VALUE_ROLE), other.data(VALUE_ROLE)
        mine = -math.inf if mine is None or not math.isfinite(mine) else mine
        theirs = -math.inf if theirs is None or not math.isfinite(theirs) else theirs
        return mine < theirs


class SparklineDelegate(QStyledItemDelegate):
    """The cell's text with the recent values drawn as a line beneath it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        super().paint(painter, option, index)
        values = [v for v in (index.data(SPARK_ROLE) or []) if v is not None]
        finite = [v for v in values if math.isfinite(v)]
        if len(finite) < 2:
            return
        rect = option.rect.adjusted(option.rect.width() // 2, 3, -3, -3)
        top = max(finite) or 1.0
        step = rect.width() / max(1, len(values) - 1)
        points = QPolygonF(
            [
                QPointF(rect.left() + i * step, rect.bottom() - (v / top) * rect.height())
                for i, v in enumerate(values)
                if math.isfinite(v)
            ]
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(0, 102, 255), 1.2))
        painter.drawPolyline(points)
        painter.restore()


class PerfColumns(QObject):
    """Adds the four columns from ``first`` on and keeps them live while the table shows."""

    def __init__(self, table: QTableWidget, first: int) -> None:
        super().__init__(table)
        self.table = table
        self.first = first
        self.feeds: dict[int, LiveFeed] = {}
        self.objects: list[Any] = []
        self._stopping: set[asyncio.Task[None]] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.update_values)
        delegate = SparklineDelegate(table)
        for column in range(first, first + len(FIGURES)):
            table.setItemDelegateForColumn(column, delegate)
        table.installEventFilter(self)

    @staticmethod
    def headers() -> list[str]:
        return [_("CPU Usage"), _("Used Memory"), _("Disks"), _("Network")]

    def set_objects(self, objects: list[Any]) -> None:
        self.objects = [o for o in objects if getattr(o, "cls", "") in ("host", "VM")]
        if self.table.isVisible():
            self._start()

    def fill_row(self, row: int, obj: Any) -> None:
        """Put the cells of ``obj`` in ``row`` (called by the Search tab for each row)."""
        for offset, figure in enumerate(FIGURES):
            item = ValueItem()
            item.setData(Qt.ItemDataRole.UserRole, obj.ref)
            item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, self.first + offset, item)
            self._set(item, obj, figure)

    def _feed(self, obj: Any) -> LiveFeed | None:
        conn = getattr(obj, "connection", None)
        return self.feeds.get(id(conn)) if conn is not None else None

    def _set(self, item: QTableWidgetItem, obj: Any, figure: str) -> None:
        feed = self._feed(obj)
        if feed is None:
            item.setText("")
            item.setData(VALUE_ROLE, None)
            return
        value = feed.latest(obj.uuid)[figure]
        item.setText(units.format_value(UNITS[figure], value) if math.isfinite(value) else "")
        item.setData(VALUE_ROLE, value)
        item.setData(SPARK_ROLE, feed.history(obj.uuid, figure))

    def update_values(self) -> None:
        by_ref = {o.ref: o for o in self.objects}
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)
        for row in range(self.table.rowCount()):
            anchor = self.table.item(row, self.first)
            obj = by_ref.get(anchor.data(Qt.ItemDataRole.UserRole)) if anchor is not None else None
            if obj is None:
                continue
            for offset, figure in enumerate(FIGURES):
                self._set(self.table.item(row, self.first + offset), obj, figure)
        self.table.setSortingEnabled(sorting)

    # -- polling while shown -----------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table:
            if event.type() == QEvent.Type.Show:
                self._start()
            elif event.type() == QEvent.Type.Hide:
                self._stop()
        return False

    def _start(self) -> None:
        by_connection: dict[int, tuple[Any, list[Any]]] = {}
        for obj in self.objects:
            conn = obj.connection
            if conn is not None:
                by_connection.setdefault(id(conn), (conn, []))[1].append(obj)
        for key in [k for k in self.feeds if k not in by_connection]:
            self._retire(key)
        for key, (conn, objs) in by_connection.items():
            feed = self.feeds.get(key)
            if feed is None:
                feed = self.feeds[key] = LiveFeed(conn)
                feed.on_update(self._timer.start)
            feed.watch(objs)

    def _stop(self) -> None:
        for key in list(self.feeds):
            self._retire(key)

    def _retire(self, key: int) -> None:
        feed = self.feeds.pop(key)
        task = asyncio.ensure_future(feed.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
