"""The HA plan editor shared by the Configure HA wizard and the Edit priorities dialog:
one row per VM (restart priority, start order, delay, agility as the pool reports it) and
the number of server failures to tolerate, with its live maximum and status line.

Agility is asked of the pool (``VM.assert_agile``) in the background; a VM that is not
agile cannot be set to Restart (the entry is disabled, with the reason). The maximum is
recomputed (``pool.ha_compute_hypothetical_max_host_failures_to_tolerate``) whenever the
plan changes; only the latest answer counts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
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


class HaPlanEditor(Retranslating, QWidget):
    """Priorities, order, delay and failures to tolerate for the VMs of one pool."""

    changed = Signal()

    def __init__(self, conn: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("haPlanEditor")
        self.conn = conn
        pool = conn.cache.pool
        self.vms = protectable_vms(conn.cache)
        self.first_time = not (pool is not None and pool.ha_enabled) and all(
            not vm.get("ha_restart_priority") for vm in self.vms
        )
        self.agility: dict[str, str | None] = {vm.ref: None for vm in self.vms}  # None: not known yet
        self.maximum: int | None = None
        self.calculating = False
        self._touched: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._compute: asyncio.Task[Any] | None = None

        self.table = QTableWidget(len(self.vms), 5)
        self.table.setObjectName("haPlanTable")
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(COL_VM, QHeaderView.ResizeMode.Stretch)
        self.priority_boxes: dict[str, QComboBox] = {}
        self.order_boxes: dict[str, QSpinBox] = {}
        self.delay_boxes: dict[str, QSpinBox] = {}
        for row, vm in enumerate(self.vms):
            settings = VmHaSettings.of(vm)
            if self.first_time:
                settings = VmHaSettings(BEST_EFFORT, settings.order, settings.start_delay)
            name = QTableWidgetItem(vm.name)
            name.setData(Qt.ItemDataRole.UserRole, vm.ref)
            self.table.setItem(row, COL_VM, name)
            combo = QComboBox()
            combo.setObjectName(f"priority:{vm.name}")
            for priority in PRIORITIES:
                combo.addItem("", priority)
            combo.setCurrentIndex(PRIORITIES.index(settings.priority))
            combo.currentIndexChanged.connect(lambda _i, r=vm.ref: self._edited(r))
            self.table.setCellWidget(row, COL_PRIORITY, combo)
            self.priority_boxes[vm.ref] = combo
            order = QSpinBox()
            order.setRange(0, MAX_ORDER)
            order.setValue(min(settings.order, MAX_ORDER))
            order.valueChanged.connect(lambda _v, r=vm.ref: self._edited(r))
            self.table.setCellWidget(row, COL_ORDER, order)
            self.order_boxes[vm.ref] = order
            delay = QSpinBox()
            delay.setRange(0, MAX_DELAY)
            delay.setValue(min(settings.start_delay, MAX_DELAY))
            delay.valueChanged.connect(lambda _v, r=vm.ref: self._edited(r))
            self.table.setCellWidget(row, COL_DELAY, delay)
            self.delay_boxes[vm.ref] = delay
            self.table.setItem(row, COL_AGILE, QTableWidgetItem())

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
    def settings(self) -> dict[str, VmHaSettings]:
        """The plan as the user set it (on first use, rows still awaiting their agility
        check stay Restart if possible)."""
        return {
            vm.ref: VmHaSettings(
                str(self.priority_boxes[vm.ref].currentData()),
                self.order_boxes[vm.ref].value(),
                self.delay_boxes[vm.ref].value(),
            )
            for vm in self.vms
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
        combo = self.priority_boxes[ref]
        model = combo.model()
        assert isinstance(model, QStandardItemModel)
        item = model.item(PRIORITIES.index(RESTART))
        if code:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(agility_reason(code))
            if combo.currentData() == RESTART:
                combo.setCurrentIndex(PRIORITIES.index(BEST_EFFORT))
        else:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip("")
            if self.first_time and ref not in self._touched:
                combo.blockSignals(True)
                combo.setCurrentIndex(PRIORITIES.index(RESTART))
                combo.blockSignals(False)
        self._show_agility(ref)

    def _show_agility(self, ref: str) -> None:
        row = next(i for i, vm in enumerate(self.vms) if vm.ref == ref)
        item = self.table.item(row, COL_AGILE)
        code = self.agility[ref]
        if code is None:
            item.setText(_("Checking..."))
            item.setToolTip("")
        elif code:
            item.setText(_("No"))
            item.setToolTip(agility_reason(code))
        else:
            item.setText(_("Yes"))
            item.setToolTip("")

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

    # -- edits ----------------------------------------------------------------------------------
    def _edited(self, ref: str) -> None:
        self._touched.add(ref)
        self.recompute()
        self.changed.emit()

    def _ntol_changed(self) -> None:
        self._ntol_follows_max = False
        self._show_status()
        self.changed.emit()

    # -- text -------------------------------------------------------------------------------------
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
        self.table.setHorizontalHeaderLabels(
            [_("VM"), _("Restart priority"), _("Start order"), _("Delay (seconds)"), _("Agile")]
        )
        for vm in self.vms:
            combo = self.priority_boxes[vm.ref]
            for i, priority in enumerate(PRIORITIES):
                combo.setItemText(i, priority_label(priority))
            self._show_agility(vm.ref)
        self.ntol_label.setText(_("Number of server failures to tolerate:"))
        self._show_status()

    def closeEvent(self, event: Any) -> None:
        self.stop()
        super().closeEvent(event)
