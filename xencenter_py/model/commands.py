"""Whether a command can run on a selection, and why not (the tooltip text).

Decided from what the pool says: ``allowed_operations`` (the server's own verdict for the
current state), ``blocked_operations``, the power state and template/snapshot facts, and
the session's RBAC permissions. A multi-selection can run when at least one selected
object can (as XenCenter's commands do); otherwise the first object's reason is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.objects import VM, Host, XenObject


@dataclass(frozen=True)
class CommandSpec:
    """A command on one class: the API method it calls and the operation name the server
    lists in ``allowed_operations`` when the call is possible now."""

    cls: str
    method: str
    operation: str


VM_COMMANDS: dict[str, CommandSpec] = {
    "start": CommandSpec("VM", "VM.start", "start"),
    "start_on": CommandSpec("VM", "VM.start_on", "start_on"),
    "shutdown": CommandSpec("VM", "VM.clean_shutdown", "clean_shutdown"),
    "reboot": CommandSpec("VM", "VM.clean_reboot", "clean_reboot"),
    "suspend": CommandSpec("VM", "VM.suspend", "suspend"),
    "resume": CommandSpec("VM", "VM.resume", "resume"),
    "resume_on": CommandSpec("VM", "VM.resume_on", "resume_on"),
    "pause": CommandSpec("VM", "VM.pause", "pause"),
    "unpause": CommandSpec("VM", "VM.unpause", "unpause"),
    "force_shutdown": CommandSpec("VM", "VM.hard_shutdown", "hard_shutdown"),
    "force_reboot": CommandSpec("VM", "VM.hard_reboot", "hard_reboot"),
    "snapshot": CommandSpec("VM", "VM.snapshot", "snapshot"),
    "copy": CommandSpec("VM", "VM.copy", "copy"),
    "migrate": CommandSpec("VM", "VM.pool_migrate", "pool_migrate"),
    "delete": CommandSpec("VM", "VM.destroy", "destroy"),
}

HOST_COMMANDS: dict[str, CommandSpec] = {
    "host_reboot": CommandSpec("host", "host.reboot", "reboot"),
    "host_shutdown": CommandSpec("host", "host.shutdown", "shutdown"),
    "host_evacuate": CommandSpec("host", "host.evacuate", "evacuate"),
    "host_power_on": CommandSpec("host", "host.power_on", "power_on"),
}

OTHER_COMMANDS = ("properties",)

COMMANDS: tuple[str, ...] = (*VM_COMMANDS, *HOST_COMMANDS, *OTHER_COMMANDS)
"""Every command name ``can_run`` knows."""

# Commands meaningful for templates (everything else needs a real VM).
_TEMPLATE_OK = frozenset({"copy", "delete"})
# Commands a snapshot may run.
_SNAPSHOT_OK = frozenset({"delete"})


def can_run(command: str, objs: Sequence[XenObject]) -> tuple[bool, str]:
    """(enabled, translated reason when disabled) for ``command`` on the selection."""
    if not objs:
        return False, _("Nothing is selected")
    if command == "properties":
        return _check_properties(objs)
    check: Callable[[str, Any], tuple[bool, str]]
    if command in VM_COMMANDS:
        check = _check_vm
    elif command in HOST_COMMANDS:
        check = _check_host
    else:
        raise KeyError(command)
    first_reason = ""
    for obj in objs:
        ok, reason = check(command, obj)
        if ok:
            return True, ""
        first_reason = first_reason or reason
    return False, first_reason


PROPERTIES_CLASSES = frozenset({"pool", "host", "VM", "SR", "network", "VDI"})
"""Classes whose Properties dialog exists."""


def _check_properties(objs: Sequence[XenObject]) -> tuple[bool, str]:
    """One object of a supported class, its pool connected, and the role may at least rename it."""
    if len(objs) != 1:
        return False, _("Select a single item to see its properties")
    obj = objs[0]
    if obj.cls not in PROPERTIES_CLASSES or (isinstance(obj, VM) and obj.is_control_domain):
        return False, _("This item has no properties to edit")
    return _usable(obj, f"{obj.cls}.set_name_label")


def _connected(obj: XenObject) -> tuple[bool, str]:
    conn = obj.connection
    state = getattr(getattr(conn, "state", None), "name", "CONNECTED")
    if conn is not None and state != "CONNECTED":
        return False, _("The server is not connected")
    return True, ""


def _usable(obj: XenObject, method: str) -> tuple[bool, str]:
    """The object's server is connected and the user's role may call ``method``."""
    ok, reason = _connected(obj)
    if not ok:
        return False, reason
    can_call = getattr(obj.connection, "can_call", None)
    if can_call is not None and not can_call(method):
        return False, _("Your role does not allow this action")
    return True, ""


def _check_vm(command: str, obj: Any) -> tuple[bool, str]:
    spec = VM_COMMANDS[command]
    if not isinstance(obj, VM):
        return False, _("This action applies to VMs only")
    if obj.is_control_domain:
        return False, _("This action is not available for the control domain")
    if obj.is_snapshot and command not in _SNAPSHOT_OK:
        return False, _("This action is not available for snapshots")
    if obj.is_template and command not in _TEMPLATE_OK:
        return False, _("This action is not available for templates")
    ok, reason = _usable(obj, spec.method)
    if not ok:
        return False, reason
    blocked = obj.get("blocked_operations") or {}
    if spec.operation in blocked:
        reason = blocked[spec.operation]
        text = _("This action has been blocked on this VM")
        return False, f"{text}: {reason}" if reason and reason.lower() != "true" else text
    if spec.operation in obj.allowed_operations:
        return True, ""
    return False, _vm_reason(command, obj)


def _vm_reason(command: str, vm: VM) -> str:
    """Why the server does not allow the operation now, in the user's terms."""
    if vm.current_operations:
        return _("Another operation is in progress on this VM")
    state = vm.power_state
    needs = {
        "start": ("Halted",),
        "start_on": ("Halted",),
        "shutdown": ("Running",),
        "reboot": ("Running",),
        "suspend": ("Running",),
        "resume": ("Suspended",),
        "resume_on": ("Suspended",),
        "pause": ("Running",),
        "unpause": ("Paused",),
        "force_shutdown": ("Running", "Paused", "Suspended"),
        "force_reboot": ("Running", "Paused"),
        "migrate": ("Running",),
        "copy": ("Halted",),
        "delete": ("Halted",),
    }.get(command)
    if needs is not None and state not in needs:
        texts = {
            "Running": _("The VM is running"),
            "Halted": _("The VM is shut down"),
            "Suspended": _("The VM is suspended"),
            "Paused": _("The VM is paused"),
        }
        return texts.get(state, _("The VM is in an unexpected state"))
    if command in ("shutdown", "reboot", "suspend", "migrate") and not vm.tools_detected:
        return _("VM Tools are not installed in this VM")
    return _("The server does not allow this action on the VM now")


def can_migrate_to(vms: Sequence[XenObject], host: XenObject) -> tuple[bool, str]:
    """Whether every VM of ``vms`` can live-migrate to ``host`` (drag and drop, Migrate to
    Server): the server allows ``pool_migrate`` now and the target is another live, enabled
    server of the same pool that can reach the VM's disks. (enabled, translated reason)."""
    if not vms:
        return False, _("Nothing is selected")
    if not isinstance(host, Host):
        return False, _("This action applies to servers only")
    for vm in vms:
        ok, reason = _check_vm("migrate", vm)
        if not ok:
            return False, reason
        ok, reason = _migrate_target(vm, host)  # type: ignore[arg-type]
        if not ok:
            return False, reason
    return True, ""


def can_start_on(vm: VM, host: Host) -> tuple[bool, str]:
    """Whether ``vm`` can start (or resume) on ``host``, a Start/Resume on Server entry:
    the server is live, not in maintenance mode, and reaches the VM's disks. A migration
    target must meet the same rules (``can_migrate_to``). (enabled, translated reason)."""
    if not host.is_live:
        return False, _("The server is not reachable")
    if not host.enabled:
        return False, _("The server is in maintenance mode")
    disks_host = vm.storage_host(ignore_cds=True)
    if disks_host is not None and disks_host.ref != host.ref:
        return False, _("The VM's storage is not available on this server")
    return True, ""


def _migrate_target(vm: VM, host: Host) -> tuple[bool, str]:
    if host.connection is not vm.connection:
        return False, _("The VM can only be migrated to a server of its own pool")
    current = vm.resident_on
    if current is not None and current.ref == host.ref:
        return False, _("Current server")
    ok, reason = can_start_on(vm, host)
    if not ok:
        return False, reason
    cd_host = vm.storage_host()
    if cd_host is not None and cd_host.ref != host.ref:
        return False, _("A CD from local storage is inserted in the VM; eject it before migrating")
    return True, ""


def _check_host(command: str, obj: Any) -> tuple[bool, str]:
    spec = HOST_COMMANDS[command]
    if not isinstance(obj, Host):
        return False, _("This action applies to servers only")
    ok, reason = _usable(obj, spec.method)
    if not ok:
        return False, reason
    if command == "host_power_on":
        if obj.is_live:
            return False, _("The server is already running")
        if obj.get("power_on_mode", "") == "":
            return False, _("Remote power-on is not configured for this server")
        return True, ""
    if not obj.is_live:
        return False, _("The server is not reachable")
    if obj.current_operations:
        return False, _("Another operation is in progress on this server")
    allowed = obj.allowed_operations
    # XAPI allows reboot/shutdown only on a disabled host; the command disables it first.
    if command in ("host_reboot", "host_shutdown") and obj.enabled:
        return True, ""
    if allowed and spec.operation not in allowed:
        return False, _("The server does not allow this action now")
    return True, ""
