"""Manage vApps: a pool's vApps (``VM_appliance``); create one, choose its VMs with their start
order and delays, save, delete, and start or shut down a whole vApp as one operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xencenter_py.datamodel import NULL_REF
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import organize
from xencenter_py.model.objects import natural_key
from xencenter_py.ui import icons
from xencenter_py.ui.dialogs.property_page import error_label, show_error
from xencenter_py.ui.operations import OperationHistory
from xencenter_py.ui.widgets import Retranslating

NEW = "__new__"


class ManageVAppsDialog(Retranslating, QDialog):
    def __init__(self, conn: Any, history: OperationHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manageVappsDialog")
        self.conn, self.history = conn, history
        self.vapps = QListWidget()
        self.vapps.setObjectName("vappList")
        self.vapps.setFixedWidth(180)
        self.new = QPushButton()
        self.new.setObjectName("newVapp")
        self.delete = QPushButton()
        self.delete.setObjectName("deleteVapp")
        self.start = QPushButton()
        self.start.setObjectName("startVapp")
        self.shutdown = QPushButton()
        self.shutdown.setObjectName("shutDownVapp")
        self.name = QLineEdit()
        self.name.setObjectName("vappName")
        self.description = QLineEdit()
        self.description.setObjectName("vappDescription")
        self.vms = QTableWidget(0, 4)
        self.vms.setObjectName("vappVms")
        self.vms.verticalHeader().hide()
        self.vms.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.save = QPushButton()
        self.save.setObjectName("saveVapp")
        self.error = error_label("vappError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.name_label, self.description_label = QLabel(), QLabel()
        self.name_label.setBuddy(self.name)
        self.description_label.setBuddy(self.description)
        self.form = QFormLayout()
        self.form.addRow(self.name_label, self.name)
        self.form.addRow(self.description_label, self.description)
        left = QVBoxLayout()
        left.addWidget(self.vapps, 1)
        for b in (self.new, self.delete, self.start, self.shutdown):
            left.addWidget(b)
        right = QVBoxLayout()
        right.addLayout(self.form)
        right.addWidget(self.vms, 1)
        right.addWidget(self.error)
        right.addWidget(self.save, 0, Qt.AlignmentFlag.AlignRight)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.vapps.currentItemChanged.connect(lambda *_a: self._show_current())
        self.new.clicked.connect(self._new)
        self.delete.clicked.connect(lambda: self._run_on_current(organize.delete_vapp, _("Deleting vApp '{name}'")))
        self.start.clicked.connect(lambda: self._run_on_current(organize.start_vapp, _("Starting vApp '{name}'")))
        self.shutdown.clicked.connect(
            lambda: self._run_on_current(organize.shut_down_vapp, _("Shutting down vApp '{name}'"))
        )
        self.save.clicked.connect(self._save)
        self.name.textChanged.connect(self._validate)
        self._unsubscribe: Callable[[], None] | None = conn.cache.subscribe(self._cache_changed)
        self.resize(760, 460)
        self.refresh()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Manage vApps in '{pool}'").format(pool=self.conn.friendly_name))
        self.new.setText(_("&New vApp"))
        self.delete.setText(_("&Delete"))
        self.start.setText(_("&Start"))
        self.shutdown.setText(_("Shut &Down"))
        self.name_label.setText(_("&Name:"))
        self.description_label.setText(_("D&escription:"))
        self.vms.setHorizontalHeaderLabels(
            [_("VMs in this vApp"), _("Start order"), _("Start delay (s)"), _("Shutdown delay (s)")]
        )
        self.save.setText(_("&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self._validate()

    def appliances(self) -> list[Any]:
        return sorted(self.conn.cache.all("VM_appliance"), key=lambda a: natural_key(a.name))

    def current(self) -> Any:
        item = self.vapps.currentItem()
        ref = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return None if ref in (None, NEW) else self.conn.cache.get("VM_appliance", ref)

    def refresh(self) -> None:
        keep = self.vapps.currentItem().data(Qt.ItemDataRole.UserRole) if self.vapps.currentItem() else None
        self.vapps.blockSignals(True)
        self.vapps.clear()
        for appliance in self.appliances():
            item = QListWidgetItem(icons.icon("vapp"), appliance.name)
            item.setData(Qt.ItemDataRole.UserRole, appliance.ref)
            self.vapps.addItem(item)
            if appliance.ref == keep:
                self.vapps.setCurrentItem(item)
        if keep == NEW:
            created = next((a for a in self.appliances() if a.name == self.name.text().strip()), None)
            if created is not None:
                self.vapps.setCurrentRow(self.appliances().index(created))
            else:
                self._add_new_item()
        if self.vapps.currentItem() is None and self.vapps.count():
            self.vapps.setCurrentRow(0)
        self.vapps.blockSignals(False)
        self._show_current()

    def _cache_changed(self, batch: list[Any]) -> None:
        if any(ch.cls == "VM_appliance" for ch in batch):
            self.refresh()

    def _add_new_item(self) -> None:
        item = QListWidgetItem(icons.icon("vapp"), _("(new vApp)"))
        item.setData(Qt.ItemDataRole.UserRole, NEW)
        self.vapps.addItem(item)
        self.vapps.setCurrentItem(item)

    def _new(self) -> None:
        self._add_new_item()
        self.name.setText(_("New vApp"))
        self.name.selectAll()
        self.name.setFocus()

    def _show_current(self) -> None:
        appliance = self.current()
        editing = self.vapps.currentItem() is not None
        for w in (self.name, self.description, self.vms, self.save):
            w.setEnabled(editing)
        for b in (self.delete, self.start, self.shutdown):
            b.setEnabled(appliance is not None)
        self.name.setText(appliance.name if appliance is not None else self.name.text() if editing else "")
        self.description.setText(appliance.description if appliance is not None else "")
        members = set(appliance.get("VMs") or ()) if appliance is not None else set()
        vms = [
            v
            for v in self.conn.cache.all("VM")
            if v.is_real_vm and (v.get("appliance") in (None, "", NULL_REF) or v.ref in members)
        ]
        vms.sort(key=lambda v: natural_key(v.name))
        self.vms.setRowCount(len(vms))
        for row, vm in enumerate(vms):
            item = QTableWidgetItem(vm.name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if vm.ref in members else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, vm.ref)
            self.vms.setItem(row, 0, item)
            for col, field in enumerate(("order", "start_delay", "shutdown_delay"), start=1):
                spin = QSpinBox()
                spin.setRange(0, 24 * 3600)
                spin.setValue(int(vm.get(field) or 0))
                self.vms.setCellWidget(row, col, spin)
        self._validate()

    def members(self) -> list[organize.VAppMember]:
        out = []
        for row in range(self.vms.rowCount()):
            item = self.vms.item(row, 0)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            vm = self.conn.cache.get("VM", item.data(Qt.ItemDataRole.UserRole))
            if vm is None:
                continue
            order, start, stop = (self.vms.cellWidget(row, c).value() for c in (1, 2, 3))
            out.append(organize.VAppMember(vm, order, start, stop))
        return out

    def _validate(self) -> str:
        text = ""
        if self.vapps.currentItem() is not None and not self.name.text().strip():
            text = _("A vApp needs a name.")
        show_error(self.error, text)
        self.save.setEnabled(self.vapps.currentItem() is not None and not text)
        return text

    def _save(self) -> None:
        if self._validate():
            return
        appliance, members = self.current(), self.members()
        name, description = self.name.text().strip(), self.description.text()
        title = _("Saving vApp '{name}'").format(name=name)

        async def work(progress: Callable[[float], None]) -> None:
            await organize.save_vapp(self.conn, name, description, members, appliance, lambda f, _t="": progress(f))

        self.history.start(title, self.conn.friendly_name, work)

    def _run_on_current(self, action: Any, title: str) -> None:
        appliance = self.current()
        if appliance is None:
            return

        async def work(progress: Callable[[float], None]) -> None:
            await action(appliance, lambda f, _t="": progress(f))

        self.history.start(title.format(name=appliance.name), self.conn.friendly_name, work)

    def done(self, result: int) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().done(result)
