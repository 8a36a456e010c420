"""Which operations each object offers right now, and why the others are refused.

One function per class answers "can ``op`` run on this object now?" with XAPI's error (or
None); ``allowed_operations`` is the list of candidate operations it accepts, so the
buttons a client enables and the errors a call gets always agree. :func:`attach` keeps the
lists right after every change of the store, writing only when a list really changes
(compared as sets) so no event storm follows.
"""

from __future__ import annotations

from typing import Any

from xencenter_py.sim.behaviours.common import is_null, lower_state, sm_capabilities
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.store import Store

H, R, P, S = "Halted", "Running", "Paused", "Suspended"
ALL_STATES = (H, P, S, R)

# The power states in which each VM operation may run (xapi_vm_lifecycle).
_POWER: dict[str, tuple[str, ...]] = {
    "start": (H,),
    "start_on": (H,),
    "provision": (H,),
    "make_into_template": (H,),
    "changing_VCPUs": (H,),
    "changing_static_range": (H,),
    "changing_memory_limits": (H,),
    "changing_shadow_memory": (H,),
    "changing_NVRAM": (H,),
    "create_vtpm": (H,),
    "pause": (R,),
    "suspend": (R,),
    "clean_shutdown": (R,),
    "clean_reboot": (R,),
    "pool_migrate": (R,),
    "changing_VCPUs_live": (R,),
    "changing_memory_live": (R,),
    "changing_shadow_memory_live": (R,),
    "send_sysrq": (R,),
    "send_trigger": (R,),
    "call_plugin": (R,),
    "snapshot_with_quiesce": (R,),
    "unpause": (P,),
    "resume": (S,),
    "resume_on": (S,),
    "changing_dynamic_range": (H, R),
    "hard_reboot": (P, R),
    "hard_shutdown": (P, S, R),
    "shutdown": (P, S, R),
    "checkpoint": (P, S, R),
    "migrate_send": (H, S, R),
    "destroy": (H, S),
    "export": (H, S),
    "clone": (H,),
    "copy": (H,),
}

# Operations a client sees in allowed_operations (the lists real pools show).
VM_CANDIDATES = (
    "changing_dynamic_range",
    "changing_static_range",
    "changing_shadow_memory",
    "changing_VCPUs_live",
    "changing_NVRAM",
    "migrate_send",
    "pool_migrate",
    "make_into_template",
    "provision",
    "destroy",
    "export",
    "start_on",
    "start",
    "resume",
    "resume_on",
    "unpause",
    "suspend",
    "hard_reboot",
    "hard_shutdown",
    "clean_reboot",
    "clean_shutdown",
    "pause",
    "checkpoint",
    "clone",
    "copy",
    "snapshot",
    "revert",
)

_TEMPLATE_OPS = frozenset(
    {
        "changing_dynamic_range",
        "changing_static_range",
        "changing_memory_limits",
        "changing_shadow_memory",
        "changing_VCPUs",
        "changing_NVRAM",
        "clone",
        "copy",
        "export",
        "metadata_export",
        "provision",
        "destroy",
        "power_state_reset",
    }
)
_SNAPSHOT_OPS = frozenset(
    {"revert", "clone", "copy", "export", "destroy", "hard_shutdown", "metadata_export", "power_state_reset"}
)
_NEEDS_DRIVERS = frozenset(
    {"clean_shutdown", "clean_reboot", "suspend", "checkpoint", "pool_migrate", "migrate_send", "changing_memory_live"}
)
_DOM0_OPS = frozenset({"changing_dynamic_range"})


def has_pv_drivers(store: Store, vm: dict[str, Any]) -> bool:
    """PV guests always talk to Xen; HVM guests need the tools reporting through guest metrics."""
    if not vm["HVM_boot_policy"]:
        return True
    gm = store.all("VM_guest_metrics").get(vm["guest_metrics"])
    return bool(gm and gm["PV_drivers_version"])


def vm_error(store: Store, ref: str, op: str, vm: dict[str, Any] | None = None) -> XapiError | None:
    """XAPI's answer to "may ``op`` run on this VM now?" (None when it may)."""
    vm = vm if vm is not None else store.get("VM", ref)
    if vm["is_control_domain"] and op not in _DOM0_OPS:
        return XapiError("OPERATION_NOT_ALLOWED", "This operation is not allowed on the control domain.")
    blocked = vm["blocked_operations"].get(op)
    if blocked is not None:
        return XapiError("OPERATION_BLOCKED", ref, blocked)
    state = vm["power_state"]
    snapshot = vm["is_a_snapshot"]
    allowed_states = _POWER.get(op, ALL_STATES)
    if snapshot and op in ("clone", "copy"):
        allowed_states = (H, S)
    if state not in allowed_states:
        return XapiError("VM_BAD_POWER_STATE", ref, ", ".join(map(lower_state, allowed_states)), lower_state(state))
    current = vm["current_operations"]
    if current:
        task, running = next(iter(current.items()))
        return XapiError("OTHER_OPERATION_IN_PROGRESS", "VM", ref, running, task)
    if snapshot:
        if op not in _SNAPSHOT_OPS:
            return XapiError("VM_IS_SNAPSHOT", ref, op)
    elif vm["is_a_template"]:
        if op not in _TEMPLATE_OPS:
            return XapiError("VM_IS_TEMPLATE", ref, op)
        if op == "destroy" and (vm["is_default_template"] or vm["other_config"].get("default_template") == "true"):
            return XapiError("VM_CANNOT_DELETE_DEFAULT_TEMPLATE", ref)
    elif op == "provision":
        return XapiError("PROVISION_ONLY_ALLOWED_ON_TEMPLATE")
    if op == "revert" and not snapshot:
        return XapiError("ONLY_REVERT_SNAPSHOT")
    if op in _NEEDS_DRIVERS and state == R and not has_pv_drivers(store, vm):
        return XapiError("VM_MISSING_PV_DRIVERS", ref)
    if op in ("suspend", "checkpoint") and not _suspend_sr_available(store, vm):
        return XapiError("VM_NO_SUSPEND_SR", ref)
    return None


def _suspend_sr_available(store: Store, vm: dict[str, Any]) -> bool:
    if not is_null(vm["suspend_SR"]):
        return vm["suspend_SR"] in store.all("SR")
    return any(not is_null(p["suspend_image_SR"]) for p in store.all("pool").values())


def assert_vm_op(store: Store, ref: str, op: str) -> None:
    err = vm_error(store, ref, op)
    if err is not None:
        raise err


def vm_allowed(store: Store, ref: str) -> list[str]:
    vm = store.get("VM", ref)
    return [op for op in VM_CANDIDATES if vm_error(store, ref, op, vm) is None]


# ---------------------------------------------------------------------------- hosts
def _host_live(store: Store, host: dict[str, Any]) -> bool:
    metrics = store.all("host_metrics").get(host["metrics"])
    return bool(metrics and metrics["live"])


def host_error(store: Store, ref: str, op: str) -> XapiError | None:
    host = store.get("host", ref)
    if host["current_operations"]:
        task, running = next(iter(host["current_operations"].items()))
        return XapiError("OTHER_OPERATION_IN_PROGRESS", "host", ref, running, task)
    live = _host_live(store, host)
    if op == "power_on":
        return None if not live and host["power_on_mode"] else XapiError("OPERATION_NOT_ALLOWED", "host is live")
    if not live:
        return XapiError("HOST_OFFLINE", ref)
    if op in ("reboot", "shutdown") and host["enabled"]:
        return XapiError("HOST_NOT_DISABLED")
    if op in ("vm_start", "vm_resume", "vm_migrate") and not host["enabled"]:
        return XapiError("HOST_DISABLED", ref)
    if op == "enable" and host["enabled"]:
        return XapiError("OPERATION_NOT_ALLOWED", "host is enabled")
    return None


HOST_CANDIDATES = ("vm_migrate", "evacuate", "provision", "vm_resume", "vm_start", "reboot", "shutdown", "power_on")


def host_allowed(store: Store, ref: str) -> list[str]:
    return [op for op in HOST_CANDIDATES if host_error(store, ref, op) is None]


# ---------------------------------------------------------------------------- storage
def _vbd_active(store: Store, vbd: dict[str, Any]) -> bool:
    vm = store.all("VM").get(vbd["VM"])
    return bool(vbd["currently_attached"] or (vm and vm["power_state"] in (R, P)))


def vdi_in_use(store: Store, vdi: dict[str, Any]) -> bool:
    vbds = store.all("VBD")
    return any((v := vbds.get(r)) is not None and _vbd_active(store, v) for r in vdi["VBDs"])


_VDI_CAPS = {
    "clone": "VDI_CLONE",
    "snapshot": "VDI_SNAPSHOT",
    "resize": "VDI_RESIZE",
    "resize_online": "VDI_RESIZE_ONLINE",
    "destroy": "VDI_DELETE",
    "update": "VDI_UPDATE",
    "generate_config": "VDI_GENERATE_CONFIG",
    "mirror": "VDI_MIRROR",
    "enable_cbt": "VDI_CONFIG_CBT",
    "disable_cbt": "VDI_CONFIG_CBT",
    "set_on_boot": "VDI_RESET_ON_BOOT",
}
VDI_CANDIDATES = ("forget", "update", "resize", "destroy", "clone", "copy", "snapshot", "mirror", "resize_online")


def vdi_error(store: Store, ref: str, op: str, caps: frozenset[str] | None = None) -> XapiError | None:
    vdi = store.get("VDI", ref)
    if vdi["current_operations"]:
        task, running = next(iter(vdi["current_operations"].items()))
        return XapiError("OTHER_OPERATION_IN_PROGRESS", "VDI", ref, running, task)
    sr = store.all("SR").get(vdi["SR"])
    if caps is None:
        caps = sm_capabilities(store, sr["type"]) if sr else frozenset()
    needed = _VDI_CAPS.get(op)
    if needed and needed not in caps:
        return XapiError("SR_OPERATION_NOT_SUPPORTED", vdi["SR"])
    in_use = vdi_in_use(store, vdi)
    if op in ("destroy", "forget", "resize") and in_use:
        return XapiError("VDI_IN_USE", ref, op)
    if op in ("mirror", "resize_online") and not in_use:
        return XapiError("OPERATION_NOT_ALLOWED", "The VDI is not attached to a running VM.")
    if op == "copy" and in_use:
        return XapiError("VDI_IN_USE", ref, op)
    if vdi["type"] in ("ha_statefile", "redo_log", "metadata") and op != "forget":
        return XapiError("OPERATION_NOT_ALLOWED", f"VDI of type {vdi['type']} is managed by the pool.")
    return None


def vdi_allowed(store: Store, ref: str) -> list[str]:
    vdi = store.get("VDI", ref)
    sr = store.all("SR").get(vdi["SR"])
    caps = sm_capabilities(store, sr["type"]) if sr else frozenset()
    return [op for op in VDI_CANDIDATES if vdi_error(store, ref, op, caps) is None]


def vbd_allowed(store: Store, ref: str) -> list[str]:
    vbd = store.get("VBD", ref)
    if vbd["current_operations"]:
        return []
    vm = store.all("VM").get(vbd["VM"])
    state = vm["power_state"] if vm else H
    ops = ["attach"]
    hotplug = vbd["type"] != "Disk" or (vm is not None and has_pv_drivers(store, vm))
    if state in (R, P):
        ops += ["pause", "unpause"]
        if hotplug and vbd["currently_attached"] and vbd["unpluggable"]:
            ops += ["unplug", "unplug_force"]
        elif hotplug and not vbd["currently_attached"]:
            ops.append("plug")
    if vbd["type"] == "CD":
        ops.append("insert" if vbd["empty"] else "eject")
    return ops


def vif_allowed(store: Store, ref: str) -> list[str]:
    vif = store.get("VIF", ref)
    if vif["current_operations"]:
        return []
    vm = store.all("VM").get(vif["VM"])
    if vm and vm["power_state"] == R and has_pv_drivers(store, vm):  # NIC hot-plug needs the PV drivers
        return ["attach", "unplug" if vif["currently_attached"] else "plug"]
    return ["attach"]


_SR_CAPS = {
    "vdi_create": "VDI_CREATE",
    "vdi_destroy": "VDI_DELETE",
    "vdi_resize": "VDI_RESIZE",
    "vdi_snapshot": "VDI_SNAPSHOT",
    "vdi_introduce": "VDI_INTRODUCE",
    "vdi_mirror": "VDI_MIRROR",
    "vdi_enable_cbt": "VDI_CONFIG_CBT",
    "vdi_disable_cbt": "VDI_CONFIG_CBT",
    "vdi_set_on_boot": "VDI_RESET_ON_BOOT",
}
SR_CANDIDATES = (
    "forget",
    "vdi_create",
    "vdi_introduce",
    "vdi_snapshot",
    "plug",
    "update",
    "destroy",
    "vdi_destroy",
    "scan",
    "vdi_clone",
    "vdi_resize",
    "vdi_mirror",
    "vdi_enable_cbt",
    "vdi_disable_cbt",
    "vdi_set_on_boot",
    "unplug",
    "pbd_create",
    "pbd_destroy",
)


def sr_in_use(store: Store, sr: dict[str, Any]) -> bool:
    vdis = store.all("VDI")
    return any((v := vdis.get(r)) is not None and v["VBDs"] and vdi_in_use(store, v) for r in sr["VDIs"])


def sr_error(store: Store, ref: str, op: str, caps: frozenset[str] | None = None) -> XapiError | None:
    sr = store.get("SR", ref)
    caps = caps if caps is not None else sm_capabilities(store, sr["type"])
    needed = _SR_CAPS.get(op)
    if needed and needed not in caps:
        return XapiError("SR_OPERATION_NOT_SUPPORTED", ref)
    if op in ("destroy", "forget", "unplug") and sr_in_use(store, sr):
        return XapiError("OPERATION_NOT_ALLOWED", "The SR has disks attached to running VMs.")
    if op == "update" and "SR_UPDATE" not in caps:
        return XapiError("SR_OPERATION_NOT_SUPPORTED", ref)
    return None


def sr_allowed(store: Store, ref: str) -> list[str]:
    sr = store.get("SR", ref)
    caps = sm_capabilities(store, sr["type"])
    return [op for op in SR_CANDIDATES if sr_error(store, ref, op, caps) is None]


# ---------------------------------------------------------------------------- upkeep
_COMPUTE = {
    "VM": vm_allowed,
    "host": host_allowed,
    "VDI": vdi_allowed,
    "VBD": vbd_allowed,
    "VIF": vif_allowed,
    "SR": sr_allowed,
}


def compute(store: Store, cls: str, ref: str) -> list[str]:
    """The operations ``ref`` (a VM, host, SR, VDI, VBD or VIF) offers now."""
    return _COMPUTE[cls](store, ref)


def refresh(store: Store, cls: str, ref: str) -> None:
    """Recompute one object's ``allowed_operations``; write only if the set changed."""
    rec = store.all(cls).get(ref)
    if rec is None:
        return
    new = _COMPUTE[cls](store, ref)
    if set(new) != set(rec["allowed_operations"]):
        store.set(cls, ref, "allowed_operations", new)


def refresh_all(store: Store) -> None:
    """Recompute every object (at start-up, after a seed or a database import)."""
    for cls in _COMPUTE:
        for ref in list(store.all(cls)):
            refresh(store, cls, ref)


class Keeper:
    """Store listener that follows each change to the objects whose operations it affects."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._attached: dict[str, tuple[bool, str]] = {}  # VBD -> (attached, VDI) last seen
        self._suspend_sr = {ref: rec["suspend_image_SR"] for ref, rec in store.all("pool").items()}

    def __call__(self, op: str, cls: str, ref: str) -> None:
        store = self.store
        if cls == "VM":
            if op != "del":
                refresh(store, "VM", ref)
                vm = store.all("VM").get(ref)
                if vm:
                    for vbd in vm["VBDs"]:
                        self._vbd_changed(vbd)
                    for vif in vm["VIFs"]:
                        refresh(store, "VIF", vif)
        elif cls == "VBD":
            self._vbd_changed(ref, deleted=op == "del")
        elif cls in ("VDI", "SR", "host", "VIF") and op != "del":
            refresh(store, cls, ref)
            if cls == "VDI":
                vdi = store.all("VDI").get(ref)
                if vdi and op == "add":
                    refresh(store, "SR", vdi["SR"])
        elif cls == "host_metrics" and op == "mod":
            for host, rec in store.all("host").items():
                if rec["metrics"] == ref:
                    refresh(store, "host", host)
        elif cls == "pool" and op == "mod":
            suspend_sr = store.get("pool", ref)["suspend_image_SR"]
            if suspend_sr != self._suspend_sr.get(ref):
                self._suspend_sr[ref] = suspend_sr
                for vm, rec in store.all("VM").items():
                    if rec["power_state"] == R:
                        refresh(store, "VM", vm)

    def _vbd_changed(self, ref: str, deleted: bool = False) -> None:
        store = self.store
        vbd = store.all("VBD").get(ref)
        previous = self._attached.pop(ref, None)
        if vbd is None or deleted:
            if previous:
                refresh(store, "VDI", previous[1])
            return
        refresh(store, "VBD", ref)
        vm = store.all("VM").get(vbd["VM"])
        now = (_vbd_active(store, vbd) and vm is not None, vbd["VDI"])
        self._attached[ref] = now
        if now != previous:
            for vdi in {now[1], previous[1] if previous else now[1]}:
                if vdi in store.all("VDI"):
                    refresh(store, "VDI", vdi)
                    refresh(store, "SR", store.get("VDI", vdi)["SR"])


def attach(sim: Any) -> None:
    """Simulator start-up hook: compute everything once, then follow the store's changes."""
    refresh_all(sim.store)
    sim.store.subscribe(Keeper(sim.store))
