"""The HA plan editor shared by the Configure HA wizard and the Edit priorities dialog:
one row per VM (restart priority, start order, delay, agility as the pool reports it) and
the number of server failures to tolerate, with its live maximum and status line.

Rows come from a table model edited through a delegate (a pool may have thousands of
VMs, and nothing is built per row); as in XenCenter, an edit applies to every selected row. Agility is asked of the
pool (``VM.assert_agile``) in the background; a VM that is not agile cannot be set to
Restart (the entry is disabled, with the reason). The maximum is recomputed
(``pool.ha_compute_hypothetical_max_host_failures_to_tolerate``) whenever the plan
changes; only the latest answer counts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.ha import (
    BEST_EFFORT,
    PRIORITIES,
    RESTART,
    VmHaSettings,
    agility_reason,
    ntol_status,
    priority_label,
    protectable_vms,
)
from xencenter_py.ui.widgets import Retranslating

ERROR_STYLE = "color: #b3261e;"
OK_STYLE = "color: #1b5e20;"
MAX_ORDER = 9999
MAX_DELAY = 24 * 3600

COL_VM, COL_PRIORITY, COL_ORDER, COL_DELAY, COL_AGILE = range(5)
VALUE = Qt.ItemDataRole.UserRole  # a cell's value: the priority string, or the int

Index = QModelIndex | QPersistentModelIndex


class _PlanDelegate(QStyledItemDelegate):
    """A priority list (Restart disabled for VMs that are not agile) or a number box."""

    def __init__(self, editor: HaPlanEditor) -> None:
        super().__init__(editor.table)
        self.plan = editor

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        column = index.column()
        if column == COL_PRIORITY:
            combo = QComboBox(parent)
            combo.setObjectName("haPriorityEditor")
            for priority in PRIORITIES:
                combo.addItem(priority_label(priority), priority)
            refusal = self.plan.restart_refusal(self.plan.ref_at(index.row()))
            if refusal:
                model = combo.model()
                assert isinstance(model, QStandardItemModel)
                item = model.item(PRIORITIES.index(RESTART))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(refusal)
            return combo
        spin = QSpinBox(parent)
        spin.setRange(0, MAX_ORDER if column == COL_ORDER else MAX_DELAY)
        return spin

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        value = index.data(VALUE)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(PRIORITIES.index(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        value: Any = editor.currentData() if isinstance(editor, QComboBox) else editor.value()  # type: ignore[attr-defined]
        rows = {i.row() for i in self.plan.table.selectionModel().selectedRows()}
        if index.row() not in rows:
            rows = {index.row()}
        self.plan.set_value(sorted(rows), index.column(), value)


class _PlanModel(QAbstractTableModel):
    """The editor's rows as a table model: values and texts computed when painted."""

    def __init__(self, plan: HaPlanEditor) -> None:
        super().__init__(plan)
        self.plan = plan
        self.headers: list[str] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.plan.vms)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if section < len(self.headers) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in (COL_PRIORITY, COL_ORDER, COL_DELAY) else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.plan.text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.plan.tooltip(row, column) or None
        if role in (VALUE, Qt.ItemDataRole.EditRole):
            return self.plan.value(row, column)
        return None

    def set_headers(self, headers: list[str]) -> None:
        self.headers = headers
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 4)

    def rows_changed(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, 4))


class HaPlanEditor(Retranslating, QWidget):
    """Priorities, order, delay and failures to tolerate for the VMs of one pool."""

    changed = Signal()

    def __init__(self, conn: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("haPlanEditor")
        self.conn = conn
        pool = conn.cache.pool
        self.vms = protectable_vms(conn.cache)
        self.rows = {vm.ref: row for row, vm in enumerate(self.vms)}
        self.first_time = not (pool is not None and pool.ha_enabled) and all(
            not vm.get("ha_restart_priority") for vm in self.vms
        )
        self.agility: dict[str, str | None] = {vm.ref: None for vm in self.vms}  # None: not known yet
        self.maximum: int | None = None
        self.calculating = False
        self._touched: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._compute: asyncio.Task[Any] | None = None

        self._priority: list[str] = []
        self._order: list[int] = []
        self._delay: list[int] = []
        for vm in self.vms:
            settings = VmHaSettings.of(vm)
            self._priority.append(BEST_EFFORT if self.first_time else settings.priority)
            self._order.append(min(settings.order, MAX_ORDER))
            self._delay.append(min(settings.start_delay, MAX_DELAY))
        self.model = _PlanModel(self)
        self.table = QTableView()
        self.table.setObjectName("haPlanTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setItemDelegate(_PlanDelegate(self))
        self.table.horizontalHeader().setSectionResizeMode(COL_VM, QHeaderView.ResizeMode.Stretch)

        self.ntol_label = QLabel()
        self.ntol = QSpinBox()
        self.ntol.setObjectName("haFailuresToTolerate")
        self.ntol.setRange(0, len(pool.hosts) if pool is not None else 0)
        if pool is not None and pool.ha_enabled:
            self.ntol.setValue(int(pool.get("ha_host_failures_to_tolerate") or 0))
        self.ntol.valueChanged.connect(self._ntol_changed)
        self.max_label = QLabel()
        self.max_label.setObjectName("haMaxFailures")
        self.status = QLabel()
        self.status.setObjectName("haPlanStatus")
        self.status.setWordWrap(True)
        row_layout = QHBoxLayout()
        row_layout.addWidget(self.ntol_label)
        row_layout.addWidget(self.ntol)
        row_layout.addWidget(self.max_label)
        row_layout.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_layout)
        layout.addWidget(self.status)
        self._ntol_follows_max = not (pool is not None and pool.ha_enabled)
        self.retranslate()

    # -- reading ------------------------------------------------------------------------------
    def ref_at(self, row: int) -> str:
        return self.vms[row].ref

    def value(self, row: int, column: int) -> Any:
        if column == COL_PRIORITY:
            return self._priority[row]
        if column == COL_ORDER:
            return self._order[row]
        if column == COL_DELAY:
            return self._delay[row]
        return self.vms[row].ref

    def priority(self, ref: str) -> str:
        return self._priority[self.rows[ref]]

    def settings(self) -> dict[str, VmHaSettings]:
        """The plan as the user set it (on first use, rows still awaiting their agility
        check stay Restart if possible)."""
        return {
            vm.ref: VmHaSettings(self._priority[row], self._order[row], self._delay[row])
            for row, vm in enumerate(self.vms)
        }

    def failures_to_tolerate(self) -> int:
        return int(self.ntol.value())

    def is_valid(self) -> bool:
        """Next / OK may be pressed: the maximum is known and not exceeded."""
        return not self.calculating and self.maximum is not None and self.failures_to_tolerate() <= self.maximum

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(PRIORITIES, 0)
        for s in self.settings().values():
            out[s.priority] += 1
        return out

    def restart_refusal(self, ref: str) -> str:
        """Why the VM cannot be set to Restart ("" when it can)."""
        code = self.agility.get(ref)
        return agility_reason(code) if code else ""

    # -- editing --------------------------------------------------------------------------------
    def set_value(self, rows: list[int], column: int, value: Any) -> None:
        """Set one column of ``rows`` (Restart is skipped for VMs that are not agile)."""
        values = {COL_PRIORITY: self._priority, COL_ORDER: self._order, COL_DELAY: self._delay}[column]
        changed = [
            row
            for row in rows
            if values[row] != value
            and not (column == COL_PRIORITY and value == RESTART and self.restart_refusal(self.ref_at(row)))
        ]
        for row in changed:
            values[row] = value
            self._touched.add(self.ref_at(row))
        if changed:
            self.model.rows_changed(min(changed), max(changed))
            self.recompute()
            self.changed.emit()

    def set_priority(self, ref: str, priority: str) -> None:
        self.set_value([self.rows[ref]], COL_PRIORITY, priority)

    def set_order(self, ref: str, order: int) -> None:
        self.set_value([self.rows[ref]], COL_ORDER, order)

    def set_delay(self, ref: str, seconds: int) -> None:
        self.set_value([self.rows[ref]], COL_DELAY, seconds)

    # -- the pool's answers -----------------------------------------------------------------------
    def start(self) -> None:
        """Ask the pool about agility, then compute the maximum (call once shown)."""
        self._spawn(self._check_agility())

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _check_agility(self) -> None:
        from xencenter_py.xapi.errors import Failure

        for vm in self.vms:
            try:
                await self.conn.call("VM.assert_agile", vm.ref)
            except Failure as f:
                code = f.code
            except Exception:  # the pool stopped answering: say so, keep the row usable
                code = "UNKNOWN"
            else:
                code = ""
            self._set_agility(vm.ref, code)
        self.recompute()

    def _set_agility(self, ref: str, code: str) -> None:
        self.agility[ref] = code
        row = self.rows[ref]
        if code and self._priority[row] == RESTART:
            self._priority[row] = BEST_EFFORT  # the seed's rule: at most "restart if possible"
        elif not code and self.first_time and ref not in self._touched:
            self._priority[row] = RESTART
        self.model.rows_changed(row, row)

    def recompute(self) -> None:
        """Compute the maximum for the current plan (a newer request replaces an older one)."""
        if self._compute is not None:
            self._compute.cancel()
        self.calculating = True
        self._show_status()
        self._compute = self._spawn(self._maximum(self.settings()))

    async def _maximum(self, settings: dict[str, VmHaSettings]) -> None:
        try:
            most: int | None = await ha.max_failures(self.conn, settings)
        except asyncio.CancelledError:
            raise
        except Exception:
            most = None
        self.maximum = most
        self.calculating = False
        if most is not None and self._ntol_follows_max:
            self.ntol.blockSignals(True)
            self.ntol.setValue(min(most, self.ntol.maximum()))
            self.ntol.blockSignals(False)
        self._show_status()
        self.changed.emit()

    def _ntol_changed(self) -> None:
        self._ntol_follows_max = False
        self._show_status()
        self.changed.emit()

    # -- text -------------------------------------------------------------------------------------
    def text(self, row: int, column: int) -> str:
        """What a cell shows, in the active language."""
        if column == COL_VM:
            return str(self.vms[row].name)
        if column == COL_PRIORITY:
            return priority_label(self._priority[row])
        if column in (COL_ORDER, COL_DELAY):
            return str(self.value(row, column))
        code = self.agility[self.ref_at(row)]
        return _("Checking...") if code is None else _("No") if code else _("Yes")

    def tooltip(self, row: int, column: int) -> str:
        """Why Restart is not offered (priority column) or why the VM is not agile."""
        ref = self.ref_at(row)
        if column == COL_PRIORITY:
            return self.restart_refusal(ref)
        if column == COL_AGILE:
            code = self.agility[ref]
            return agility_reason(code) if code else ""
        return ""

    def _show_status(self) -> None:
        if self.calculating:
            self.max_label.setText(_("(calculating...)"))
            self.status.setText("")
            return
        self.max_label.setText(_("(max = {n})").format(n=self.maximum) if self.maximum is not None else "")
        text, warning = ntol_status(self.failures_to_tolerate(), self.maximum)
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if warning else OK_STYLE)

    def retranslate(self) -> None:
        self.model.set_headers([_("VM"), _("Restart priority"), _("Start order"), _("Delay (seconds)"), _("Agile")])
        if self.vms:
            self.model.rows_changed(0, len(self.vms) - 1)
        self.ntol_label.setText(_("Number of server failures to tolerate:"))
        self._show_status()

    def closeEvent(self, event: Any) -> None:
        self.stop()
        super().closeEvent(event)
