"""Enter Maintenance Mode (XenCenter's EvacuateHostDialog): every VM on the server with what
will happen to it, the VMs that prevent evacuation with the pool's reason and the choice
XenCenter offers (suspend or shut down), and a note when the coordinator role moves."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import maintenance
from xencenter_py.ui.aio import error_text
from xencenter_py.ui.widgets import Retranslating


class EnterMaintenanceDialog(Retranslating, QDialog):
    """Shows the evacuation plan; ``choices()`` is what to do with each blocking VM."""

    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enterMaintenanceDialog")
        self.host = host
        self.plan: maintenance.EvacuationPlan | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("evacuationPlan")
        self.tree.setRootIsDecorated(False)
        self.coordinator_note = QLabel()
        self.coordinator_note.setObjectName("coordinatorNote")
        self.coordinator_note.setWordWrap(True)
        self.coordinator_note.setVisible(host.is_coordinator)
        self.status = QLabel()
        self.status.setObjectName("evacuationStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("enterMaintenance")
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.intro, self.tree, self.coordinator_note, self.status, self.buttons):
            layout.addWidget(w)
        self.combos: dict[str, QComboBox] = {}
        self.resize(640, 420)
        self.retranslate()

    async def load(self) -> None:
        """Ask the pool which VMs prevent evacuation and fill the list."""
        self.status.setText(_("Checking which VMs can be migrated..."))
        try:
            plan = await maintenance.plan(self.host.connection, self.host)
        except Exception as exc:  # shown in the dialog; the user can cancel
            if shiboken6.isValid(self.status):
                self.status.setText(error_text(exc))
            return
        if not shiboken6.isValid(self.tree):
            return
        self.plan = plan
        self._fill()
        self.status.setText("")
        self.ok.setEnabled(True)

    def _fill(self) -> None:
        assert self.plan is not None
        self.tree.clear()
        self.combos.clear()
        for name in self.plan.migrating:
            self.tree.addTopLevelItem(QTreeWidgetItem([name, _("Will be migrated to another server")]))
        for blocker in self.plan.blockers:
            item = QTreeWidgetItem([blocker.name, blocker.reason])
            item.setToolTip(1, blocker.reason)
            self.tree.addTopLevelItem(item)
            combo = QComboBox()
            combo.setObjectName(f"blocker:{blocker.name}")
            if blocker.can_suspend:
                combo.addItem(_("Suspend"), "suspend")
            combo.addItem(_("Shut down"), "shutdown")
            self.combos[blocker.vm] = combo
            self.tree.setItemWidget(item, 2, combo)
        for col in range(3):
            self.tree.resizeColumnToContents(col)

    def choices(self) -> dict[str, maintenance.Choice]:
        return {vm: combo.currentData() for vm, combo in self.combos.items()}

    def retranslate(self) -> None:
        self.setWindowTitle(_("Enter Maintenance Mode - '{name}'").format(name=self.host.name))
        self.intro.setText(
            _(
                "The server will be disabled and its running VMs migrated to other servers of the pool. "
                "VMs that cannot be migrated must be suspended or shut down."
            )
        )
        self.tree.setHeaderLabels([_("VM"), _("Status"), _("Action")])
        self.coordinator_note.setText(
            _("This server is the pool coordinator: another server will become the coordinator.")
        )
        self.ok.setText(_("&Enter Maintenance Mode"))
        if self.plan is not None:
            self._fill()
