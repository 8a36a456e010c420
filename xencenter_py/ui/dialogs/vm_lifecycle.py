"""The lifecycle dialogs: Copy VM (and New Template from VM), Delete VM, and Import.

They collect input only; the window starts the matching ``model.actions.vm_lifecycle``
action as an operation once the dialog is accepted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.vm_lifecycle import NULL_REF, Deletion
from xencenter_py.model.objects import VM, natural_key
from xencenter_py.model.templates import can_fast_clone, can_hold_disks, vm_disks
from xencenter_py.ui.widgets import Retranslating

ERROR_STYLE = "color: #b3261e;"


def _sr_combo(conn: Any, name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for sr in sorted((s for s in conn.cache.all("SR") if can_hold_disks(s)), key=lambda s: natural_key(s.name)):
        free = max(sr.physical_size - sr.physical_utilisation, 0)
        combo.addItem(f"{sr.name} ({format_bytes(free)})", sr.ref)
    pool = next(iter(conn.cache.all("pool")), None)
    default = pool.default_sr if pool is not None else None
    if default is not None and combo.findData(default.ref) >= 0:
        combo.setCurrentIndex(combo.findData(default.ref))
    return combo


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class CopyVmDialog(Retranslating, QDialog):
    """Copy VM / Copy Template / New Template from VM: name, description, fast clone
    (only where every disk's SR can clone) or a full copy onto a chosen SR."""

    def __init__(self, vm: VM, *, as_template: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copyVmDialog")
        self.vm = vm
        self.as_template = as_template
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("copyName")
        self.description_edit = QPlainTextEdit(vm.description)
        self.description_edit.setObjectName("copyDescription")
        self.description_edit.setMaximumHeight(70)
        self.fast_radio, self.full_radio = QRadioButton(), QRadioButton()
        self.fast_radio.setObjectName("fastClone")
        self.full_radio.setObjectName("fullCopy")
        group = QButtonGroup(self)
        group.addButton(self.fast_radio)
        group.addButton(self.full_radio)
        self.sr_combo = _sr_combo(vm.connection, "copySr")
        self.fast_possible = can_fast_clone(vm)
        self.fast_radio.setEnabled(self.fast_possible)
        (self.fast_radio if self.fast_possible else self.full_radio).setChecked(True)
        self.full_radio.toggled.connect(lambda on: self.sr_combo.setEnabled(on))
        self.sr_combo.setEnabled(self.full_radio.isChecked())
        self.name_label, self.description_label, self.mode_label = QLabel(), QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.name_label, self.name_edit)
        form.addRow(self.description_label, self.description_edit)
        self.buttons = _buttons(self)
        self.name_edit.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.mode_label)
        layout.addWidget(self.fast_radio)
        layout.addWidget(self.full_radio)
        row = QHBoxLayout()
        row.addSpacing(24)
        row.addWidget(self.sr_combo, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.retranslate()
        self.name_edit.setText(self._default_name())
        self.setMinimumWidth(460)

    def _default_name(self) -> str:
        if self.as_template:
            return _("Template from {name}").format(name=self.vm.name)
        return _("Copy of {name}").format(name=self.vm.name)

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.name_edit.text().strip()))

    def name(self) -> str:
        return self.name_edit.text().strip()

    def description(self) -> str:
        return self.description_edit.toPlainText()

    def fast(self) -> bool:
        return self.fast_radio.isChecked()

    def sr(self) -> str:
        return str(self.sr_combo.currentData() or NULL_REF)

    def retranslate(self) -> None:
        if self.as_template:
            self.setWindowTitle(_("New Template from '{name}'").format(name=self.vm.name))
        elif self.vm.is_template:
            self.setWindowTitle(_("Copy Template '{name}'").format(name=self.vm.name))
        else:
            self.setWindowTitle(_("Copy VM '{name}'").format(name=self.vm.name))
        self.name_label.setText(_("&Name:"))
        self.name_label.setBuddy(self.name_edit)
        self.description_label.setText(_("&Description:"))
        self.mode_label.setText(_("Copy mode:"))
        self.fast_radio.setText(_("&Fast clone (thin copies of the disks on the same storage)"))
        self.full_radio.setText(_("F&ull copy to this storage repository:"))
        if not self.fast_possible:
            self.fast_radio.setToolTip(_("The storage of this VM's disks cannot make fast clones"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("C&opy"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))


class DeleteVmDialog(Retranslating, QDialog):
    """Delete VMs, templates or snapshots, choosing the disks and snapshots that go with
    them. Disks another VM still uses are not offered."""

    def __init__(self, vms: list[VM], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deleteVmDialog")
        self.vms = vms
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.disks_label, self.snapshots_label = QLabel(), QLabel()
        self.disk_list = QListWidget()
        self.disk_list.setObjectName("deleteDisks")
        self.snapshot_list = QListWidget()
        self.snapshot_list.setObjectName("deleteSnapshots")
        ours = {v.ref for v in vms}
        for vm in vms:
            for vdi in vm_disks(vm):
                users = {b.get("VM") for b in vdi.resolve_all("VBD", vdi.get("VBDs"))}
                if users - ours:
                    continue  # shared with a VM that stays
                item = QListWidgetItem(f"{vdi.name} ({format_bytes(vdi.virtual_size)}) - {vm.name}")
                item.setData(Qt.ItemDataRole.UserRole, (vm.ref, vdi.ref))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.disk_list.addItem(item)
            for snap in vm.snapshots:
                item = QListWidgetItem(f"{snap.name} - {vm.name}")
                item.setData(Qt.ItemDataRole.UserRole, (vm.ref, snap.ref))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.snapshot_list.addItem(item)
        self.select_all, self.clear_all = QPushButton(), QPushButton()
        self.select_all.clicked.connect(lambda: self._check_all(Qt.CheckState.Checked))
        self.clear_all.clicked.connect(lambda: self._check_all(Qt.CheckState.Unchecked))
        self.buttons = _buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.disks_label)
        layout.addWidget(self.disk_list)
        row = QHBoxLayout()
        row.addWidget(self.select_all)
        row.addWidget(self.clear_all)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.snapshots_label)
        layout.addWidget(self.snapshot_list)
        layout.addWidget(self.buttons)
        self.snapshots_label.setVisible(self.snapshot_list.count() > 0)
        self.snapshot_list.setVisible(self.snapshot_list.count() > 0)
        self.retranslate()
        self.resize(520, 440)

    def _check_all(self, state: Qt.CheckState) -> None:
        for i in range(self.disk_list.count()):
            self.disk_list.item(i).setCheckState(state)

    def _checked(self, widget: QListWidget) -> list[tuple[str, str]]:
        out = []
        for i in range(widget.count()):
            item = widget.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def deletions(self) -> list[Deletion]:
        disks, snaps = self._checked(self.disk_list), self._checked(self.snapshot_list)
        return [
            Deletion(
                vm.ref,
                disks=[d for owner, d in disks if owner == vm.ref],
                snapshots=[s for owner, s in snaps if owner == vm.ref],
            )
            for vm in self.vms
        ]

    def retranslate(self) -> None:
        kinds = {("snapshot" if v.is_snapshot else "template" if v.is_template else "vm") for v in self.vms}
        if kinds == {"template"}:
            self.setWindowTitle(_("Delete Template"))
        elif kinds == {"snapshot"}:
            self.setWindowTitle(_("Delete Snapshot"))
        else:
            self.setWindowTitle(_("Delete VM"))
        if len(self.vms) == 1:
            self.intro.setText(
                _("Are you sure you want to delete '{name}'? This cannot be undone.").format(name=self.vms[0].name)
            )
        else:
            self.intro.setText(
                _("Are you sure you want to delete these {count} items? This cannot be undone.").format(
                    count=len(self.vms)
                )
            )
        self.disks_label.setText(_("Delete these virtual disks too:"))
        self.snapshots_label.setText(_("Delete these snapshots too:"))
        self.select_all.setText(_("Select &All"))
        self.clear_all.setText(_("&Clear All"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Delete"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))


class ImportDialog(Retranslating, QDialog):
    """Import an XVA: the file, the pool, the imported VM's home server and its SR."""

    def __init__(self, conns: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.conns = [c for c in conns if c.is_connected]
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.browse = QPushButton()
        self.browse.setObjectName("importBrowse")
        self.browse.clicked.connect(self._browse)
        self.pool_combo = QComboBox()
        self.pool_combo.setObjectName("importPool")
        for conn in self.conns:
            self.pool_combo.addItem(conn.friendly_name)
        self.home_combo = QComboBox()
        self.home_combo.setObjectName("importHome")
        self.sr_holder = QVBoxLayout()
        self.sr_combo = QComboBox()
        self.error = QLabel()
        self.error.setObjectName("importError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.labels = [QLabel() for _ in range(4)]
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow(self.labels[0], path_row)
        form.addRow(self.labels[1], self.pool_combo)
        form.addRow(self.labels[2], self.home_combo)
        form.addRow(self.labels[3], self.sr_holder)
        self.buttons = _buttons(self)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.pool_combo.currentIndexChanged.connect(self._pool_changed)
        self.path_edit.textChanged.connect(self._update)
        self._pool_changed()
        self.retranslate()
        self.setMinimumWidth(520)

    @property
    def conn(self) -> Any:
        i = self.pool_combo.currentIndex()
        return self.conns[i] if 0 <= i < len(self.conns) else None

    def _pool_changed(self) -> None:
        conn = self.conn
        self.home_combo.clear()
        self.home_combo.addItem(_("No home server"), NULL_REF)
        if conn is None:
            return
        for host in sorted(conn.cache.all("host"), key=lambda h: natural_key(h.name)):
            self.home_combo.addItem(host.name, host.ref)
        self.sr_holder.removeWidget(self.sr_combo)
        self.sr_combo.deleteLater()
        self.sr_combo = _sr_combo(conn, "importSr")
        self.sr_holder.addWidget(self.sr_combo)
        self._update()

    def _browse(self) -> None:
        dialog = QFileDialog(self, _("Import"), "", _("XVA files (*.xva);;All files (*)"))
        dialog.setObjectName("importFileDialog")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.path_edit.setText)
        dialog.open()

    def _update(self) -> None:
        ok = bool(self.path_edit.text().strip()) and self.conn is not None and self.sr_combo.count() > 0
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def path(self) -> str:
        return self.path_edit.text().strip()

    def home(self) -> str:
        return str(self.home_combo.currentData() or NULL_REF)

    def sr(self) -> str:
        return str(self.sr_combo.currentData() or NULL_REF)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Import VM"))
        for label, text in zip(
            self.labels, (_("&File:"), _("&Pool:"), _("&Home server:"), _("&Storage:")), strict=True
        ):
            label.setText(text)
        self.browse.setText(_("B&rowse..."))
        if self.home_combo.count():
            self.home_combo.setItemText(0, _("No home server"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&Import"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))


def export_file_dialog(parent: QWidget | None, vm: VM) -> QFileDialog:
    """The Save dialog for an export (the caller opens it and reads ``selectedFiles``)."""
    dialog = QFileDialog(parent, _("Export '{name}'").format(name=vm.name), f"{vm.name}.xva")
    dialog.setObjectName("exportFileDialog")
    dialog.setNameFilter(_("XVA files (*.xva)"))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix("xva")
    return dialog
