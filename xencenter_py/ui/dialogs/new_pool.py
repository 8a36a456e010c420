"""New Pool (XenCenter's NewPoolDialog): a name, a description, the coordinator among the
connected standalone servers, and the other servers to add, each with XenCenter's join
check (the first failing reason shown beside a server that cannot join)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import pool as pool_actions
from xencenter_py.ui.widgets import Retranslating


def standalone(connections: list[Any]) -> list[Any]:
    """Connected servers that are not in a pool (one host)."""
    return [c for c in connections if c.is_connected and len(c.cache.all("host")) == 1]


class NewPoolDialog(Retranslating, QDialog):
    def __init__(self, connections: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPoolDialog")
        self.servers = standalone(connections)
        self.name = QLineEdit()
        self.name.setObjectName("poolName")
        self.description = QLineEdit()
        self.description.setObjectName("poolDescription")
        self.coordinator = QComboBox()
        self.coordinator.setObjectName("poolCoordinator")
        for conn in self.servers:
            self.coordinator.addItem(conn.friendly_name, conn)
        self.members = QListWidget()
        self.members.setObjectName("poolMembers")
        self.warnings = QLabel()
        self.warnings.setObjectName("poolWarnings")
        self.warnings.setWordWrap(True)
        self.labels = [QLabel() for _i in range(4)]
        form = QFormLayout()
        for label, field in zip(
            self.labels, (self.name, self.description, self.coordinator, self.members), strict=True
        ):
            label.setBuddy(field)
            form.addRow(label, field)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.create = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create.setObjectName("createPool")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warnings)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._update)
        self.coordinator.currentIndexChanged.connect(self._fill_members)
        self.members.itemChanged.connect(self._update)
        self.name.setText(_("New Pool"))
        self._fill_members()
        self.retranslate()

    def chosen_coordinator(self) -> Any | None:
        return self.coordinator.currentData()

    def chosen_members(self) -> list[Any]:
        out = []
        for i in range(self.members.count()):
            item = self.members.item(i)
            if item.checkState() == Qt.CheckState.Checked and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def _fill_members(self) -> None:
        coordinator = self.chosen_coordinator()
        self.members.clear()
        for conn in self.servers:
            if conn is coordinator or coordinator is None:
                continue
            problem = pool_actions.join_problem(conn, coordinator)
            item = QListWidgetItem(conn.friendly_name if not problem else f"{conn.friendly_name} ({problem})")
            item.setData(Qt.ItemDataRole.UserRole, conn)
            item.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable
                | (Qt.ItemFlag.ItemIsEnabled if not problem else Qt.ItemFlag.NoItemFlags)
            )
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        self._update()

    def _update(self) -> None:
        coordinator = self.chosen_coordinator()
        self.create.setEnabled(bool(self.name.text().strip()) and coordinator is not None)
        notes = [pool_actions.licence_warning(m, coordinator) for m in self.chosen_members()] if coordinator else []
        self.warnings.setText("\n".join(n for n in notes if n))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Create New Pool"))
        for label, text in zip(
            self.labels, (_("&Name:"), _("&Description:"), _("&Coordinator:"), _("Additional &members:")), strict=True
        ):
            label.setText(text)
        self.create.setText(_("&Create Pool"))
        self._fill_members()
