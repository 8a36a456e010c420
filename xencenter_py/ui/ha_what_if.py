"""The what-if planner (no console has it): pick servers to fail and see, before anything
happens, which VMs would restart where, which would not and why, and whether the plan
still holds. Shown in the HA tab and on the Configure HA wizard's plan page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.ha import VmHaSettings, agility_reason, priority_label
from xencenter_py.ui.aio import error_text
from xencenter_py.ui.widgets import Retranslating

ERROR_STYLE = "color: #b3261e;"
OK_STYLE = "color: #1b5e20;"


def outcome_text(conn: Any, restart: ha.Restart) -> str:
    """What HA would do with one VM, in the active language."""
    if restart.host:
        host = conn.cache.get("host", restart.host)
        return _("Restarts on {server}").format(server=host.name if host is not None else restart.host)
    if not restart.priority:
        return _("Not restarted (Do not restart)")
    return _("Not restarted: {reason}").format(reason=agility_reason(restart.error_code or "NO_HOSTS_AVAILABLE"))


class WhatIfPanel(Retranslating, QGroupBox):
    """Servers to fail (checkable), a Calculate button, and the pool's answer."""

    def __init__(
        self,
        conn: Any,
        settings: Callable[[], dict[str, VmHaSettings] | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("haWhatIf")
        self.conn = conn
        self._settings = settings or (lambda: None)
        self.result: ha.WhatIf | None = None
        self._task: asyncio.Task[Any] | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.hosts = QListWidget()
        self.hosts.setObjectName("whatIfHosts")
        self.hosts.setMaximumHeight(90)
        self.calculate = QPushButton()
        self.calculate.setObjectName("whatIfCalculate")
        self.calculate.clicked.connect(self.run)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("whatIfResult")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.verdict = QLabel()
        self.verdict.setObjectName("whatIfVerdict")
        self.verdict.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.hosts, 1)
        top.addWidget(self.calculate, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verdict)
        self.refresh_hosts()
        self.retranslate()

    def refresh_hosts(self) -> None:
        """List the pool's live servers, keeping the user's ticks."""
        ticked = set(self.chosen())
        self.hosts.clear()
        for host in sorted(self.conn.cache.all("host"), key=lambda h: h.name.lower()):
            if not host.is_live:
                continue
            item = QListWidgetItem(host.name)
            item.setData(Qt.ItemDataRole.UserRole, host.ref)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if host.ref in ticked else Qt.CheckState.Unchecked)
            self.hosts.addItem(item)

    def chosen(self) -> list[str]:
        out = []
        for i in range(self.hosts.count()):
            item = self.hosts.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def set_chosen(self, refs: list[str]) -> None:
        for i in range(self.hosts.count()):
            item = self.hosts.item(i)
            state = Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in refs else Qt.CheckState.Unchecked
            item.setCheckState(state)

    def run(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.ensure_future(self._run(self.chosen()))

    async def _run(self, hosts: list[str]) -> None:
        self.verdict.setStyleSheet("")
        self.verdict.setText(_("Calculating..."))
        try:
            self.result = await ha.what_if(self.conn, hosts, self._settings())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.result = None
            self.table.setRowCount(0)
            self.verdict.setStyleSheet(ERROR_STYLE)
            self.verdict.setText(error_text(exc))
            return
        self._show()

    def _show(self) -> None:
        result = self.result
        if result is None:
            self.table.setRowCount(0)
            self.verdict.setText("")
            return
        self.table.setRowCount(len(result.restarts))
        for row, r in enumerate(result.restarts):
            vm = self.conn.cache.get("VM", r.vm)
            cells = (vm.name if vm is not None else r.vm, priority_label(r.priority), outcome_text(self.conn, r))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if not result.restarts:
            self.verdict.setText(_("No running VM would be affected."))
            self.verdict.setStyleSheet(OK_STYLE)
        elif result.plan_holds:
            self.verdict.setText(_("The HA plan holds: every protected VM would restart."))
            self.verdict.setStyleSheet(OK_STYLE)
        else:
            self.verdict.setText(_("The HA plan does not hold: some protected VMs would stay down."))
            self.verdict.setStyleSheet(ERROR_STYLE)

    def retranslate(self) -> None:
        self.setTitle(_("What if servers fail?"))
        self.intro.setText(
            _("Choose servers to fail and click Calculate to see where their VMs would restart. Nothing is changed.")
        )
        self.calculate.setText(_("&Calculate"))
        self.table.setHorizontalHeaderLabels([_("VM"), _("Restart priority"), _("Outcome")])
        self._show()
