"""The Search tab: a grid of the selected objects (the only tab for a multi-selection)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from xencenter_py.i18n import format_bytes, format_number
from xencenter_py.i18n import gettext as _
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.search_perf import PerfColumns


def object_kind(obj: Any) -> str:
    """The translated type of an object as the search grid names it."""
    cls = getattr(obj, "cls", "")
    if cls == "VM":
        if obj.is_snapshot:
            return _("Snapshot")
        if obj.is_template:
            return _("Template")
        return _("VM")
    return {
        "pool": _("Pool"),
        "host": _("Server"),
        "SR": _("Storage"),
        "network": _("Network"),
        "VDI": _("Virtual disk"),
    }.get(cls, cls)


def _row(obj: Any) -> list[str]:
    cls = getattr(obj, "cls", "")
    state = memory = cpus = address = ""
    if cls == "VM":
        state = obj.friendly_power_state if obj.is_real_vm else ""
        memory = format_bytes(obj.memory_static_max) if obj.memory_static_max else ""
        cpus = format_number(obj.vcpus)
        address = ", ".join(obj.ip_addresses())
    elif cls == "host":
        memory = format_bytes(obj.memory_total) if obj.memory_total else ""
        cpus = format_number(obj.cpu_count)
        address = obj.address
    elif cls == "SR":
        memory = format_bytes(obj.physical_size) if obj.has_size and obj.physical_size > 0 else ""
    return [obj.name, object_kind(obj), state, memory, cpus, address]


SAVED_COLUMNS = {"memory": 3, "cpu": 4, "ip": 5}
"""XenCenter's saved-search column names and the grid's columns they show (name, type and
power state are always shown)."""


class SearchTab(TabPage):
    key = "search"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchTab")
        self.table = QTableWidget(0, 6 + len(PerfColumns.headers()))
        self.table.setObjectName("searchResults")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        self.perf = PerfColumns(self.table, first=6)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.retranslate()

    def title(self) -> str:
        return _("Search")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        return bool(objects)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [_("Name"), _("Type"), _("Power state"), _("Memory"), _("CPUs"), _("Address"), *PerfColumns.headers()]
        )
        self.refresh()

    def set_columns(self, names: list[str] | None) -> None:
        """Show the optional columns a saved search lists (all of them for None)."""
        for name, column in SAVED_COLUMNS.items():
            self.table.setColumnHidden(column, names is not None and name not in names)

    def refresh(self) -> None:
        self.table.setSortingEnabled(False)
        shown = [o for o in self.objects if getattr(o, "exists", True)]
        self.perf.set_objects(shown)
        self.table.setRowCount(len(shown))
        for r, obj in enumerate(shown):
            for c, value in enumerate(_row(obj)):
                self.table.setItem(r, c, QTableWidgetItem(value))
            self.perf.fill_row(r, obj)
        self.table.setSortingEnabled(True)
