"""The Storage tab, in XenCenter's three kinds: a VM's DVD drive and disks, an SR's
virtual disks, and a server's or pool's storage repositories. Every disk action follows
the SR's capabilities (the deck's storage table) and the user's role."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from xencenter_py.i18n import N_, format_bytes, format_percent
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model import storage_types
from xencenter_py.model.actions import storage
from xencenter_py.ui.aio import ask
from xencenter_py.ui.dialogs.form import Field, FormDialog, GiB
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.grid import Column, GridPanel, TabAction, ask_form, properties_action, start, yes_no


def _vdi(vbd: Any) -> Any:
    return vbd.resolve("VDI", vbd.get("VDI"))


def _vdi_sr(vbd: Any) -> Any:
    vdi = _vdi(vbd)
    return vdi.sr if vdi is not None else None


def _disk_srs(vm: Any) -> list[Any]:
    """SRs that can take a new disk for ``vm``: with size, not ISO, plugged, seen by its host."""
    home = vm.home()
    out = []
    for sr in vm.cache.all("SR"):
        if sr.is_iso or not sr.has_size or sr.is_tools_sr or not sr.show(False):
            continue
        hosts = {p.get("host") for p in sr.pbds if p.get("currently_attached")}
        if home is not None and home.ref not in hosts:
            continue
        out.append(sr)
    return sorted(out, key=lambda s: (not s.is_default, s.name))


def _new_disk_dialog(srs: list[Any], title: Any) -> FormDialog:
    options = [(s.ref, f"{s.name} ({storage_types.product_name(s.type)})") for s in srs]

    def validate(values: dict[str, Any]) -> str:
        if not values["name"].strip():
            return _("Enter a name for the disk")
        if values["size"] <= 0:
            return _("The disk size must be greater than zero")
        sr = next((s for s in srs if s.ref == values["sr"]), None)
        return storage_types.cannot(sr, "VDI_CREATE")

    fields = [
        Field("name", N_("Name"), default=_("New virtual disk")),
        Field("description", N_("Description")),
        Field("size", N_("Size"), "size", default=8 * GiB, minimum=0, maximum=2040 * GiB),
        Field("sr", N_("Storage repository"), "choice", default=options[0][0] if options else None, options=options),
    ]
    return FormDialog(title, fields, validate, name="newDiskDialog")


# ------------------------------------------------------------------------- VM disks
async def _add_disk(panel: GridPanel, rows: list[Any]) -> None:
    vm = rows[0]
    srs = _disk_srs(vm)
    values = await ask_form(panel, _new_disk_dialog(srs, N_("Add Virtual Disk")))
    if values is None:
        return
    sr = vm.cache.get("SR", values["sr"])
    disk = storage.NewDisk(values["name"], values["size"], sr, values["description"])
    start(
        panel,
        _("Adding disk '{disk}' to VM '{vm}'").format(disk=disk.name, vm=vm.name),
        vm.connection,
        lambda p: storage.add_disk(vm.connection, vm, disk, p),
    )


async def _attach_disk(panel: GridPanel, rows: list[Any]) -> None:
    vm = rows[0]
    attached = {vbd.get("VDI") for vbd in vm.vbds}
    free = [
        v
        for sr in _disk_srs(vm)
        for v in sr.vdis
        if v.ref not in attached and not v.is_snapshot and v.show(False) and not _in_use(v)
    ]
    options = [(v.ref, f"{v.name} ({format_bytes(v.virtual_size)}, {v.sr.name})") for v in free]
    fields = [
        Field("vdi", N_("Virtual disk"), "choice", default=options[0][0] if options else None, options=options),
        Field("read_only", N_("Attach as read-only"), "check", default=False),
    ]
    dialog = FormDialog(
        N_("Attach Disk"), fields, lambda v: "" if v["vdi"] else _("There is no free disk to attach"), name="attachDisk"
    )
    values = await ask_form(panel, dialog)
    if values is None:
        return
    vdi = vm.cache.get("VDI", values["vdi"])
    start(
        panel,
        _("Attaching disk '{disk}' to VM '{vm}'").format(disk=vdi.name, vm=vm.name),
        vm.connection,
        lambda p: storage.attach_vdi(vm.connection, vm, vdi.ref, read_only=values["read_only"]),
    )


def _in_use(vdi: Any) -> bool:
    for ref in vdi.get("VBDs") or ():
        vbd = vdi.resolve("VBD", ref)
        if vbd is not None and vbd.get("currently_attached"):
            return True
    return False


def _set_active(active: bool) -> Any:
    async def run(panel: GridPanel, rows: list[Any]) -> None:
        for vbd in rows:
            title = (_("Activating disk '{disk}'") if active else _("Deactivating disk '{disk}'")).format(
                disk=_vdi(vbd).name if _vdi(vbd) is not None else ""
            )
            start(panel, title, vbd.connection, lambda p, vbd=vbd: storage.set_active(vbd.connection, vbd, active, p))

    return run


async def _detach(panel: GridPanel, rows: list[Any]) -> None:
    if not await ask(panel, _("Detach Disk"), _("Are you sure you want to detach the selected disks from the VM?")):
        return
    for vbd in rows:
        name = _vdi(vbd).name if _vdi(vbd) is not None else ""
        start(
            panel,
            _("Detaching disk '{disk}'").format(disk=name),
            vbd.connection,
            lambda p, vbd=vbd: storage.detach(vbd.connection, vbd, p),
        )


async def _delete_vdis(panel: GridPanel, vdis: list[Any]) -> None:
    text = _("Are you sure you want to delete the selected disks? All data on them will be lost.")
    if not await ask(panel, _("Delete Virtual Disk"), text, warning=True):
        return
    for vdi in vdis:
        start(
            panel,
            _("Deleting disk '{disk}'").format(disk=vdi.name),
            vdi.connection,
            lambda p, vdi=vdi: storage.delete_vdi(vdi.connection, vdi, p),
        )


async def _resize(panel: GridPanel, vdis: list[Any]) -> None:
    vdi = vdis[0]
    current = vdi.virtual_size

    def validate(values: dict[str, Any]) -> str:
        if values["size"] <= current:
            return _("A disk can only grow: enter a size larger than {size}").format(size=format_bytes(current))
        return ""

    fields = [Field("size", N_("New size"), "size", default=current + GiB, minimum=0, maximum=2040 * GiB)]
    intro = _("'{disk}' is {size}.").format(disk=vdi.name, size=format_bytes(current))
    values = await ask_form(panel, FormDialog(N_("Resize Virtual Disk"), fields, validate, intro, name="resizeDisk"))
    if values is None:
        return
    start(
        panel,
        _("Resizing disk '{disk}'").format(disk=vdi.name),
        vdi.connection,
        lambda p: storage.resize_vdi(vdi.connection, vdi, values["size"], p),
    )


def _vdi_row_checks(method: str, operation: str, capability: str, of: Any) -> list[av.Check]:
    return [
        av.predicate(lambda r: of(r) is not None, lambda: _("The drive is empty")),
        av.role(method),
        av.sr_capability(capability, lambda r: of(r).sr),
        lambda rows: av.allowed(operation, _disk_busy_reason)([of(r) for r in rows]),
    ]


def _disk_busy_reason(vdi: Any) -> str:
    return _("The disk is in use by a running VM") if _in_use(vdi) else ""


def _resize_checks(of: Any) -> list[av.Check]:
    def allowed(rows: list[Any]) -> str:
        for r in rows:
            vdi = of(r)
            if not {"resize", "resize_online"} & set(vdi.allowed_operations):
                return _disk_busy_reason(vdi) or _("The server does not allow this action now")
        return ""

    return [
        av.predicate(lambda r: of(r) is not None, lambda: _("The drive is empty")),
        av.role("VDI.resize"),
        av.sr_capability("VDI_RESIZE", lambda r: of(r).sr),
        allowed,
    ]


def _vm_owner_checks(*methods: str) -> Any:
    def checks(vm: Any) -> list[av.Check]:
        return [
            av.role(*methods),
            av.predicate(lambda v: not v.is_snapshot, lambda: _("This action is not available for snapshots")),
        ]

    return checks


def _vm_disk_rows(vm: Any) -> list[Any]:
    disks = [v for v in vm.vbds if v.get("type") != "CD"]
    return sorted(disks, key=lambda v: int(v.get("userdevice")) if str(v.get("userdevice")).isdigit() else 99)


VM_DISK_COLUMNS = (
    Column(N_("Position"), lambda v: str(v.get("userdevice"))),
    Column(N_("Name"), lambda v: _vdi(v).name),
    Column(N_("Description"), lambda v: _vdi(v).description),
    Column(N_("SR"), lambda v: _vdi_sr(v).name),
    Column(N_("Size"), lambda v: format_bytes(_vdi(v).virtual_size)),
    Column(N_("Read Only"), lambda v: yes_no(v.get("mode") == "RO")),
    Column(N_("Active"), lambda v: yes_no(bool(v.get("currently_attached")))),
    Column(N_("Device Path"), lambda v: f"/dev/{v.get('device')}" if v.get("device") else _("Unknown")),
)


def _vm_disk_actions() -> list[TabAction]:
    def running(rows: list[Any]) -> str:
        vm = rows[0].resolve("VM", rows[0].get("VM")) if rows else None
        return "" if vm is not None and vm.power_state == "Running" else _("The VM is not running")

    return [
        TabAction("addDisk", N_("&Add..."), _vm_owner_checks("VDI.create", "VBD.create"), _add_disk, on_owner=True),
        TabAction("attachDisk", N_("A&ttach Disk..."), _vm_owner_checks("VBD.create"), _attach_disk, on_owner=True),
        TabAction(
            "activateDisk",
            N_("Acti&vate"),
            lambda _vm: [av.role("VBD.plug"), running, av.allowed("plug", _hotplug_reason)],
            _set_active(True),
            many=True,
        ),
        TabAction(
            "deactivateDisk",
            N_("&Deactivate"),
            lambda _vm: [av.role("VBD.unplug"), running, av.allowed("unplug", _hotplug_reason)],
            _set_active(False),
            many=True,
        ),
        TabAction(
            "resizeDisk", N_("&Resize..."), lambda _vm: _resize_checks(_vdi), lambda p, r: _resize(p, [_vdi(r[0])])
        ),
        TabAction(
            "detachDisk",
            N_("Deta&ch"),
            lambda _vm: [av.role("VBD.destroy", "VBD.unplug"), _detach_check],
            _detach,
            many=True,
        ),
        TabAction(
            "deleteDisk",
            N_("Dele&te"),
            lambda _vm: _vdi_row_checks("VDI.destroy", "destroy", "VDI_DELETE", _vdi),
            lambda p, rows: _delete_vdis(p, [_vdi(r) for r in rows]),
            many=True,
        ),
        properties_action("diskProperties", "VDI", _vdi),
    ]


def _hotplug_reason(vbd: Any) -> str:
    vm = vbd.resolve("VM", vbd.get("VM"))
    if vbd.get("currently_attached") and not vbd.get("unpluggable"):
        return _("This disk cannot be unplugged while the VM runs")
    if vm is not None and not vm.tools_detected and vm.is_hvm:
        return _("XenServer Tools must be installed in the VM to activate or deactivate disks while it runs")
    return ""


def _detach_check(rows: list[Any]) -> str:
    for vbd in rows:
        if vbd.get("currently_attached") and "unplug" not in vbd.allowed_operations:
            return _hotplug_reason(vbd) or _("Deactivate the disk before detaching it")
    return ""


class DvdDrive(QWidget):
    """The VM's DVD drive: ISO choice and Eject, each through an operation."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("dvdDrive")
        self.vm: Any = None
        self.label = QLabel()
        self.combo = QComboBox()
        self.combo.setObjectName("dvdChoice")
        self.combo.activated.connect(self._chosen)
        self.eject = QPushButton()
        self.eject.setObjectName("dvdEject")
        self.eject.clicked.connect(lambda: self._change(None))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.combo, 1)
        row.addWidget(self.eject)

    def set_vm(self, vm: Any) -> None:
        self.vm = vm
        drive = storage.cd_drive(vm) if vm is not None else None
        self.label.setText(_("DVD Drive:"))
        self.eject.setText(_("&Eject"))
        self.combo.blockSignals(True)
        self.combo.clear()
        if drive is None:
            self.combo.addItem(_("(No DVD drive)"), None)
            self.combo.setEnabled(False)
            self.eject.setEnabled(False)
            self.combo.blockSignals(False)
            return
        self.combo.addItem(_("<empty>"), "")
        isos = [v for sr in vm.cache.all("SR") if sr.is_iso and (sr.show(False) or sr.is_tools_sr) for v in sr.vdis]
        for vdi in sorted(isos, key=lambda v: v.name):
            self.combo.addItem(vdi.name, vdi.ref)
        current = "" if drive.get("empty") else drive.get("VDI")
        self.combo.setCurrentIndex(max(self.combo.findData(current), 0))
        self.combo.blockSignals(False)
        ok, reason = av.evaluate([av.connected, av.role("VBD.insert", "VBD.eject")], [drive])
        if ok and drive.current_operations:
            ok, reason = False, _("Another operation is in progress on this item")
        self.combo.setEnabled(ok)
        self.combo.setToolTip(reason)
        self.eject.setEnabled(ok and not drive.get("empty"))
        self.eject.setToolTip(reason)

    def _chosen(self, index: int) -> None:
        self._change(self.combo.itemData(index) or None)

    def _change(self, vdi_ref: str | None) -> None:
        vm = self.vm
        drive = storage.cd_drive(vm)
        if drive is None:
            return
        current = None if drive.get("empty") else drive.get("VDI")
        if vdi_ref == current:
            return
        title = (_("Ejecting the DVD of VM '{vm}'") if vdi_ref is None else _("Changing the DVD of VM '{vm}'")).format(
            vm=vm.name
        )
        start(self, title, vm.connection, lambda p: storage.change_cd(vm.connection, drive, vdi_ref, p))


# ------------------------------------------------------------------------- SR disks
async def _add_sr_disk(panel: GridPanel, rows: list[Any]) -> None:
    sr = rows[0]
    values = await ask_form(panel, _new_disk_dialog([sr], N_("Add Virtual Disk")))
    if values is None:
        return
    disk = storage.NewDisk(values["name"], values["size"], sr, values["description"])
    start(
        panel,
        _("Creating disk '{disk}' on '{sr}'").format(disk=disk.name, sr=sr.name),
        sr.connection,
        lambda p: storage.create_vdi(sr.connection, disk, p),
    )


async def _rescan(panel: GridPanel, rows: list[Any]) -> None:
    sr = rows[0]
    start(
        panel, _("Rescanning '{sr}'").format(sr=sr.name), sr.connection, lambda p: storage.rescan(sr.connection, sr, p)
    )


def _vdi_vms(vdi: Any) -> str:
    names = []
    for ref in vdi.get("VBDs") or ():
        vbd = vdi.resolve("VBD", ref)
        vm = vdi.resolve("VM", vbd.get("VM")) if vbd is not None else None
        if vm is not None:
            names.append(vm.name)
    return ", ".join(sorted(names))


SR_DISK_COLUMNS = (
    Column(N_("Name"), lambda v: v.name),
    Column(N_("Description"), lambda v: v.description),
    Column(N_("Size"), lambda v: format_bytes(v.virtual_size)),
    Column(N_("Virtual Machine"), _vdi_vms),
)


def _sr_disk_actions() -> list[TabAction]:
    def same(v: Any) -> Any:
        return v

    return [
        TabAction(
            "addSrDisk",
            N_("&Add..."),
            lambda sr: [av.role("VDI.create"), av.sr_capability("VDI_CREATE", lambda s: s)],
            _add_sr_disk,
            on_owner=True,
        ),
        TabAction("resizeSrDisk", N_("&Resize..."), lambda _sr: _resize_checks(same), _resize),
        TabAction(
            "deleteSrDisk",
            N_("Dele&te"),
            lambda _sr: _vdi_row_checks("VDI.destroy", "destroy", "VDI_DELETE", same),
            _delete_vdis,
            many=True,
        ),
        TabAction("rescanSr", N_("Re&scan"), lambda _sr: [av.role("SR.scan")], _rescan, on_owner=True),
        properties_action("srDiskProperties", "VDI", same),
    ]


def _sr_disks(sr: Any) -> list[Any]:
    return sorted((v for v in sr.vdis if not v.is_snapshot and v.show(False)), key=lambda v: v.name)


# ------------------------------------------------------------------------- host / pool SRs
def _srs_of(owner: Any) -> list[Any]:
    srs = [s for s in owner.cache.all("SR") if s.show(False) and not s.is_tools_sr]
    if owner.cls == "host":
        srs = [s for s in srs if any(p.get("host") == owner.ref for p in s.pbds)]
    return sorted(srs, key=lambda s: s.name)


def _usage(sr: Any) -> str:
    if not sr.has_size or sr.physical_size <= 0:
        return ""
    used = max(sr.physical_utilisation, 0)
    return _("{percent} ({used} used)").format(percent=format_percent(used / sr.physical_size), used=format_bytes(used))


SR_COLUMNS = (
    Column(N_("Name"), lambda s: s.name),
    Column(N_("Description"), lambda s: s.description),
    Column(N_("Type"), lambda s: storage_types.product_name(s.type)),
    Column(N_("Shared"), lambda s: yes_no(s.is_shared)),
    Column(N_("Usage"), _usage),
    Column(N_("Size"), lambda s: format_bytes(s.physical_size) if s.has_size and s.physical_size > 0 else ""),
    Column(
        N_("Virtual allocation"),
        lambda s: format_bytes(int(s.get("virtual_allocation") or 0)) if s.has_size else "",
    ),
)


class StorageTab(TabPage):
    key = "storage"
    watched_classes = frozenset({"VBD", "VDI", "SR", "PBD"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storageTab")
        self.dvd = DvdDrive()
        self.vm_disks = GridPanel("vmDisks", None, VM_DISK_COLUMNS, _vm_disk_actions(), _vm_disk_rows)
        vm_page = QWidget()
        vl = QVBoxLayout(vm_page)
        vl.addWidget(self.dvd)
        vl.addWidget(self.vm_disks)
        self.sr_disks = GridPanel("srDisks", N_("Virtual Disks"), SR_DISK_COLUMNS, _sr_disk_actions(), _sr_disks)
        self.srs = GridPanel(
            "srList",
            N_("Storage Repositories"),
            SR_COLUMNS,
            [
                TabAction("rescanSrList", N_("Re&scan"), lambda _o: [av.role("SR.scan")], _rescan),
                properties_action("srProperties", "SR", lambda s: s),
            ],
            _srs_of,
        )
        self.stack = QStackedWidget()
        for page in (vm_page, self.sr_disks, self.srs):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

    def title(self) -> str:
        return _("Storage")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        if len(objects) != 1:
            return False
        obj = objects[0]
        if obj.cls == "VM":
            return (obj.is_real_vm or obj.is_custom_template) and not obj.is_snapshot
        if obj.cls == "host":
            return obj.is_live
        return obj.cls in ("SR", "pool")

    def refresh(self) -> None:
        obj = self.objects[0] if len(self.objects) == 1 else None
        if obj is None:
            return
        if obj.cls == "VM":
            self.stack.setCurrentIndex(0)
            self.dvd.set_vm(obj)
            self.vm_disks.set_owner(obj)
        elif obj.cls == "SR":
            self.stack.setCurrentIndex(1)
            self.sr_disks.set_owner(obj)
        else:
            self.stack.setCurrentIndex(2)
            self.srs.set_owner(obj)

    def retranslate(self) -> None:
        for panel in (self.vm_disks, self.sr_disks, self.srs):
            panel.retranslate()
        self.refresh()
