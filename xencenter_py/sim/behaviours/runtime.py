"""The records that follow a domain's life: VM fields, VM_metrics, guest metrics, devices, consoles.

Power operations call :func:`domain_started` and :func:`domain_stopped` so every record a
client watches (``resident_on``, ``domid``, ``VM_metrics``, ``VM_guest_metrics``, VBD/VIF
``currently_attached``, consoles and the host's free memory) moves together.
"""

from __future__ import annotations

import hashlib
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.common import is_null, now
from xencenter_py.sim.behaviours.placement import refresh_host_memory, vm_overhead, vm_target
from xencenter_py.sim.store import Store

_last_domid: dict[str, int] = {}


def next_domid(store: Store, host: str) -> int:
    """Domain ids grow on each host and are not reused, as Xen does."""
    vms = store.all("VM")
    highest = max((vms[v]["domid"] for v in store.get("host", host)["resident_VMs"] if v in vms), default=0)
    domid = max(highest, _last_domid.get(host, 0)) + 1
    _last_domid[host] = domid
    return domid


def clear_stale_operations(store: Store) -> None:
    """Forget what only a running operation could have set (after a restart, whose tasks
    died with the process): ``current_operations`` everywhere and the VMs'
    ``scheduled_to_be_resident_on``. ``allowed_operations`` then follow at start-up."""
    for cls, rows in store.tables.items():
        if "current_operations" not in store.dm.classes[cls].fields:
            continue
        for ref, rec in list(rows.items()):
            if rec["current_operations"]:
                store.set(cls, ref, "current_operations", {})
    for vm, rec in list(store.tables["VM"].items()):
        if rec["scheduled_to_be_resident_on"] != NULL_REF:
            store.set("VM", vm, "scheduled_to_be_resident_on", NULL_REF)


def ensure_vm_metrics(store: Store, vm: str) -> str:
    """The VM's metrics record, created if an old dump or a client left it out."""
    rec = store.get("VM", vm)
    if rec["metrics"] in store.all("VM_metrics"):
        return rec["metrics"]
    ref = store.add("VM_metrics", {"VCPUs_utilisation": {0: 0.0}, "install_time": now()})
    store.set("VM", vm, "metrics", ref)
    return ref


def guest_ip(vif_uuid: str, index: int) -> str:
    """A stable private address for a VIF (the same each time the guest boots)."""
    digest = hashlib.sha1(vif_uuid.encode()).digest()
    return f"10.{20 + index}.{digest[0]}.{2 + digest[1] % 250}"


def guest_networks(store: Store, vm: str) -> dict[str, str]:
    networks: dict[str, str] = {}
    vifs = store.all("VIF")
    for vif in store.get("VM", vm)["VIFs"]:
        rec = vifs.get(vif)
        if rec is None:
            continue
        ip = guest_ip(rec["uuid"], 0)
        networks[f"{rec['device']}/ip"] = ip
        networks[f"{rec['device']}/ipv4/0"] = ip
    return networks


def _cpu_flags(store: Store, host: str) -> dict[str, str]:
    info = store.get("host", host)["cpu_info"]
    return {"vendor": info.get("vendor", "GenuineIntel"), "features": info.get("features", "")}


def domain_started(store: Store, vm: str, host: str, paused: bool = False, *, reboot: bool = False) -> None:
    """Bring every record in line with ``vm`` now running (or paused) on ``host``."""
    rec = store.get("VM", vm)
    started = now()
    host_cpus = max(len(store.get("host", host)["host_CPUs"]), 1)
    vcpus = rec["VCPUs_at_startup"]
    metrics = ensure_vm_metrics(store, vm)
    store.update(
        "VM_metrics",
        metrics,
        {
            "memory_actual": vm_target(rec),
            "VCPUs_number": vcpus,
            "VCPUs_CPU": {i: i % host_cpus for i in range(vcpus)},
            "VCPUs_utilisation": {i: 0.0 for i in range(vcpus)},
            "VCPUs_params": dict(rec["VCPUs_params"]),
            "start_time": started,
            "last_updated": started,
            "hvm": bool(rec["HVM_boot_policy"]),
            "current_domain_type": "hvm" if rec["HVM_boot_policy"] else "pv",
            "state": ["paused"] if paused else [],
        },
    )
    store.update(
        "VM",
        vm,
        {
            "power_state": "Paused" if paused else "Running",
            "resident_on": host,
            "scheduled_to_be_resident_on": NULL_REF,
            "domid": next_domid(store, host),
            "memory_overhead": vm_overhead(rec),
            "last_boot_CPU_flags": _cpu_flags(store, host),
            "suspend_VDI": NULL_REF,
        },
    )
    vbds = store.all("VBD")
    for vbd in rec["VBDs"]:
        if vbd in vbds:
            store.update("VBD", vbd, {"currently_attached": not vbds[vbd]["empty"], "device": _device(vbds[vbd])})
    for vif in rec["VIFs"]:
        if store.exists("VIF", vif):
            store.set("VIF", vif, "currently_attached", True)
    gm = rec["guest_metrics"]
    if gm in store.all("VM_guest_metrics"):
        store.update(
            "VM_guest_metrics", gm, {"live": True, "last_updated": started, "networks": guest_networks(store, vm)}
        )
    if not reboot and not any(store.exists("console", c) for c in rec["consoles"]):
        _add_console(store, vm, host)
    refresh_host_memory(store, host)


def _device(vbd: dict[str, Any]) -> str:
    if vbd["device"]:
        return vbd["device"]
    try:
        return "xvd" + "abcdefghijklmnop"[int(vbd["userdevice"])]
    except (ValueError, IndexError):
        return ""


def _add_console(store: Store, vm: str, host: str) -> None:
    address = store.get("host", host)["address"] or "localhost"
    uuid = store.get("VM", vm)["uuid"]
    store.add(
        "console",
        {"VM": vm, "protocol": "rfb", "location": f"https://{address}/console?uuid={uuid}"},
    )


def domain_stopped(store: Store, vm: str, state: str = "Halted", suspend_vdi: str = NULL_REF) -> None:
    """Bring every record in line with ``vm`` no longer running (halted or suspended)."""
    rec = store.get("VM", vm)
    host = rec["resident_on"]
    store.update(
        "VM",
        vm,
        {
            "power_state": state,
            "resident_on": NULL_REF,
            "scheduled_to_be_resident_on": NULL_REF,
            "domid": -1,
            "suspend_VDI": suspend_vdi,
        },
    )
    metrics = rec["metrics"]
    if metrics in store.all("VM_metrics"):
        store.update(
            "VM_metrics",
            metrics,
            {"memory_actual": 0, "VCPUs_number": 0, "VCPUs_CPU": {}, "state": [], "last_updated": now()},
        )
    for vbd in rec["VBDs"]:
        if store.exists("VBD", vbd):
            store.set("VBD", vbd, "currently_attached", False)
    for vif in rec["VIFs"]:
        if store.exists("VIF", vif):
            store.set("VIF", vif, "currently_attached", False)
    gm = rec["guest_metrics"]
    if gm in store.all("VM_guest_metrics"):
        store.set("VM_guest_metrics", gm, "live", False)
    for console in rec["consoles"]:
        if store.exists("console", console):
            store.delete("console", console)
    if not is_null(host) and store.exists("host", host):
        refresh_host_memory(store, host)


def rebooted(store: Store, vm: str) -> None:
    """A reboot keeps the host but gives the domain a new id and start time."""
    rec = store.get("VM", vm)
    domain_started(store, vm, rec["resident_on"], reboot=True)
