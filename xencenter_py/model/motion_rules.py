"""Whether the XenMotion, maintenance-mode and storage commands can run on a selection, and
why not (XenCenter's Command.CanRun with its disabled reasons). Plain Python over the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.objects import SR, VM, Host

Verdict = tuple[bool, str]


def _one(objs: Sequence[Any], cls: type) -> Any | None:
    return objs[0] if len(objs) == 1 and isinstance(objs[0], cls) else None


def _connected(obj: Any) -> Verdict:
    state = getattr(getattr(obj.connection, "state", None), "name", "CONNECTED")
    return (True, "") if state == "CONNECTED" else (False, _("The server is not connected"))


def can_migrate_wizard(objs: Sequence[Any]) -> Verdict:
    """Migrate VM... (running) or Move VM... (halted): one real VM, the pool allows it."""
    vm = _one(objs, VM)
    if vm is None or not vm.is_real_vm:
        return False, _("Select a single VM")
    ok, reason = _connected(vm)
    if not ok:
        return ok, reason
    if vm.power_state not in ("Running", "Halted"):
        return False, _("The VM must be running or shut down")
    if vm.current_operations:
        return False, _("The VM is busy with another operation")
    if "migrate_send" not in vm.allowed_operations and "pool_migrate" not in vm.allowed_operations:
        return False, _("The VM cannot be migrated now")
    return True, ""


def can_enter_maintenance(objs: Sequence[Any]) -> Verdict:
    host = _one(objs, Host)
    if host is None:
        return False, _("Select a single server")
    ok, reason = _connected(host)
    if not ok:
        return ok, reason
    if not host.is_live:
        return False, _("The server is not reachable")
    if host.in_maintenance_mode:
        return False, _("The server is already in maintenance mode")
    if host.is_evacuating:
        return False, _("The server is being evacuated")
    return True, ""


def can_exit_maintenance(objs: Sequence[Any]) -> Verdict:
    host = _one(objs, Host)
    if host is None:
        return False, _("Select a single server")
    ok, reason = _connected(host)
    if not ok:
        return ok, reason
    if not host.in_maintenance_mode and host.enabled:
        return False, _("The server is not in maintenance mode")
    if not host.is_live:
        return False, _("The server is not reachable")
    return True, ""


def can_new_sr(objs: Sequence[Any]) -> Verdict:
    """New SR...: anything of one connected pool is selected."""
    conns = {id(getattr(o, "connection", None)) for o in objs}
    if len(objs) == 0 or len(conns) != 1 or objs[0].connection is None:
        return False, _("Select a pool or a server")
    return _connected(objs[0])


def _sr(objs: Sequence[Any]) -> tuple[SR | None, Verdict]:
    sr = _one(objs, SR)
    if sr is None:
        return None, (False, _("Select a single storage repository"))
    return sr, _connected(sr)


def _vbds(sr: SR) -> list[Any]:
    """The VBDs (disk drives of VMs) of every virtual disk on ``sr``."""
    return [vbd for vdi in sr.vdis for vbd in vdi.resolve_all("VBD", vdi.get("VBDs") or ())]


def can_detach_sr(objs: Sequence[Any]) -> Verdict:
    sr, verdict = _sr(objs)
    if sr is None or not verdict[0]:
        return verdict
    if sr.is_detached:
        return False, _("The storage repository is already detached")
    if sr.type in ("udev",) or sr.is_tools_sr or sr.is_local:
        return False, _("This storage repository cannot be detached")
    if any(vbd.get("currently_attached") for vbd in _vbds(sr)):
        return False, _("Virtual disks on it are in use by running VMs")
    return True, ""


def can_forget_or_destroy_sr(objs: Sequence[Any]) -> Verdict:
    sr, verdict = _sr(objs)
    if sr is None or not verdict[0]:
        return verdict
    if sr.type in ("udev",) or sr.is_tools_sr:
        return False, _("This storage repository cannot be removed")
    if _vbds(sr):
        return False, _("Virtual disks on it belong to VMs")
    return True, ""


def can_repair_sr(objs: Sequence[Any]) -> Verdict:
    sr, verdict = _sr(objs)
    if sr is None or not verdict[0]:
        return verdict
    if not sr.is_broken():
        return False, _("The storage repository is working")
    return True, ""


def can_set_default_sr(objs: Sequence[Any]) -> Verdict:
    sr, verdict = _sr(objs)
    if sr is None or not verdict[0]:
        return verdict
    if sr.is_default:
        return False, _("This is already the default storage repository")
    if sr.is_iso or not sr.has_size or sr.is_detached:
        return False, _("VM disks cannot be placed on this storage repository")
    return True, ""


def can_new_pool(objs: Sequence[Any]) -> Verdict:
    """New Pool...: always offered; the dialog lists the connected standalone servers."""
    return True, ""


def can_remove_from_pool(objs: Sequence[Any]) -> Verdict:
    host = _one(objs, Host)
    if host is None:
        return False, _("Select a single server")
    ok, reason = _connected(host)
    if not ok:
        return ok, reason
    if len(host.cache.all("host")) < 2:
        return False, _("The server is not in a pool")
    if host.is_coordinator:
        return False, _("The pool coordinator cannot be removed from the pool")
    if any(vm.is_running or vm.power_state == "Paused" for vm in host.resident_vms if not vm.is_control_domain):
        return False, _("VMs are running on the server")
    return True, ""


def can_add_to_pool(objs: Sequence[Any]) -> Verdict:
    """Add to Pool: one standalone server (its connection has just this host)."""
    host = _one(objs, Host)
    if host is None:
        return False, _("Select a single server")
    ok, reason = _connected(host)
    if not ok:
        return ok, reason
    if len(host.cache.all("host")) != 1:
        return False, _("The server is already in a pool")
    return True, ""


def can_move_disk(objs: Sequence[Any]) -> Verdict:
    """Move Virtual Disk...: an attached SR with disks on it."""
    sr, verdict = _sr(objs)
    if sr is None or not verdict[0]:
        return verdict
    if sr.is_iso or not sr.has_size or sr.is_detached:
        return False, _("This storage repository holds no virtual disks that can be moved")
    if not any(not v.is_snapshot and v.get("type") in ("user", "system") for v in sr.vdis):
        return False, _("There are no virtual disks on this storage repository")
    return True, ""


def can_reattach_sr(objs: Sequence[Any]) -> Verdict:
    """Reattach: a detached SR whose connections to the servers are kept (plug them again)."""
    sr, verdict = _sr(objs)
    if sr is None or not verdict[0]:
        return verdict
    if not sr.is_detached:
        return False, _("The storage repository is attached")
    if not sr.pbds:
        return False, _("Use New SR to find and reattach this storage repository")
    return True, ""
