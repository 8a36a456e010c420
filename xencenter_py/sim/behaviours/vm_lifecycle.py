"""A VM's life beyond power: clone, copy, snapshot, checkpoint, revert, destroy, provision,
and turning VMs into templates. Disks follow: a clone on an SR with fast clone shares its
parent (instant, thin), otherwise each disk is copied in full and that takes time.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.allowed_ops import assert_vm_op, has_pv_drivers
from xencenter_py.sim.behaviours.common import GiB, in_progress, is_null, now, pool_ref, sm_capabilities, work
from xencenter_py.sim.behaviours.runtime import domain_stopped
from xencenter_py.sim.behaviours.storage import COPY_SECONDS_PER_GIB, clone_vdi, destroy_vdi, new_vdi, snapshot_vdi
from xencenter_py.sim.behaviours.vm_power import suspend_sr
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store, new_uuid

# VM fields a new VM (clone, copy, snapshot) does not inherit from its source.
_FRESH = (
    "uuid",
    "allowed_operations",
    "current_operations",
    "resident_on",
    "scheduled_to_be_resident_on",
    "domid",
    "metrics",
    "guest_metrics",
    "consoles",
    "VBDs",
    "VIFs",
    "snapshots",
    "children",
    "crash_dumps",
    "VTPMs",
    "VGPUs",
    "VUSBs",
    "attached_PCIs",
    "suspend_VDI",
    "snapshot_of",
    "parent",
    "is_a_snapshot",
    "is_default_template",
    "snapshot_time",
    "snapshot_info",
    "snapshot_metadata",
    "transportable_snapshot_id",
    "is_snapshot_from_vmpp",
    "is_vmss_snapshot",
    "last_booted_record",
    "last_boot_CPU_flags",
    "power_state",
)
_RESTORED_BY_REVERT = (
    "memory_static_min",
    "memory_static_max",
    "memory_dynamic_min",
    "memory_dynamic_max",
    "memory_target",
    "VCPUs_max",
    "VCPUs_at_startup",
    "VCPUs_params",
    "platform",
    "HVM_boot_policy",
    "HVM_boot_params",
    "HVM_shadow_multiplier",
    "PV_bootloader",
    "PV_kernel",
    "PV_ramdisk",
    "PV_args",
    "PV_bootloader_args",
    "PV_legacy_args",
    "actions_after_shutdown",
    "actions_after_reboot",
    "actions_after_crash",
)


def random_mac() -> str:
    """A locally administered unicast MAC, as XAPI generates for new VIFs."""
    octets = [random.randrange(256) for _ in range(6)]
    octets[0] = (octets[0] & 0xFC) | 0x02
    return ":".join(f"{o:02x}" for o in octets)


def _copy_record(store: Store, vm: str, name: str) -> dict[str, Any]:
    src = store.get("VM", vm)
    rec = {k: v for k, v in src.items() if k not in _FRESH}
    other = dict(src["other_config"])
    other.pop("default_template", None)
    other["mac_seed"] = new_uuid()
    rec.update(name_label=name, other_config=other, power_state="Halted", domid=-1)
    return rec


def _new_metrics(store: Store, vm: str) -> str:
    return store.add("VM_metrics", {"VCPUs_utilisation": {0: 0.0}, "install_time": now(), "last_updated": now()})


def _copy_guest_metrics(store: Store, vm: str) -> str:
    """The guest's tools travel with its disks, so a copy reports the same tools when it boots."""
    gm = store.get("VM", vm)["guest_metrics"]
    src = store.all("VM_guest_metrics").get(gm)
    if src is None:
        return NULL_REF
    fields = {k: v for k, v in src.items() if k not in ("uuid", "networks")}
    fields["live"] = False
    return store.add("VM_guest_metrics", fields)


class _Undo:
    """Objects created so far, deleted again if the operation fails or is cancelled."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.vdis: list[str] = []
        self.others: list[tuple[str, str]] = []

    def rollback(self) -> None:
        for cls, ref in reversed(self.others):
            if self.store.exists(cls, ref):
                self.store.delete(cls, ref)
        for vdi in self.vdis:
            if self.store.exists("VDI", vdi):
                destroy_vdi(self.store, vdi)


def _disk_pairs(store: Store, vm: str) -> list[tuple[str, dict[str, Any]]]:
    """(VBD, record) of every VBD of the VM, disks first."""
    vbds = store.all("VBD")
    pairs = [(r, vbds[r]) for r in store.get("VM", vm)["VBDs"] if r in vbds]
    return sorted(pairs, key=lambda p: (p[1]["type"] != "Disk", p[1]["userdevice"]))


def _needs_copy(store: Store, vbd: dict[str, Any]) -> bool:
    """CDs and read-only media are shared, not copied."""
    if vbd["empty"] or vbd["type"] == "CD" or not store.exists("VDI", vbd["VDI"]):
        return False
    sr = store.all("SR").get(store.get("VDI", vbd["VDI"])["SR"])
    return bool(sr and sr["content_type"] != "iso")


async def _duplicate(
    call: Call,
    vm: str,
    name: str,
    *,
    mode: str,
    sr: str = NULL_REF,
    ignore_vdis: tuple[str, ...] = (),
    undo: _Undo,
) -> str:
    """Create the new VM for clone/copy/snapshot/checkpoint with its devices and disks."""
    store = call.store
    src = store.get("VM", vm)
    rec = _copy_record(store, vm, name)
    when = now()
    if mode in ("snapshot", "checkpoint"):
        rec.update(
            is_a_snapshot=True,
            is_a_template=True,
            snapshot_of=vm,
            snapshot_time=when,
            parent=src["parent"],
            snapshot_info={"power-state-at-snapshot": src["power_state"]},
        )
    elif src["is_a_snapshot"]:
        rec["parent"] = vm
    rec["metrics"] = _new_metrics(store, vm)
    undo.others.append(("VM_metrics", rec["metrics"]))
    rec["guest_metrics"] = _copy_guest_metrics(store, vm)
    if not is_null(rec["guest_metrics"]):
        undo.others.append(("VM_guest_metrics", rec["guest_metrics"]))
    new = store.add("VM", rec)
    undo.others.append(("VM", new))
    pairs = _disk_pairs(store, vm)
    total = sum(store.get("VDI", v["VDI"])["virtual_size"] for _, v in pairs if _needs_copy(store, v)) or 1
    done = 0
    for _, vbd in pairs:
        vdi = vbd["VDI"]
        if _needs_copy(store, vbd) and vdi not in ignore_vdis:
            size = store.get("VDI", vdi)["virtual_size"]
            if mode in ("snapshot", "checkpoint"):
                await work(call, 0.5, 0.1 + 0.8 * done / total, 0.1 + 0.8 * (done + size) / total, 1)
                new_vdi_ref = snapshot_vdi(store, vdi, when)
            else:
                vdi_sr = store.get("VDI", vdi)["SR"]
                fast = mode == "clone" and "VDI_CLONE" in sm_capabilities(store, store.get("SR", vdi_sr)["type"])
                seconds = 0.5 if fast else max(size / GiB, 0.1) * COPY_SECONDS_PER_GIB
                await work(call, seconds, 0.1 + 0.8 * done / total, 0.1 + 0.8 * (done + size) / total, 3)
                target = vdi_sr if is_null(sr) or mode == "clone" else sr
                new_vdi_ref = clone_vdi(store, vdi, fast=fast, sr=target)
            undo.vdis.append(new_vdi_ref)
            done += size
        elif vdi in ignore_vdis:
            continue
        else:
            new_vdi_ref = vdi if not vbd["empty"] else NULL_REF
        fields = {
            k: vbd[k]
            for k in (
                "userdevice",
                "bootable",
                "mode",
                "type",
                "unpluggable",
                "empty",
                "other_config",
                "qos_algorithm_type",
                "qos_algorithm_params",
            )
        }
        fields.update(VM=new, VDI=new_vdi_ref, device="")
        undo.others.append(("VBD", store.add("VBD", fields)))
    vifs = store.all("VIF")
    for vif in src["VIFs"]:
        v = vifs.get(vif)
        if v is None:
            continue
        fields = {
            k: v[k] for k in ("device", "network", "MTU", "other_config", "qos_algorithm_type", "qos_algorithm_params")
        }
        fields.update(VM=new, MAC=random_mac(), MAC_autogenerated=True)
        undo.others.append(("VIF", store.add("VIF", fields)))
    return new


async def _run_duplicate(call: Call, vm: str, name: str, op: str, **kw: Any) -> str:
    store = call.store
    assert_vm_op(store, vm, op)
    undo = _Undo(store)
    async with in_progress(call, "VM", vm, op):
        call.allow_cancel(True)
        try:
            await call.step(0.5, 0.05)
            new = await _duplicate(call, vm, name, mode=op, undo=undo, **kw)
            call.allow_cancel(False)
        except XapiError:
            undo.rollback()
            raise
    return new


@implements("VM.clone")
async def clone(call: Call, vm: str, new_name: str) -> str:
    return await _run_duplicate(call, vm, new_name, "clone")


@implements("VM.copy")
async def copy(call: Call, vm: str, new_name: str, sr: str) -> str:
    if not is_null(sr):
        call.store.get("SR", sr)
    return await _run_duplicate(call, vm, new_name, "copy", sr=sr)


@implements("VM.snapshot")
async def snapshot(call: Call, vm: str, new_name: str, ignore_vdis: list[str]) -> str:
    new = await _run_duplicate(call, vm, new_name, "snapshot", ignore_vdis=tuple(ignore_vdis))
    call.store.set("VM", vm, "parent", new)
    return new


@implements("VM.checkpoint")
async def checkpoint(call: Call, vm: str, new_name: str) -> str:
    """A snapshot with the memory image: the snapshot is Suspended and reverts to running."""
    store = call.store
    sr = suspend_sr(store, vm)
    new = await _run_duplicate(call, vm, new_name, "checkpoint")
    rec = store.get("VM", vm)
    image = new_vdi(store, sr, f"Suspend image for {new_name}", rec["memory_static_max"], type="suspend")
    store.update("VM", new, {"power_state": "Suspended", "suspend_VDI": image})
    store.set("VM", vm, "parent", new)
    return new


@implements("VM.revert")
async def revert(call: Call, snapshot: str) -> None:
    """Put the VM back to the snapshot: stop it, swap its disks for copies of the snapshot's."""
    store = call.store
    snap = store.get("VM", snapshot)
    assert_vm_op(store, snapshot, "revert")
    vm = snap["snapshot_of"]
    if not store.exists("VM", vm):
        call.fail("VM_REVERT_FAILED", snapshot, vm)
    target = store.get("VM", vm)
    if target["current_operations"]:
        task, running = next(iter(target["current_operations"].items()))
        call.fail("OTHER_OPERATION_IN_PROGRESS", "VM", vm, running, task)
    async with in_progress(call, "VM", vm, "revert"), in_progress(call, "VM", snapshot, "revert"):
        await work(call, 1.0, 0.0, 0.2, 1)
        old_suspend = target["suspend_VDI"]
        domain_stopped(store, vm)
        if store.exists("VDI", old_suspend):
            destroy_vdi(store, old_suspend)
        old = {r: v for r, v in _disk_pairs(store, vm)}
        for vbd, rec in old.items():
            if _needs_copy(store, rec):
                vdi = rec["VDI"]
                store.delete("VBD", vbd)
                if not store.get("VDI", vdi)["VBDs"]:
                    destroy_vdi(store, vdi)
            else:
                store.delete("VBD", vbd)
        for _vbd, rec in _disk_pairs(store, snapshot):
            await work(call, 0.5, 0.2, 0.9, 1)
            vdi = clone_vdi(store, rec["VDI"], fast=True) if _needs_copy(store, rec) else rec["VDI"]
            fields = {
                k: rec[k] for k in ("userdevice", "bootable", "mode", "type", "unpluggable", "empty", "other_config")
            }
            fields.update(VM=vm, VDI=vdi if not rec["empty"] else NULL_REF, device="")
            store.add("VBD", fields)
        changes = {k: snap[k] for k in _RESTORED_BY_REVERT}
        changes["parent"] = snapshot
        if snap["power_state"] == "Suspended" and store.exists("VDI", snap["suspend_VDI"]):
            changes["power_state"] = "Suspended"
            changes["suspend_VDI"] = clone_vdi(store, snap["suspend_VDI"], fast=True)
        store.update("VM", vm, changes)


def destroy_vm(store: Store, vm: str) -> None:
    """Delete a VM record with its devices and metrics (disks stay, as in XAPI)."""
    rec = store.get("VM", vm)
    for cls, refs in (("VBD", rec["VBDs"]), ("VIF", rec["VIFs"]), ("console", rec["consoles"])):
        for ref in refs:
            if store.exists(cls, ref):
                store.delete(cls, ref)
    if store.exists("VDI", rec["suspend_VDI"]):
        destroy_vdi(store, rec["suspend_VDI"])
    for cls, ref in (("VM_metrics", rec["metrics"]), ("VM_guest_metrics", rec["guest_metrics"])):
        if store.exists(cls, ref):
            store.delete(cls, ref)
    for child in rec["children"]:
        if store.exists("VM", child):
            store.set("VM", child, "parent", rec["parent"])
    origin = store.all("VM").get(rec["snapshot_of"])
    if origin is not None and origin["parent"] == vm:
        store.set("VM", rec["snapshot_of"], "parent", rec["parent"])
    store.delete("VM", vm)


@implements("VM.destroy")
async def destroy(call: Call, vm: str) -> None:
    assert_vm_op(call.store, vm, "destroy")
    destroy_vm(call.store, vm)


def provision_disks(store: Store, vm: str) -> list[dict[str, str]]:
    """The ``<provision>`` disks a template asks for (other_config ``disks``)."""
    text = store.get("VM", vm)["other_config"].get("disks", "")
    if not text:
        return []
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise XapiError("INVALID_VALUE", "other_config:disks", text) from None
    return [dict(d.attrib) for d in root.iter("disk")]


def _default_sr(store: Store) -> str:
    pool = pool_ref(store)
    return store.get("pool", pool)["default_SR"] if pool else NULL_REF


@implements("VM.provision")
async def provision(call: Call, vm: str) -> None:
    """Create the disks a template's ``disks`` key describes (on its SR or the pool default)."""
    assert_vm_op(call.store, vm, "provision")
    async with in_progress(call, "VM", vm, "provision"):
        await _provision(call, vm)


async def provision_on_first_boot(call: Call, vm: str) -> None:
    """XAPI provisions a VM cloned from a default template when it first starts ("Clones of
    this template will automatically provision their storage when first booted")."""
    if call.store.get("VM", vm)["other_config"].get("disks"):
        await _provision(call, vm)


async def _provision(call: Call, vm: str) -> None:
    store = call.store
    disks = provision_disks(store, vm)
    undo = _Undo(store)
    try:
        for i, disk in enumerate(disks):
            sr = store.ref_by_uuid("SR", disk.get("sr", "")) or _default_sr(store)
            if is_null(sr) or not store.exists("SR", sr):
                call.fail("VM_REQUIRES_SR", vm, sr)
            await work(call, 1.0, i / max(len(disks), 1), (i + 1) / max(len(disks), 1), 1)
            size = int(disk.get("size", "0"))
            vdi = new_vdi(store, sr, f"{store.get('VM', vm)['name_label']} {i}", size, type=disk.get("type", "system"))
            undo.vdis.append(vdi)
            vbd = store.add(
                "VBD",
                {
                    "VM": vm,
                    "VDI": vdi,
                    "userdevice": disk.get("device", str(i)),
                    "bootable": disk.get("bootable", "false") == "true",
                    "mode": "RW",
                    "type": "Disk",
                    "unpluggable": True,
                },
            )
            undo.others.append(("VBD", vbd))
    except XapiError:
        undo.rollback()
        raise
    other = dict(store.get("VM", vm)["other_config"])
    other.pop("disks", None)
    store.set("VM", vm, "other_config", other)


@implements("VM.set_is_a_template")
async def set_is_a_template(call: Call, vm: str, value: bool) -> None:
    """Convert a halted VM into a template (or a template back into a VM)."""
    store = call.store
    rec = store.get("VM", vm)
    if value == rec["is_a_template"]:
        return
    if value:
        assert_vm_op(store, vm, "make_into_template")
        store.update("VM", vm, {"is_a_template": True, "affinity": NULL_REF})
    else:
        if rec["is_a_snapshot"]:
            call.fail("VM_IS_SNAPSHOT", vm, "make_into_template")
        other = dict(rec["other_config"])
        other.pop("default_template", None)
        store.update("VM", vm, {"is_a_template": False, "is_default_template": False, "other_config": other})


@implements("VM.get_allowed_VBD_devices")
async def get_allowed_vbd_devices(call: Call, vm: str) -> list[str]:
    """Free disk slots: 0-3 for an HVM guest without PV drivers (emulated IDE), else 0-15."""
    store = call.store
    rec = store.get("VM", vm)
    limit = 4 if rec["HVM_boot_policy"] and not has_pv_drivers(store, rec) and rec["power_state"] != "Halted" else 16
    used = {store.get("VBD", v)["userdevice"] for v in rec["VBDs"] if store.exists("VBD", v)}
    return [str(i) for i in range(limit) if str(i) not in used]


@implements("VM.get_allowed_VIF_devices")
async def get_allowed_vif_devices(call: Call, vm: str) -> list[str]:
    store = call.store
    used = {store.get("VIF", v)["device"] for v in store.get("VM", vm)["VIFs"] if store.exists("VIF", v)}
    return [str(i) for i in range(7) if str(i) not in used]
