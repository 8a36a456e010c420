"""Cross-pool migration between two simulators (storage XenMotion to another pool).

The destination pool's ``host.migrate_receive`` token names its coordinator's URL and a
session there. The source pool copies the disks, runs the live memory copy by the XenMotion
model, and hands the VM over with ``simulator.receive_vm`` on that URL (JSON-RPC, with the
token's session); the destination creates the VM, its disks on the mapped SRs and its VIFs
on the mapped networks, and the source forgets the VM and its disks, as XAPI does.

Only loopback destinations are contacted: a token naming any other address is refused.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.common import now
from xencenter_py.sim.behaviours.placement import (
    host_free_memory,
    host_is_live,
    host_sees_network,
    host_sees_sr,
    refresh_host_memory,
    vm_start_memory,
)
from xencenter_py.sim.behaviours.runtime import domain_started, ensure_vm_metrics
from xencenter_py.sim.behaviours.storage import new_vdi, sr_free
from xencenter_py.sim.dispatch import coerce, extension
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

PEER_TIMEOUT = 30.0

# VM fields that travel with the VM (the rest is the destination's own).
_VM_FIELDS = (
    "uuid",
    "name_label",
    "name_description",
    "user_version",
    "memory_static_max",
    "memory_static_min",
    "memory_dynamic_max",
    "memory_dynamic_min",
    "memory_target",
    "VCPUs_max",
    "VCPUs_at_startup",
    "VCPUs_params",
    "actions_after_shutdown",
    "actions_after_reboot",
    "actions_after_crash",
    "PV_bootloader",
    "PV_kernel",
    "PV_ramdisk",
    "PV_args",
    "PV_bootloader_args",
    "HVM_boot_policy",
    "HVM_boot_params",
    "HVM_shadow_multiplier",
    "platform",
    "other_config",
    "xenstore_data",
    "tags",
    "recommendations",
    "has_vendor_device",
    "domain_type",
    "power_state",
)
_GUEST_FIELDS = ("os_version", "PV_drivers_version", "PV_drivers_up_to_date", "PV_drivers_detected", "other")
_VDI_FIELDS = ("name_label", "name_description", "virtual_size", "physical_utilisation", "type", "sharable", "tags")
_VBD_FIELDS = ("userdevice", "bootable", "mode", "type", "unpluggable", "other_config")
_VIF_FIELDS = ("device", "MAC", "MTU", "other_config", "qos_algorithm_type", "qos_algorithm_params")


def is_remote(store: Store, dest: dict[str, str]) -> bool:
    """Whether a ``migrate_receive`` token names a host of another pool."""
    return dest.get("host", "") not in store.all("host")


def _pick(rec: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: rec[k] for k in names if k in rec}


def _disks(store: Store, vm: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for vbd in store.get("VM", vm)["VBDs"]:
        rec = store.all("VBD").get(vbd)
        if rec and not rec["empty"] and rec["VDI"] in store.all("VDI"):
            out.append((rec["VDI"], store.get("VDI", rec["VDI"]), rec))
    return out


def payload(store: Store, vm: str, dest: dict[str, str], vdi_map: dict[str, str], vif_map: dict[str, str]) -> str:
    """What the destination needs to re-create the VM; ``VDI_NOT_IN_MAP`` / ``VIF_NOT_IN_MAP``
    when a disk or VIF has no place in the other pool."""
    rec = store.get("VM", vm)
    disks = []
    for vdi, vdi_rec, vbd_rec in _disks(store, vm):
        if vdi not in vdi_map:
            raise XapiError("VDI_NOT_IN_MAP", vdi)
        disks.append({"vdi": _pick(vdi_rec, _VDI_FIELDS), "vbd": _pick(vbd_rec, _VBD_FIELDS), "SR": vdi_map[vdi]})
    vifs = []
    for vif in rec["VIFs"]:
        vif_rec = store.all("VIF").get(vif)
        if vif_rec is None:
            continue
        if vif not in vif_map:
            raise XapiError("VIF_NOT_IN_MAP", vif)
        vifs.append({"vif": _pick(vif_rec, _VIF_FIELDS), "network": vif_map[vif]})
    guest = store.all("VM_guest_metrics").get(rec["guest_metrics"])
    return json.dumps(
        {
            "host": dest["host"],
            "vm": _pick(rec, _VM_FIELDS),
            "guest": _pick(guest, _GUEST_FIELDS) if guest else None,
            "disks": disks,
            "vifs": vifs,
        },
        default=str,
    )


def _loopback_base(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
        parts = urlsplit("")
    if not loopback or parts.scheme not in ("http", "https"):
        raise XapiError("VM_MIGRATE_FAILED", "", "", "", f"the simulator reaches only loopback pools, not {url}")
    return f"{parts.scheme}://{parts.netloc}"


async def peer_receive(call: Call, vm: str, dest: dict[str, str], data: str, check_only: bool) -> str:
    """``simulator.receive_vm`` at the destination of ``dest``; its errors come back as ours."""
    base = _loopback_base(dest.get("master", ""))
    body = {
        "jsonrpc": "2.0",
        "method": "simulator.receive_vm",
        "params": [dest.get("session_id", ""), data, check_only],
    }
    source = call.store.get("VM", vm)["resident_on"]
    try:
        timeout = aiohttp.ClientTimeout(total=PEER_TIMEOUT)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(f"{base}/jsonrpc", json={**body, "id": 1}, ssl=False) as response,
        ):
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        raise XapiError(
            "VM_MIGRATE_FAILED", vm, source, dest.get("host", ""), f"destination unreachable: {e}"
        ) from None
    if answer.get("error"):
        error = answer["error"]
        if isinstance(error, dict) and error.get("message"):
            raise XapiError(str(error["message"]), *[str(p) for p in error.get("data") or ()])
        raise XapiError("VM_MIGRATE_FAILED", vm, source, dest.get("host", ""), str(error))
    return str(answer.get("result", NULL_REF))


def forget_migrated(store: Store, vm: str) -> None:
    """The source's side after the hand-over: the VM and its (moved) disks are gone."""
    from xencenter_py.sim.behaviours.storage import destroy_vdi
    from xencenter_py.sim.behaviours.vm_lifecycle import destroy_vm

    rec = store.get("VM", vm)
    host = rec["resident_on"]
    vdis = [vdi for vdi, _r, _b in _disks(store, vm)]
    destroy_vm(store, vm)
    for vdi in vdis:
        if store.exists("VDI", vdi) and not store.get("VDI", vdi)["VBDs"]:
            destroy_vdi(store, vdi)
    if store.exists("host", host):
        refresh_host_memory(store, host)


def _check_arrival(store: Store, data: dict[str, Any]) -> str:
    host = data.get("host", "")
    if host not in store.all("host"):
        raise XapiError("HANDLE_INVALID", "host", host)
    vm = data["vm"]
    if vm.get("uuid") and vm["uuid"] in {r["uuid"] for r in store.all("VM").values()}:
        raise XapiError("UUID_INVALID", "VM", vm["uuid"])
    needed: dict[str, int] = {}
    for disk in data["disks"]:
        sr = disk["SR"]
        if sr not in store.all("SR"):
            raise XapiError("HANDLE_INVALID", "SR", sr)
        if not host_sees_sr(store, host, sr):
            raise XapiError("VM_REQUIRES_SR", NULL_REF, sr)
        needed[sr] = needed.get(sr, 0) + int(disk["vdi"].get("physical_utilisation") or 0)
    for sr, size in needed.items():
        free = sr_free(store, sr)
        if free is not None and size > free:
            raise XapiError("SR_FULL", size, max(free, 0))
    for vif in data["vifs"]:
        network = vif["network"]
        if network not in store.all("network"):
            raise XapiError("HANDLE_INVALID", "network", network)
        if not host_sees_network(store, host, network):
            raise XapiError("VM_REQUIRES_NETWORK", NULL_REF, network)
    if vm.get("power_state") == "Running":
        if not host_is_live(store, host) or not store.get("host", host)["enabled"]:
            raise XapiError("HOST_DISABLED" if host_is_live(store, host) else "HOST_OFFLINE", host)
        record = {
            "memory_dynamic_max": 0,
            "memory_static_max": 0,
            "VCPUs_max": 1,
            "HVM_boot_policy": "",
            "HVM_shadow_multiplier": 1.0,
            **vm,
        }
        needed_memory, free_memory = vm_start_memory(record), host_free_memory(store, host)
        if needed_memory > free_memory:
            raise XapiError("HOST_NOT_ENOUGH_FREE_MEMORY", needed_memory, free_memory)
    return host


def _arrive(store: Store, data: dict[str, Any], host: str) -> str:
    fields = dict(data["vm"])
    running = fields.pop("power_state", "Halted") == "Running"
    vm = store.add("VM", {**fields, "power_state": "Halted", "affinity": host})
    ensure_vm_metrics(store, vm)
    if data.get("guest"):
        gm = store.add("VM_guest_metrics", {**data["guest"], "live": False, "last_updated": now()})
        store.set("VM", vm, "guest_metrics", gm)
    for disk in data["disks"]:
        vdi_fields = dict(disk["vdi"])
        size = int(vdi_fields.pop("virtual_size", 0))
        used = int(vdi_fields.pop("physical_utilisation", size))
        name = vdi_fields.pop("name_label", "")
        vdi = new_vdi(store, disk["SR"], name, size, physical=used, **vdi_fields)
        store.add("VBD", {**disk["vbd"], "VM": vm, "VDI": vdi, "empty": False})
    for vif in data["vifs"]:
        store.add("VIF", {**vif["vif"], "VM": vm, "network": vif["network"]})
    if running:
        domain_started(store, vm, host)
    return vm


def _typed(store: Store, cls: str, fields: Any) -> dict[str, Any]:
    """Fields from the wire decoded by their datamodel types (unknown names dropped)."""
    if not isinstance(fields, dict):
        raise TypeError(cls)
    known = store.dm.classes[cls].fields
    return {k: coerce(v, known[k].type, k) for k, v in fields.items() if k in known}


def _parse(store: Store, data: str) -> dict[str, Any]:
    """The payload with every record typed; ``INVALID_VALUE`` for anything else."""
    try:
        raw = json.loads(data)
        return {
            "host": str(raw["host"]),
            "vm": _typed(store, "VM", raw["vm"]),
            "guest": _typed(store, "VM_guest_metrics", raw["guest"]) if raw.get("guest") else None,
            "disks": [
                {"vdi": _typed(store, "VDI", d["vdi"]), "vbd": _typed(store, "VBD", d["vbd"]), "SR": str(d["SR"])}
                for d in raw["disks"]
            ],
            "vifs": [{"vif": _typed(store, "VIF", v["vif"]), "network": str(v["network"])} for v in raw["vifs"]],
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        raise XapiError("INVALID_VALUE", "payload", "not a migration payload") from None


extension("receive_vm", (("payload", "string"), ("check_only", "bool")), "VM ref")


@implements("simulator.receive_vm")
async def receive_vm(call: Call, data: str, check_only: bool) -> str:
    """The destination of a cross-pool migration: check, and unless ``check_only`` create."""
    parsed = _parse(call.store, data)
    host = _check_arrival(call.store, parsed)
    return NULL_REF if check_only else _arrive(call.store, parsed, host)
