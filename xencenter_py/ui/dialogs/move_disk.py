"""Move Virtual Disk (XenCenter's MoveVirtualDiskDialog / MigrateVirtualDiskDialog): the
disks of the selected SR, and the SR to move them to; a disk of a running VM moves live,
any other is copied and switched."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.ui.widgets import Retranslating


def movable_disks(sr: Any) -> list[Any]:
    return [v for v in sr.vdis if not v.is_snapshot and v.get("type") in ("user", "system") and v.get("managed", True)]


class MoveDiskDialog(Retranslating, QDialog):
    def __init__(self, sr: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("moveDiskDialog")
        self.sr = sr
        self.disks = QListWidget()
        self.disks.setObjectName("moveDisks")
        for vdi in sorted(movable_disks(sr), key=lambda v: v.name.lower()):
            item = QListWidgetItem(f"{vdi.name} ({format_bytes(vdi.virtual_size)})")
            item.setData(Qt.ItemDataRole.UserRole, vdi)
            self.disks.addItem(item)
        self.target = QComboBox()
        self.target.setObjectName("moveTarget")
        for other in sorted(sr.cache.all("SR"), key=lambda s: s.name.lower()):
            if (
                other.ref != sr.ref
                and other.has_size
                and not other.is_iso
                and not other.is_tools_sr
                and not other.is_detached
            ):
                self.target.addItem(other.name, other.ref)
        self.disks_label, self.target_label = QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.disks_label, self.disks)
        form.addRow(self.target_label, self.target)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.move = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.move.setObjectName("moveDisk")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.disks.itemSelectionChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update()
        self.retranslate()

    def chosen(self) -> tuple[Any | None, str]:
        items = self.disks.selectedItems()
        return (items[0].data(Qt.ItemDataRole.UserRole) if items else None), str(self.target.currentData() or "")

    def _update(self) -> None:
        vdi, target = self.chosen()
        self.move.setEnabled(vdi is not None and bool(target))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Move Virtual Disk"))
        self.disks_label.setText(_("&Virtual disk:"))
        self.disks_label.setBuddy(self.disks)
        self.target_label.setText(_("&Destination storage repository:"))
        self.target_label.setBuddy(self.target)
        self.move.setText(_("&Move"))
