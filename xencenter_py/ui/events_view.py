"""Notifications pages: Events (this session's operations, with Cancel and Dismiss) and
Alerts (the pools' messages)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import format_datetime
from xencenter_py.i18n import gettext as _
from xencenter_py.ui import alert_text, icons
from xencenter_py.ui.operations import Operation, OperationHistory, OpState
from xencenter_py.ui.widgets import Retranslating, set_bold

_STATE_ICONS = {
    OpState.RUNNING: "busy",
    OpState.SUCCEEDED: "ok",
    OpState.FAILED: "error",
    OpState.CANCELLED: "warning",
}


def _title() -> QLabel:
    label = QLabel()
    set_bold(label)
    return label


def _message_list(name: str, columns: int) -> QTreeWidget:
    """A flat list whose first column (the message) takes the room."""
    tree = QTreeWidget()
    tree.setObjectName(name)
    tree.setColumnCount(columns)
    tree.setRootIsDecorated(False)
    tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return tree


class EventsPage(Retranslating, QWidget):
    """Notifications > Events: every operation; running ones can be cancelled, finished
    ones dismissed."""

    counts_changed = Signal()

    def __init__(self, history: OperationHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventsPage")
        self.history = history
        self.title = _title()
        self.tree = _message_list("eventsList", 5)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.header().setStretchLastSection(False)  # the message, not the buttons, gets the room
        for col in (1, 2, 3, 4):
            self.tree.header().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.dismiss_all = QPushButton()
        self.dismiss_all.setObjectName("dismissAll")
        self.dismiss_all.clicked.connect(history.dismiss_finished)
        self.dismiss_selected = QPushButton()
        self.dismiss_selected.setObjectName("dismissSelected")
        self.dismiss_selected.clicked.connect(self._dismiss_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.title)
        buttons.addStretch(1)
        buttons.addWidget(self.dismiss_selected)
        buttons.addWidget(self.dismiss_all)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.tree)
        self._items: dict[int, QTreeWidgetItem] = {}
        history.added.connect(self._add)
        history.changed.connect(self._update)
        history.removed.connect(self._remove)
        for op in history.operations:
            self._add(op)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Events"))
        self.tree.setHeaderLabels([_("Message"), _("Server/Pool"), _("Date"), _("Status"), _("Actions")])
        self.dismiss_all.setText(_("Dismiss All"))
        self.dismiss_selected.setText(_("Dismiss Selected"))
        for op in self.history.operations:
            self._update(op)

    def _add(self, op: Operation) -> None:
        item = QTreeWidgetItem()
        item.setData(0, Qt.ItemDataRole.UserRole, op)
        self.tree.insertTopLevelItem(0, item)
        self._items[id(op)] = item
        self._update(op)
        self.counts_changed.emit()

    def _remove(self, op: Operation) -> None:
        item = self._items.pop(id(op), None)
        if item is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        self.counts_changed.emit()

    def _update(self, op: Operation) -> None:
        item = self._items.get(id(op))
        if item is None:
            return
        text = op.title if not op.error else f"{op.title}\n{op.error}"
        item.setText(0, text)
        item.setToolTip(0, text)
        item.setText(1, op.location)
        item.setText(2, format_datetime(op.started))
        item.setIcon(0, icons.icon(_STATE_ICONS[op.state]))
        self._set_status(item, op)
        self._set_action(item, op)
        self.counts_changed.emit()

    def _set_status(self, item: QTreeWidgetItem, op: Operation) -> None:
        if op.running:
            bar = self.tree.itemWidget(item, 3)
            if not isinstance(bar, QProgressBar):
                bar = QProgressBar()
                bar.setObjectName("eventProgress")
                bar.setRange(0, 100)
                bar.setMaximumHeight(16)
                self.tree.setItemWidget(item, 3, bar)
            bar.setValue(round((op.progress or 0.0) * 100))
            item.setText(3, "")
        else:
            if self.tree.itemWidget(item, 3) is not None:
                self.tree.removeItemWidget(item, 3)
            item.setText(3, op.state.label)

    def _set_action(self, item: QTreeWidgetItem, op: Operation) -> None:
        button = self.tree.itemWidget(item, 4)
        wanted = "cancel" if op.running else "dismiss"
        if not isinstance(button, QPushButton) or button.property("action") != wanted:
            button = QPushButton()
            button.setProperty("action", wanted)
            button.setObjectName("cancelEvent" if op.running else "dismissEvent")
            if op.running:
                button.clicked.connect(lambda _checked=False, o=op: o.cancel())
            else:
                button.clicked.connect(lambda _checked=False, o=op: self.history.dismiss(o))
            self.tree.setItemWidget(item, 4, button)
        button.setText(_("Cancel") if op.running else _("Dismiss"))

    def _dismiss_selected(self) -> None:
        for item in self.tree.selectedItems():
            self.history.dismiss(item.data(0, Qt.ItemDataRole.UserRole))

    def error_count(self) -> int:
        return sum(1 for o in self.history.operations if o.state is OpState.FAILED)


class AlertsPage(Retranslating, QWidget):
    """Notifications > Alerts: the messages the connected pools hold."""

    counts_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertsPage")
        self.title = _title()
        self.tree = _message_list("alertsList", 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tree)
        self._connections: list[Any] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(_("Alerts"))
        self.tree.setHeaderLabels([_("Message"), _("Server/Pool"), _("Date")])
        self.refresh()  # titles and dates of the alerts already listed

    def set_connections(self, connections: list[Any]) -> None:
        self._connections = list(connections)
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        for conn in self._connections:
            cache = getattr(conn, "cache", None)
            if cache is None:
                continue
            names = _ObjectNames(cache)
            for msg in cache.all("message"):
                item = QTreeWidgetItem(
                    [
                        alert_text.title(msg, names.get(msg.get("cls", ""), msg.get("obj_uuid", ""))),
                        conn.friendly_name,
                        format_datetime(msg.get("timestamp")) if msg.get("timestamp") else "",
                    ]
                )
                item.setToolTip(0, alert_text.details(msg))
                item.setIcon(
                    0, icons.icon("error" if msg.priority <= 2 else "warning" if msg.priority <= 4 else "info")
                )
                self.tree.addTopLevelItem(item)
        self.counts_changed.emit()

    def count(self) -> int:
        return self.tree.topLevelItemCount()


class _ObjectNames:
    """Names of the objects messages refer to (by class and uuid), indexed once per refresh."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self.by_class: dict[str, dict[str, str]] = {}

    def get(self, cls: str, uuid: str) -> str:
        key = cls.lower()
        if key not in self.by_class:
            found = next((c for c in self.cache.classes() if c.lower() == key), None)
            self.by_class[key] = {o.get("uuid", ""): o.name for o in self.cache.all(found)} if found else {}
        return self.by_class[key].get(uuid, "") or uuid
