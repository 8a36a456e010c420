"""The Snapshots tab of a VM: its snapshots as a tree (by parent) or a list; Take Snapshot
(optionally with memory), Revert To (offering a snapshot of the current state first),
Delete, New VM and New Template from a snapshot."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from xencenter_py.datamodel import parse_datetime
from xencenter_py.i18n import N_, format_bytes, format_datetime
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model.actions import snapshot
from xencenter_py.ui.aio import ask
from xencenter_py.ui.dialogs.form import Field, FormDialog
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.grid import Column, GridPanel, TabAction, ask_form, start


def _snapshots(vm: Any) -> list[Any]:
    return sorted(vm.snapshots, key=lambda s: str(s.get("snapshot_time", "")))


def _tree_roots(vm: Any) -> list[Any]:
    snaps = _snapshots(vm)
    refs = {s.ref for s in snaps}
    return [s for s in snaps if s.get("parent") not in refs]


def _children(snap: Any) -> list[Any]:
    vm = snap.snapshot_of
    return [s for s in _snapshots(vm) if s.get("parent") == snap.ref] if vm is not None else []


def _size(snap: Any) -> str:
    total = 0
    for vbd in snap.vbds:
        vdi = vbd.resolve("VDI", vbd.get("VDI"))
        if vdi is not None:
            total += max(int(vdi.get("physical_utilisation") or 0), 0)
    suspend = snap.resolve("VDI", snap.get("suspend_VDI"))
    if suspend is not None:
        total += max(int(suspend.get("physical_utilisation") or 0), 0)
    return format_bytes(total)


def _created(snap: Any) -> str:
    when = snap.get("snapshot_time")
    try:
        return format_datetime(parse_datetime(when) if isinstance(when, str) else when)
    except (TypeError, ValueError):
        return ""


SNAPSHOT_COLUMNS = (
    Column(N_("Name"), lambda s: s.name),
    Column(N_("Type"), lambda s: _("Disks and memory") if s.is_snapshot_with_memory else _("Disks only")),
    Column(N_("Created on"), _created),
    Column(N_("Size"), _size),
    Column(N_("Tags"), lambda s: ", ".join(s.tags)),
    Column(N_("Description"), lambda s: s.description),
)


def _disk_srs_snapshot(rows: list[Any]) -> str:
    return next((r for r in (snapshot.cannot_snapshot(vm) for vm in rows) if r), "")


async def _take(panel: GridPanel, rows: list[Any]) -> None:
    vm = rows[0]
    running = vm.power_state == "Running"
    fields = [
        Field("name", N_("Name"), default=_("{vm} snapshot").format(vm=vm.name)),
        Field("description", N_("Description")),
        Field("memory", N_("Snapshot the VM's disks and memory"), "check", default=False),
    ]

    def validate(values: dict[str, Any]) -> str:
        if not values["name"].strip():
            return _("Enter a name")
        if values["memory"] and not running:
            return _("Only a running VM can be snapshotted with its memory")
        return ""

    values = await ask_form(panel, FormDialog(N_("Take Snapshot"), fields, validate, name="takeSnapshotDialog"))
    if values is None:
        return
    conn = vm.connection
    start(
        panel,
        _("Taking snapshot '{name}' of VM '{vm}'").format(name=values["name"].strip(), vm=vm.name),
        conn,
        lambda p: snapshot.take(
            conn, vm, values["name"], with_memory=values["memory"], description=values["description"], progress=p
        ),
    )


async def _revert(panel: GridPanel, rows: list[Any]) -> None:
    snap = rows[0]
    vm = snap.snapshot_of
    intro = _(
        "Reverting '{vm}' to '{snapshot}' replaces its current state; anything not in a snapshot is lost."
    ).format(vm=vm.name if vm is not None else "", snapshot=snap.name)
    fields = [
        Field("first", N_("Take a snapshot of the current state before reverting"), "check", default=True),
        Field(
            "name", N_("Name of that snapshot"), default=_("Before reverting to {snapshot}").format(snapshot=snap.name)
        ),
    ]

    def validate(values: dict[str, Any]) -> str:
        return _("Enter a name") if values["first"] and not values["name"].strip() else ""

    values = await ask_form(panel, FormDialog(N_("Revert to Snapshot"), fields, validate, intro, name="revertDialog"))
    if values is None:
        return
    conn = snap.connection
    first = values["name"] if values["first"] else None
    start(
        panel,
        _("Reverting VM '{vm}' to snapshot '{snapshot}'").format(
            vm=vm.name if vm is not None else "", snapshot=snap.name
        ),
        conn,
        lambda p: snapshot.revert(conn, snap, snapshot_first=first, progress=p),
    )


async def _delete(panel: GridPanel, rows: list[Any]) -> None:
    text = _("Are you sure you want to delete the selected snapshots? This cannot be undone.")
    if not await ask(panel, _("Delete Snapshot"), text, warning=True):
        return
    conn = rows[0].connection
    title = (
        _("Deleting snapshot '{name}'").format(name=rows[0].name)
        if len(rows) == 1
        else _("Deleting {n} snapshots").format(n=len(rows))
    )
    start(panel, title, conn, lambda p: snapshot.delete(conn, rows, p))


def _from_snapshot(template: bool) -> Any:
    async def run(panel: GridPanel, rows: list[Any]) -> None:
        snap = rows[0]
        label = N_("Name of the new template") if template else N_("Name of the new VM")
        default = _("Template from {snapshot}") if template else _("VM from {snapshot}")
        dialog = FormDialog(
            N_("New Template from Snapshot") if template else N_("New VM from Snapshot"),
            [Field("name", label, default=default.format(snapshot=snap.name))],
            lambda v: "" if v["name"].strip() else _("Enter a name"),
            name="fromSnapshotDialog",
        )
        values = await ask_form(panel, dialog)
        if values is None:
            return
        conn = snap.connection
        action = snapshot.new_template if template else snapshot.new_vm
        title = (_("Creating template '{name}'") if template else _("Creating VM '{name}'")).format(
            name=values["name"].strip()
        )
        start(panel, title, conn, lambda p: action(conn, snap, values["name"], p))

    return run


def _snapshot_allowed(rows: list[Any]) -> str:
    for vm in rows:
        if vm.current_operations:
            return _("Another operation is in progress on this item")
        if "snapshot" not in vm.allowed_operations and "checkpoint" not in vm.allowed_operations:
            return _("The server does not allow this action now")
    return ""


SNAPSHOT_ACTIONS = (
    TabAction(
        "takeSnapshot",
        N_("&Take Snapshot..."),
        lambda _vm: [av.role("VM.snapshot"), _snapshot_allowed, _disk_srs_snapshot],
        _take,
        on_owner=True,
    ),
    TabAction("revertSnapshot", N_("&Revert To..."), lambda _vm: [av.role("VM.revert"), av.allowed("revert")], _revert),
    TabAction("deleteSnapshot", N_("&Delete"), lambda _vm: [av.role("VM.destroy", "VDI.destroy")], _delete, many=True),
    TabAction(
        "newVmFromSnapshot",
        N_("New &VM from Snapshot..."),
        lambda _vm: [av.role("VM.clone", "VM.set_is_a_template")],
        _from_snapshot(False),
    ),
    TabAction(
        "newTemplateFromSnapshot",
        N_("New Te&mplate from Snapshot..."),
        lambda _vm: [av.role("VM.clone")],
        _from_snapshot(True),
    ),
)


class SnapshotsTab(TabPage):
    key = "snapshots"
    watched_classes = frozenset({"VM", "VDI", "VBD"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotsTab")
        self.list_view = QCheckBox()
        self.list_view.setObjectName("snapshotListView")
        self.list_view.toggled.connect(self._view_changed)
        self.snapshots = GridPanel(
            "snapshotList", None, SNAPSHOT_COLUMNS, SNAPSHOT_ACTIONS, _tree_roots, children_of=_children
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.list_view)
        layout.addWidget(self.snapshots)
        self.list_view.setText(_("List view"))

    def _view_changed(self, flat: bool) -> None:
        self.snapshots.rows = _snapshots if flat else _tree_roots
        self.snapshots.children_of = None if flat else _children
        self.snapshots.tree.setRootIsDecorated(not flat)
        self.refresh()

    def title(self) -> str:
        return _("Snapshots")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        return len(objects) == 1 and objects[0].cls == "VM" and objects[0].is_real_vm

    def refresh(self) -> None:
        if len(self.objects) == 1:
            self.snapshots.set_owner(self.objects[0])

    def retranslate(self) -> None:
        self.list_view.setText(_("List view"))
        self.snapshots.retranslate()
