"""The General tab's tools status line: for a VM without XenServer Tools, why they matter
(the PV drivers speed up disk and network I/O) and Install XenServer Tools, which
inserts the tools ISO into the VM's DVD drive as XenCenter does."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model.actions import storage
from xencenter_py.ui.aio import ask, spawn
from xencenter_py.ui.tabs.grid import start


def needs_tools(vm: Any) -> bool:
    return getattr(vm, "cls", None) == "VM" and vm.is_real_vm and vm.is_running and not vm.tools_detected


def install_reason(vm: Any) -> str:
    """Why Install XenServer Tools is unavailable ("" when it is available)."""
    ok, reason = av.evaluate([av.connected, av.role("VBD.insert", "VBD.create")], [vm])
    if not ok:
        return reason
    if storage.tools_iso(vm) is None:
        return _("The pool has no XenServer Tools ISO")
    drive = storage.cd_drive(vm)
    if drive is not None and drive.current_operations:
        return _("Another operation is in progress on this item")
    return ""


class ToolsBanner(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("toolsBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.vm: Any = None
        self.text = QLabel()
        self.text.setObjectName("toolsText")
        self.text.setWordWrap(True)
        self.install = QPushButton()
        self.install.setObjectName("installTools")
        self.install.clicked.connect(lambda: spawn(self._install(), self))
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.install)
        self.setVisible(False)

    def set_vm(self, vm: Any) -> None:
        self.vm = vm if needs_tools(vm) else None
        self.setVisible(self.vm is not None)
        if self.vm is None:
            return
        self.text.setText(
            _(
                "XenServer Tools are not installed in this VM. Installing them adds the paravirtualized (PV) "
                "drivers, which speed up disk and network I/O, and lets the pool shut down, migrate and "
                "monitor the VM."
            )
        )
        self.install.setText(_("Install XenServer Tools..."))
        reason = install_reason(self.vm)
        self.install.setEnabled(not reason)
        self.install.setToolTip(reason)

    async def _install(self) -> None:
        vm = self.vm
        if vm is None or install_reason(vm):
            return
        text = _(
            "The XenServer Tools ISO will be inserted into the DVD drive of '{vm}'. Run the installer from that "
            "drive inside the VM, then restart the VM."
        ).format(vm=vm.name)
        if not await ask(self, _("Install XenServer Tools"), text):
            return
        start(
            self,
            _("Inserting the XenServer Tools ISO into VM '{vm}'").format(vm=vm.name),
            vm.connection,
            lambda p: storage.install_tools(vm.connection, vm, p),
        )
