"""The Configure HA wizard, as XenCenter's ``HAWizard``: prerequisites (with a warning
about broken shared SRs) → heartbeat SR (a cancellable scan asks the pool about every
shared SR) → HA plan (priorities, order, delay, agility, failures to tolerate, what-if)
→ finish. Finish hands the input to :func:`xencenter_py.model.actions.ha.enable`, run as
an operation with progress (and Cancel) in Notifications ▸ Events."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.ha import BEST_EFFORT, DO_NOT_RESTART, RESTART, candidate_heartbeat_srs
from xencenter_py.ui.ha_plan import HaPlanEditor
from xencenter_py.ui.ha_what_if import WhatIfPanel
from xencenter_py.ui.operations import Operation, OperationHistory
from xencenter_py.ui.wizards.base import ERROR_STYLE, SummaryPage, Wizard, WizardPage


class IntroPage(WizardPage):
    """What HA needs, and which shared SRs are broken (they cannot hold the heartbeat)."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("haIntroPage")
        self.conn = conn
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setObjectName("haBrokenSrs")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.warning)
        layout.addStretch(1)
        self.retranslate()

    def title(self) -> str:
        return _("Prerequisites")

    def heading(self) -> str:
        return _("HA configuration prerequisites")

    def broken_srs(self) -> list[Any]:
        return [sr for sr in candidate_heartbeat_srs(self.conn.cache) if sr.pbds and sr.is_broken()]

    async def leave(self) -> None:
        """Leaving the introduction scans the SRs (Cancel stops the scan)."""
        assert self.wizard is not None
        await self.wizard.sr_page.scan()

    def retranslate(self) -> None:
        self.text.setText(
            _(
                "High availability restarts protected VMs on other servers when a server fails. It needs a "
                "shared SR that every server can reach for its heartbeat (the heartbeat SR), at least two "
                "servers, and VMs whose disks and networks are on shared storage and networks (agile VMs).\n\n"
                "Click Next to look for SRs that can hold the heartbeat."
            )
        )
        broken = self.broken_srs()
        self.warning.setText(
            _("These shared SRs are broken and cannot be used: {srs}").format(srs=", ".join(s.name for s in broken))
            if broken
            else ""
        )
        self.warning.setVisible(bool(broken))


class HeartbeatSrPage(WizardPage):
    """The scanned SRs: usable ones selectable, the others disabled with the reason."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("haHeartbeatSrPage")
        self.conn = conn
        self.checks: list[ha.HeartbeatCheck] = []
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("heartbeatSrTable")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self.completeChanged)
        self.none = QLabel()
        self.none.setObjectName("noSharedSrs")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.none)
        self.retranslate()

    def title(self) -> str:
        return _("Heartbeat SR")

    def heading(self) -> str:
        return _("Choose a heartbeat SR")

    async def scan(self) -> None:
        srs = [sr.ref for sr in candidate_heartbeat_srs(self.conn.cache)]
        self.checks = await ha.check_heartbeat_srs(self.conn, srs)
        self._fill()

    def _fill(self) -> None:
        ordered = sorted(
            self.checks, key=lambda c: (not c.usable, self._sr(c).name.lower() if self._sr(c) is not None else "")
        )
        self.table.setRowCount(len(ordered))
        for row, check in enumerate(ordered):
            sr = self._sr(check)
            comment = "" if check.usable else check.reason
            cells = (sr.name if sr is not None else check.sr, sr.description if sr is not None else "", comment)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, check.sr)
                if not check.usable:
                    item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable))
                    item.setToolTip(check.reason)
                self.table.setItem(row, col, item)
        if ordered and ordered[0].usable:
            self.table.selectRow(0)
        self.table.setEnabled(bool(ordered))
        self.none.setVisible(not ordered)
        self.completeChanged.emit()

    def _sr(self, check: ha.HeartbeatCheck) -> Any:
        return self.conn.cache.get("SR", check.sr)

    def chosen(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def select(self, sr: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == sr:
                self.table.selectRow(row)

    def is_complete(self) -> bool:
        chosen = self.chosen()
        return any(c.sr == chosen and c.usable for c in self.checks)

    def summary(self) -> list[tuple[str, str]]:
        sr = self.conn.cache.get("SR", self.chosen())
        return [(_("Heartbeat SR:"), sr.name if sr is not None else "")]

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_("SR"), _("Description"), _("Comment")])
        self.none.setText(_("You have no shared SRs."))
        if self.checks:
            self._fill()


class PlanPage(WizardPage):
    """Restart priorities and failures to tolerate, with the what-if planner beside them."""

    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.setObjectName("haPlanPage")
        self.conn = conn
        self.editor = HaPlanEditor(conn)
        self.editor.changed.connect(self.completeChanged)
        self.what_if = WhatIfPanel(conn, self.editor.settings)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.editor)
        split.addWidget(self.what_if)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        QVBoxLayout(self).addWidget(split)
        self._started = False

    def title(self) -> str:
        return _("HA Plan")

    def heading(self) -> str:
        return _("Choose the restart priority of each VM and the number of server failures to tolerate")

    def enter(self) -> None:
        if not self._started:
            self._started = True
            self.editor.start()

    def is_complete(self) -> bool:
        return self.editor.is_valid()

    def summary(self) -> list[tuple[str, str]]:
        counts = self.editor.counts()
        return [
            (_("Server failures to tolerate:"), str(self.editor.failures_to_tolerate())),
            (_("Protected VMs:"), str(counts[RESTART])),
            (_("Restart if possible:"), str(counts[BEST_EFFORT])),
            (_("Do not restart:"), str(counts[DO_NOT_RESTART])),
        ]

    def retranslate(self) -> None:
        """The editor and planner retranslate themselves."""


class HaSummaryPage(SummaryPage):
    """The choices, with XenCenter's warnings when nothing is protected or ntol is 0."""

    def __init__(self, plan: PlanPage) -> None:
        super().__init__()
        self.plan = plan
        self.warning: QLabel | None = None

    def enter(self) -> None:
        super().enter()  # rebuilds the form (deleting the last warning with it)
        warnings = []
        if self.plan.editor.counts()[RESTART] == 0:
            warnings.append(_("No VM is protected: HA will not restart any VM for certain."))
        if self.plan.editor.failures_to_tolerate() == 0:
            warnings.append(_("No server failure is tolerated: HA cannot guarantee to restart protected VMs."))
        self.warning = QLabel("\n".join(warnings))
        self.warning.setObjectName("haSummaryWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(ERROR_STYLE)
        self.warning.setVisible(bool(warnings))
        self.form.addRow(self.warning)


class ConfigureHaWizard(Wizard):
    """Configure HA on a pool that has it off."""

    def __init__(self, conn: Any, history: OperationHistory, parent: QWidget | None = None) -> None:
        self.conn = conn
        self.history = history
        self.intro = IntroPage(conn)
        self.sr_page = HeartbeatSrPage(conn)
        self.plan_page = PlanPage(conn)
        self.summary_page = HaSummaryPage(self.plan_page)
        self.operation: Operation | None = None
        super().__init__([self.intro, self.sr_page, self.plan_page, self.summary_page], parent)
        self.setObjectName("configureHaWizard")

    def window_title(self) -> str:
        pool = self.conn.cache.pool
        return _("Configure HA on '{pool}'").format(pool=pool.name if pool is not None else "")

    async def finish(self) -> Operation:
        sr = self.sr_page.chosen()
        settings = self.plan_page.editor.settings()
        ntol = self.plan_page.editor.failures_to_tolerate()
        conn = self.conn
        pool = conn.cache.pool
        title = _("Enabling HA on '{pool}'").format(pool=pool.name if pool is not None else conn.friendly_name)
        self.plan_page.editor.stop()

        async def work(progress: Any) -> None:
            await ha.enable(conn, sr, settings, ntol, lambda fraction, _text: progress(fraction))

        self.operation = self.history.start(title, conn.friendly_name, work)
        return self.operation

    def reject(self) -> None:
        self.plan_page.editor.stop()
        super().reject()
