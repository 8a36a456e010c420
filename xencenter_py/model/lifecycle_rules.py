"""Whether the VM lifecycle commands can run on a selection, and why not: New VM, Copy,
Convert to Template, New Template from VM, Delete, Export and Import.

Decided as XenCenter's commands do, from the pool's ``allowed_operations`` and the kind
of object (VM, template, snapshot), with the session's role checked by the method's
permission. (enabled, translated reason when disabled)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.commands import _usable
from xencenter_py.model.objects import VM

Verdict = tuple[bool, str]


def _vms(objs: Sequence[Any]) -> list[VM]:
    return [o for o in objs if isinstance(o, VM) and not o.is_control_domain]


def _allowed(vm: VM, operation: str, method: str) -> Verdict:
    ok, reason = _usable(vm, method)
    if not ok:
        return False, reason
    if operation in (vm.get("blocked_operations") or {}):
        return False, _("This action has been blocked on this VM")
    if operation in vm.allowed_operations:
        return True, ""
    if vm.current_operations:
        return False, _("Another operation is in progress on this VM")
    if vm.power_state != "Halted" and not vm.is_snapshot:
        return False, _("The VM must be shut down first")
    return False, _("The server does not allow this action on the VM now")


def _single(objs: Sequence[Any]) -> VM | None:
    vms = _vms(objs)
    return vms[0] if len(vms) == 1 and len(objs) == 1 else None


def can_new_vm(conns: Sequence[Any]) -> Verdict:
    """New VM needs one connected pool (the selection's, or the only one)."""
    if not any(getattr(c, "is_connected", False) for c in conns):
        return False, _("Connect to a server first")
    return True, ""


def can_copy(objs: Sequence[Any]) -> Verdict:
    """Copy VM / Copy Template: one halted VM or a template."""
    vm = _single(objs)
    if vm is None:
        return False, _("Select a single VM or template")
    if vm.is_snapshot:
        return False, _("This action is not available for snapshots")
    return _allowed(vm, "clone", "VM.clone")


def can_convert_to_template(objs: Sequence[Any]) -> Verdict:
    vms = _vms(objs)
    if not vms or len(vms) != len(objs):
        return False, _("This action applies to VMs only")
    for vm in vms:
        if not vm.is_real_vm:
            return False, _("This action applies to VMs only")
        ok, reason = _allowed(vm, "make_into_template", "VM.set_is_a_template")
        if not ok:
            return False, reason
    return True, ""


def can_new_template(objs: Sequence[Any]) -> Verdict:
    """New Template from VM (or from a snapshot)."""
    vm = _single(objs)
    if vm is None or vm.is_template:
        return False, _("Select a single VM or snapshot")
    return _allowed(vm, "clone", "VM.clone")


def can_delete(objs: Sequence[Any]) -> Verdict:
    """Delete VM / Template / Snapshot: every selected one must allow destroy."""
    vms = _vms(objs)
    if not vms or len(vms) != len(objs):
        return False, _("This action applies to VMs only")
    for vm in vms:
        ok, reason = _allowed(vm, "destroy", "VM.destroy")
        if not ok:
            return False, reason
    return True, ""


def can_export(objs: Sequence[Any]) -> Verdict:
    vm = _single(objs)
    if vm is None:
        return False, _("Select a single VM, template or snapshot")
    return _allowed(vm, "export", "VM.clone")


def can_import(conns: Sequence[Any]) -> Verdict:
    return can_new_vm(conns)
