"""The VM lifecycle commands of the main window: New VM, Quick Create, Copy, Convert to
Template, New Template from VM, Delete, Export and Import.

Availability comes from ``model.lifecycle_rules``; the dialogs collect input; the work is
a ``model.actions.vm_lifecycle`` action run as an operation (Notifications ▸ Events),
which reports a failure in a message box and can be cancelled from there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from xencenter_py.i18n import gettext as _
from xencenter_py.model import lifecycle_rules as rules
from xencenter_py.model.actions import vm_lifecycle as actions
from xencenter_py.model.objects import VM
from xencenter_py.model.templates import recommendations
from xencenter_py.ui.aio import ask, inform, run_dialog, show_error, spawn
from xencenter_py.ui.dialogs.vm_lifecycle import CopyVmDialog, DeleteVmDialog, ImportDialog, export_file_dialog
from xencenter_py.ui.operations import Operation, OpState
from xencenter_py.ui.wizards.new_vm import NewVmWizard

if TYPE_CHECKING:
    from xencenter_py.ui.main_window import MainWindow

# Each action's id is also the name of the window's method it triggers.
ACTIONS = ("quick_create", "copy_vm", "convert_to_template", "new_template", "delete_vm", "export_vm", "import_vm")
SELECT_ATTEMPTS = 100
SELECT_INTERVAL_MS = 100


def build_actions(w: MainWindow) -> None:
    """Create ``w.lifecycle_actions`` (each triggers the window's method of the same name)."""
    from xencenter_py.ui.menus import _action

    w.lifecycle_actions = {cid: _action(w, cid, None, None, getattr(w, cid)) for cid in ACTIONS}


def retranslate(w: MainWindow) -> None:
    from xencenter_py.ui.menus import set_action_text

    texts = {
        "quick_create": _("&Quick Create"),
        "copy_vm": _("&Copy..."),
        "convert_to_template": _("Convert to &Template..."),
        "new_template": _("New Te&mplate from VM..."),
        "delete_vm": _("&Delete..."),
        "export_vm": _("E&xport..."),
        "import_vm": _("&Import..."),
    }
    for cid, text in texts.items():
        set_action_text(w.lifecycle_actions[cid], text)


def update(w: MainWindow) -> None:
    """Enable each lifecycle command for the selection, with the reason when disabled."""
    from xencenter_py.ui.menus import set_action_state, without_mnemonic

    sel = w.selection
    conns = _connections(w)
    verdicts = {
        "quick_create": _quick_create_verdict(sel),
        "copy_vm": rules.can_copy(sel),
        "convert_to_template": rules.can_convert_to_template(sel),
        "new_template": rules.can_new_template(sel),
        "delete_vm": rules.can_delete(sel),
        "export_vm": rules.can_export(sel),
        "import_vm": rules.can_import(conns),
    }
    for cid, (ok, reason) in verdicts.items():
        act = w.lifecycle_actions[cid]
        tip = without_mnemonic(act.text())
        set_action_state(act, ok, f"{tip}: {reason}" if not ok and reason else tip, reason)
    ok, reason = rules.can_new_vm(conns)
    tip = without_mnemonic(w.act_new_vm.text())
    set_action_state(w.act_new_vm, ok, f"{tip}: {reason}" if not ok and reason else tip, reason)


def add_context_entries(w: MainWindow, menu: Any, ids: tuple[str, ...]) -> None:
    """Add the enabled lifecycle commands among ``ids`` to a context menu."""
    for cid in ids:
        act = w.lifecycle_actions[cid]
        if act.isEnabled():
            menu.addAction(act)


def _quick_create_verdict(sel: list[Any]) -> tuple[bool, str]:
    if len(sel) != 1 or not isinstance(sel[0], VM) or not sel[0].is_custom_template:
        return False, _("Select a custom template")
    return rules.can_copy(sel)


def _connections(w: MainWindow) -> list[Any]:
    """The selection's connections, else every connected one."""
    conns = []
    for obj in w.selection:
        conn = getattr(obj, "connection", None)
        if conn is not None and conn not in conns:
            conns.append(conn)
    for node in w.selected_nodes:
        if node.connection is not None and node.connection not in conns:
            conns.append(node.connection)
    return conns or [c for c in w.manager.connections if c.is_connected]


class LifecycleCommands:
    """Mixin of MainWindow: the slots of the lifecycle actions."""

    def _lifecycle_connections(self) -> list[Any]:
        return _connections(self)  # type: ignore[arg-type]

    def _start(self, title: str, conn: Any, work: Callable[[Callable[[float], None]], Awaitable[Any]]) -> Operation:
        op = self.history.start(title, conn.friendly_name, work)  # type: ignore[attr-defined]

        def report() -> None:
            if op.state is OpState.FAILED:
                op.changed.disconnect(report)
                show_error(self, title, op.error)  # type: ignore[arg-type]

        op.changed.connect(report)
        return op

    def select_object(self, conn: Any, ref: str, attempts: int = SELECT_ATTEMPTS) -> None:
        """Select ``ref`` in the tree as soon as the pool's events have shown it there."""
        key = f"{getattr(conn, 'address', '')}/{ref}"
        navigation = self.navigation  # type: ignore[attr-defined]
        navigation.select_keys([key])
        selected = [n for n in navigation.selected_nodes() if getattr(n, "ref", None) == ref]
        if not selected and attempts > 0:
            QTimer.singleShot(SELECT_INTERVAL_MS, lambda: self.select_object(conn, ref, attempts - 1))

    # -- New VM ------------------------------------------------------------------------------
    def new_vm(self, template: VM | None = None) -> NewVmWizard | None:
        """VM ▸ New VM (Ctrl+N): the wizard on the selection's pool (or the template's)."""
        conns = [c for c in self._lifecycle_connections() if c.is_connected]
        if not isinstance(template, VM):  # the action's checked flag when triggered
            sel = [o for o in self.selection if isinstance(o, VM) and o.is_template]  # type: ignore[attr-defined]
            template = sel[0] if len(sel) == 1 else None
        if template is not None:
            conns = [template.connection]
        if not conns:
            spawn(inform(self, _("New VM"), _("Connect to a server first."), "newVmNoConnection"), self)  # type: ignore[arg-type]
            return None
        wizard = NewVmWizard(conns[0], self.history, self, template)  # type: ignore[arg-type,attr-defined]
        conn = conns[0]
        wizard.created = lambda ref: self.select_object(conn, ref)
        wizard.finished_ok.connect(lambda op: self._watch(op, wizard.windowTitle()))
        wizard.open()
        self.new_vm_wizard = wizard
        return wizard

    def _watch(self, op: Operation, title: str) -> None:
        def report() -> None:
            if op.state is OpState.FAILED:
                op.changed.disconnect(report)
                show_error(self, title, op.error)  # type: ignore[arg-type]

        op.changed.connect(report)

    def quick_create(self) -> None:
        """Templates ▸ Quick Create: a VM from a custom template with its own settings."""
        sel = [o for o in self.selection if isinstance(o, VM) and o.is_custom_template]  # type: ignore[attr-defined]
        if len(sel) != 1:
            return
        template = sel[0]
        conn = template.connection
        nets = [v.get("network") for v in sorted(template.vifs, key=lambda v: v.get("device", ""))]
        spec = actions.NewVm(
            template=template.ref,
            name=template.name,
            description=template.description,
            vcpus_max=max(int(template.get("VCPUs_max") or 1), 1),
            vcpus_at_startup=max(int(template.get("VCPUs_at_startup") or 1), 1),
            cores_per_socket=int((template.get("platform") or {}).get("cores-per-socket", "1") or 1),
            memory_static_max=int(template.get("memory_static_max") or 0),
            memory_dynamic_min=int(template.get("memory_dynamic_min") or 0),
            memory_dynamic_max=int(template.get("memory_dynamic_max") or 0),
            networks=nets[: recommendations(template).vifs_max],
        )

        async def work(progress: Callable[[float], None]) -> None:
            ref = await actions.create_vm(conn, spec, lambda f, _t: progress(f))
            self.select_object(conn, ref)

        self._start(_("Creating VM '{name}'").format(name=spec.name), conn, work)

    # -- Copy and templates ---------------------------------------------------------------------
    def copy_vm(self) -> None:
        spawn(self._copy(as_template=False), self)  # type: ignore[arg-type]

    def new_template(self) -> None:
        spawn(self._copy(as_template=True), self)  # type: ignore[arg-type]

    async def _copy(self, *, as_template: bool) -> None:
        check = rules.can_new_template if as_template else rules.can_copy
        sel = list(self.selection)  # type: ignore[attr-defined]
        if not check(sel)[0]:
            return
        vm: VM = sel[0]
        dialog = CopyVmDialog(vm, as_template=as_template, parent=self)  # type: ignore[arg-type]
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        name, description, fast, sr = dialog.name(), dialog.description(), dialog.fast(), dialog.sr()
        dialog.deleteLater()
        if not accepted:
            return
        conn = vm.connection

        async def work(progress: Callable[[float], None]) -> None:
            report = lambda f, _t: progress(f)  # noqa: E731
            if as_template:
                ref = await actions.new_template_from(conn, vm.ref, name, fast=fast, sr=sr, progress=report)
                await conn.call("VM.set_name_description", ref, description)
            else:
                ref = await actions.copy_vm(
                    conn, vm.ref, name, description=description, fast=fast, sr=sr, progress=report
                )
            self.select_object(conn, ref)

        title = (_("Creating template '{name}'") if as_template else _("Copying '{source}' to '{name}'")).format(
            name=name, source=vm.name
        )
        self._start(title, conn, work)

    def convert_to_template(self) -> None:
        spawn(self._convert(), self)  # type: ignore[arg-type]

    async def _convert(self) -> None:
        vms = [o for o in self.selection if isinstance(o, VM) and o.is_real_vm]  # type: ignore[attr-defined]
        if not vms or not rules.can_convert_to_template(vms)[0]:
            return
        text = (
            _("Are you sure you want to convert '{name}' to a template? This cannot be undone: the VM can no "
              "longer be started, only used to create new VMs.").format(name=vms[0].name)
            if len(vms) == 1
            else _("Are you sure you want to convert the selected VMs to templates? This cannot be undone.")
        )  # fmt: skip
        if not await ask(self, _("Convert to Template"), text, warning=True):  # type: ignore[arg-type]
            return
        for vm in vms:
            conn = vm.connection
            self._start(
                _("Converting '{name}' to a template").format(name=vm.name),
                conn,
                lambda _p, c=conn, r=vm.ref: actions.convert_to_template(c, r),
            )

    # -- Delete ------------------------------------------------------------------------------
    def delete_vm(self) -> None:
        spawn(self._delete(), self)  # type: ignore[arg-type]

    async def _delete(self) -> None:
        vms = [o for o in self.selection if isinstance(o, VM)]  # type: ignore[attr-defined]
        if not vms or not rules.can_delete(vms)[0]:
            return
        dialog = DeleteVmDialog(vms, self)  # type: ignore[arg-type]
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        deletions = dialog.deletions()
        title = dialog.windowTitle()
        dialog.deleteLater()
        if not accepted:
            return
        by_conn: dict[Any, list[actions.Deletion]] = {}
        for vm, d in zip(vms, deletions, strict=True):
            by_conn.setdefault(vm.connection, []).append(d)
        for conn, items in by_conn.items():
            names = ", ".join(v.name for v in vms if v.connection is conn)
            self._start(
                f"{title}: {names}",
                conn,
                lambda progress, c=conn, i=items: actions.delete_vms(c, i, lambda f, _t: progress(f)),
            )

    # -- Export / Import -------------------------------------------------------------------------
    def export_vm(self) -> None:
        spawn(self._export(), self)  # type: ignore[arg-type]

    async def _export(self) -> None:
        sel = list(self.selection)  # type: ignore[attr-defined]
        if not rules.can_export(sel)[0]:
            return
        vm: VM = sel[0]
        dialog = export_file_dialog(self, vm)  # type: ignore[arg-type]
        accepted = await run_dialog(dialog) == QFileDialog.DialogCode.Accepted
        files = dialog.selectedFiles()
        dialog.deleteLater()
        if not accepted or not files:
            return
        path, conn = files[0], vm.connection
        self._start(
            _("Exporting '{name}' to {path}").format(name=vm.name, path=path),
            conn,
            lambda progress: actions.export_vm(conn, vm.ref, path, lambda f, _t: progress(f)),
        )

    def import_vm(self) -> None:
        spawn(self._import(), self)  # type: ignore[arg-type]

    async def _import(self) -> None:
        # Every connected pool is offered, the selection's first.
        first = [c for c in self._lifecycle_connections() if c.is_connected]
        conns = first + [c for c in self.manager.connections if c.is_connected and c not in first]  # type: ignore[attr-defined]
        if not conns:
            return
        dialog = ImportDialog(conns, self)  # type: ignore[arg-type]
        accepted = await run_dialog(dialog) == dialog.DialogCode.Accepted
        conn, path, sr, home = dialog.conn, dialog.path(), dialog.sr(), dialog.home()
        dialog.deleteLater()
        if not accepted or conn is None:
            return

        async def work(progress: Callable[[float], None]) -> None:
            refs = await actions.import_vm(conn, path, sr, home=home, progress=lambda f, _t: progress(f))
            if refs:
                self.select_object(conn, refs[0])

        self._start(_("Importing {path}").format(path=path), conn, work)
