"""Disks and storage: VDI create/destroy/resize/clone/snapshot/copy, VBD plug and CD media,
SR scan, PBD plug — with SR capacity accounting and the SM driver's capabilities deciding
what each SR can do (protocol notes §10).
"""

from __future__ import annotations

from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.allowed_ops import has_pv_drivers, vdi_error
from xencenter_py.sim.behaviours.common import GiB, MiB, in_progress, is_null, now, sm_capabilities, work
from xencenter_py.sim.behaviours.storage_probe import forget_on_server, remember, validate_create
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store, new_uuid

COPY_SECONDS_PER_GIB = 1.5
# Thin (VHD-on-file) SRs allocate as the guest writes; a fresh disk occupies little.
_THIN_INITIAL = 0.02


def is_thin(store: Store, sr: str) -> bool:
    rec = store.get("SR", sr)
    if rec["sm_config"].get("allocation") == "thick":
        return False
    return rec["type"] in ("ext", "nfs", "file", "smb") or "THIN_PROVISIONING" in sm_capabilities(store, rec["type"])


def sr_free(store: Store, sr: str) -> int | None:
    """Free bytes on an SR, or None for SRs without a size (ISO libraries, devices)."""
    rec = store.get("SR", sr)
    if rec["physical_size"] <= 0:
        return None
    return rec["physical_size"] - rec["physical_utilisation"]


def account(store: Store, sr: str, physical: int, virtual: int) -> None:
    """Add (or, negative, give back) space used on an SR."""
    rec = store.get("SR", sr)
    store.update(
        "SR",
        sr,
        {
            "physical_utilisation": max(rec["physical_utilisation"] + physical, 0),
            "virtual_allocation": max(rec["virtual_allocation"] + virtual, 0),
        },
    )


def reserve(store: Store, sr: str, size: int) -> int:
    """Bytes the SR gives a new disk of ``size`` now; ``SR_FULL [requested, maximum]`` if it cannot."""
    physical = int(size * _THIN_INITIAL) if is_thin(store, sr) else size
    free = sr_free(store, sr)
    if free is not None and physical > free:
        raise XapiError("SR_FULL", size, max(free, 0))
    return physical


def new_vdi(
    store: Store,
    sr: str,
    name: str,
    size: int,
    *,
    type: str = "user",
    description: str = "",
    physical: int | None = None,
    **fields: Any,
) -> str:
    """Create a VDI on ``sr`` and account for its space (raises ``SR_FULL``)."""
    if not store.exists("SR", sr):
        raise XapiError("HANDLE_INVALID", "SR", sr)
    used = reserve(store, sr, size) if physical is None else physical
    uuid = new_uuid()
    sr_rec = store.get("SR", sr)
    record = {
        "uuid": uuid,
        "name_label": name,
        "name_description": description,
        "SR": sr,
        "virtual_size": size,
        "physical_utilisation": used,
        "type": type,
        "location": uuid,
        "managed": True,
        "sm_config": {"vdi_type": "vhd"} if sr_rec["type"] not in ("iso", "udev") else {},
        **fields,
    }
    ref = store.add("VDI", record)
    account(store, sr, used, size)
    return ref


def destroy_vdi(store: Store, vdi: str) -> None:
    """Delete a VDI with its (detached) VBDs and give the space back to its SR."""
    rec = store.get("VDI", vdi)
    for vbd in rec["VBDs"]:
        if store.exists("VBD", vbd):
            store.update("VBD", vbd, {"VDI": NULL_REF, "empty": True})
    store.delete("VDI", vdi)
    if store.exists("SR", rec["SR"]):
        account(store, rec["SR"], -rec["physical_utilisation"], -rec["virtual_size"])


def copy_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """The fields a copy or clone of a VDI keeps."""
    keep = ("name_label", "name_description", "sharable", "read_only", "other_config", "xenstore_data", "tags")
    return {k: rec[k] for k in keep}


def clone_vdi(store: Store, vdi: str, *, fast: bool | None = None, sr: str | None = None) -> str:
    """A writable copy: instant and thin on fast-clone SRs, a full copy otherwise."""
    rec = store.get("VDI", vdi)
    target = sr or rec["SR"]
    if fast is None:
        fast = target == rec["SR"] and "VDI_CLONE" in sm_capabilities(store, store.get("SR", target)["type"])
    if fast:
        physical: int | None = int(rec["virtual_size"] * _THIN_INITIAL)
    elif is_thin(store, target):
        physical = min(max(rec["physical_utilisation"], 0), rec["virtual_size"])  # a full copy of the data
    else:
        physical = rec["virtual_size"]
    free = sr_free(store, target)
    if free is not None and physical > free:
        raise XapiError("SR_FULL", rec["virtual_size"], max(free, 0))
    fields = copy_fields(rec)
    name = fields.pop("name_label")
    description = fields.pop("name_description")
    return new_vdi(
        store, target, name, rec["virtual_size"], type=rec["type"], description=description, physical=physical, **fields
    )


def snapshot_vdi(store: Store, vdi: str, when: Any = None) -> str:
    """A read-only point-in-time image of ``vdi`` (needs ``VDI_SNAPSHOT``)."""
    rec = store.get("VDI", vdi)
    if "VDI_SNAPSHOT" not in sm_capabilities(store, store.get("SR", rec["SR"])["type"]):
        raise XapiError("SR_OPERATION_NOT_SUPPORTED", rec["SR"])
    fields = copy_fields(rec)
    name = fields.pop("name_label")
    description = fields.pop("name_description")
    physical = max(int(rec["virtual_size"] * _THIN_INITIAL), MiB)
    reserve(store, rec["SR"], physical)
    return new_vdi(
        store,
        rec["SR"],
        name,
        rec["virtual_size"],
        type=rec["type"],
        description=description,
        physical=physical,
        is_a_snapshot=True,
        snapshot_of=vdi,
        snapshot_time=when or now(),
        **fields,
    )


def _assert_vdi_op(store: Store, vdi: str, op: str) -> None:
    err = vdi_error(store, vdi, op)
    if err is not None:
        raise err


# ---------------------------------------------------------------------------- VDI calls
@implements("VDI.create")
async def vdi_create(call: Call, args: dict[str, Any]) -> str:
    store = call.store
    sr = args.get("SR", NULL_REF)
    if not store.exists("SR", sr):
        call.fail("HANDLE_INVALID", "SR", sr)
    sr_rec = store.get("SR", sr)
    if "VDI_CREATE" not in sm_capabilities(store, sr_rec["type"]):
        call.fail("SR_OPERATION_NOT_SUPPORTED", sr)
    size = int(args.get("virtual_size", 0))
    if size < 0:
        call.fail("INVALID_VALUE", "virtual_size", size)
    fields = {k: v for k, v in args.items() if k not in ("SR", "virtual_size", "name_label", "type")}
    fields.pop("uuid", None)
    return new_vdi(
        store,
        sr,
        args.get("name_label", ""),
        size,
        type=args.get("type", "user"),
        **{k: v for k, v in fields.items() if k != "name_description"},
        description=args.get("name_description", ""),
    )


@implements("VDI.destroy")
async def vdi_destroy(call: Call, vdi: str) -> None:
    _assert_vdi_op(call.store, vdi, "destroy")
    async with in_progress(call, "VDI", vdi, "destroy"):
        await work(call, 1.0, 0.0, 0.9, 1)
    destroy_vdi(call.store, vdi)


async def _resize(call: Call, vdi: str, size: int, op: str) -> None:
    store = call.store
    _assert_vdi_op(store, vdi, op)
    rec = store.get("VDI", vdi)
    if size < rec["virtual_size"]:
        call.fail("INVALID_VALUE", "size", size)
    grow = size - rec["virtual_size"]
    physical = 0 if is_thin(store, rec["SR"]) else grow
    free = sr_free(store, rec["SR"])
    if free is not None and physical > free:
        call.fail("SR_FULL", grow, free)
    async with in_progress(call, "VDI", vdi, op):
        await work(call, 1.0, 0.0, 0.9, 1)
        store.update("VDI", vdi, {"virtual_size": size, "physical_utilisation": rec["physical_utilisation"] + physical})
        account(store, rec["SR"], physical, grow)


@implements("VDI.resize")
async def vdi_resize(call: Call, vdi: str, size: int) -> None:
    await _resize(call, vdi, size, "resize")


@implements("VDI.resize_online")
async def vdi_resize_online(call: Call, vdi: str, size: int) -> None:
    await _resize(call, vdi, size, "resize_online")


@implements("VDI.clone")
async def vdi_clone(call: Call, vdi: str, driver_params: dict[str, str]) -> str:
    _assert_vdi_op(call.store, vdi, "clone")
    async with in_progress(call, "VDI", vdi, "clone"):
        await work(call, 1.0, 0.0, 0.9, 1)
        return clone_vdi(call.store, vdi, fast=True)


@implements("VDI.snapshot")
async def vdi_snapshot(call: Call, vdi: str, driver_params: dict[str, str]) -> str:
    _assert_vdi_op(call.store, vdi, "snapshot")
    async with in_progress(call, "VDI", vdi, "snapshot"):
        await work(call, 1.0, 0.0, 0.9, 1)
        return snapshot_vdi(call.store, vdi)


@implements("VDI.copy")
async def vdi_copy(call: Call, vdi: str, sr: str, base_vdi: str, into_vdi: str) -> str:
    store = call.store
    rec = store.get("VDI", vdi)
    target = rec["SR"] if is_null(sr) else sr
    if not store.exists("SR", target):
        call.fail("HANDLE_INVALID", "SR", target)
    if not is_null(into_vdi):
        into = store.get("VDI", into_vdi)
        if into["read_only"]:
            call.fail("VDI_READONLY", into_vdi)
        if into["virtual_size"] < rec["virtual_size"]:
            call.fail("VDI_TOO_SMALL", into_vdi, into["virtual_size"], rec["virtual_size"])
    _assert_vdi_op(store, vdi, "copy")
    async with in_progress(call, "VDI", vdi, "copy"):
        call.allow_cancel(True)
        await work(call, max(rec["virtual_size"] / GiB, 0.1) * COPY_SECONDS_PER_GIB, 0.0, 0.95, 5)
        call.allow_cancel(False)
        if not is_null(into_vdi):
            return into_vdi
        return clone_vdi(store, vdi, fast=False, sr=target)


# ---------------------------------------------------------------------------- VBD calls
def _vm_running(store: Store, vbd: dict[str, Any]) -> bool:
    vm = store.all("VM").get(vbd["VM"])
    return bool(vm and vm["power_state"] in ("Running", "Paused"))


def _assert_hotplug(call: Call, vbd: dict[str, Any]) -> None:
    """Disks are hot-plugged by the guest's PV drivers: an HVM guest without tools cannot."""
    vm = call.store.get("VM", vbd["VM"])
    if vbd["type"] == "Disk" and not has_pv_drivers(call.store, vm):
        call.fail("VM_MISSING_PV_DRIVERS", vbd["VM"])


@implements("VBD.plug")
async def vbd_plug(call: Call, vbd: str) -> None:
    store = call.store
    rec = store.get("VBD", vbd)
    if not _vm_running(store, rec):
        call.fail("VM_BAD_POWER_STATE", rec["VM"], "running", store.get("VM", rec["VM"])["power_state"].lower())
    _assert_hotplug(call, rec)
    if rec["currently_attached"]:
        call.fail("DEVICE_ALREADY_ATTACHED", vbd)
    async with in_progress(call, "VBD", vbd, "plug"):
        await work(call, 1.0, 0.0, 0.9, 1)
        store.set("VBD", vbd, "currently_attached", not rec["empty"])


async def _unplug(call: Call, vbd: str, op: str) -> None:
    store = call.store
    rec = store.get("VBD", vbd)
    if not rec["currently_attached"]:
        call.fail("DEVICE_ALREADY_DETACHED", vbd)
    if op == "unplug" and not rec["unpluggable"]:
        call.fail("VBD_NOT_UNPLUGGABLE", vbd)
    _assert_hotplug(call, rec)
    async with in_progress(call, "VBD", vbd, op):
        await work(call, 1.0, 0.0, 0.9, 1)
        store.set("VBD", vbd, "currently_attached", False)


@implements("VBD.unplug")
async def vbd_unplug(call: Call, vbd: str) -> None:
    await _unplug(call, vbd, "unplug")


@implements("VBD.unplug_force")
async def vbd_unplug_force(call: Call, vbd: str) -> None:
    await _unplug(call, vbd, "unplug_force")


@implements("VBD.insert")
async def vbd_insert(call: Call, vbd: str, vdi: str) -> None:
    store = call.store
    rec = store.get("VBD", vbd)
    if rec["type"] != "CD":
        call.fail("VBD_NOT_REMOVABLE_MEDIA", vbd)
    if not rec["empty"]:
        call.fail("VBD_NOT_EMPTY", vbd)
    store.get("VDI", vdi)
    async with in_progress(call, "VBD", vbd, "insert"):
        await work(call, 0.5, 0.0, 0.9, 1)
        store.update("VBD", vbd, {"VDI": vdi, "empty": False, "currently_attached": _vm_running(store, rec)})


@implements("VBD.eject")
async def vbd_eject(call: Call, vbd: str) -> None:
    store = call.store
    rec = store.get("VBD", vbd)
    if rec["type"] != "CD":
        call.fail("VBD_NOT_REMOVABLE_MEDIA", vbd)
    if rec["empty"]:
        call.fail("VBD_IS_EMPTY", vbd)
    async with in_progress(call, "VBD", vbd, "eject"):
        await work(call, 0.5, 0.0, 0.9, 1)
        store.update("VBD", vbd, {"VDI": NULL_REF, "empty": True, "currently_attached": False})


# ---------------------------------------------------------------------------- SR / PBD
@implements("SR.scan")
async def sr_scan(call: Call, sr: str) -> None:
    store = call.store
    store.get("SR", sr)
    async with in_progress(call, "SR", sr, "scan"):
        await work(call, 2.0, 0.0, 0.9, 2)
        vdis = store.all("VDI")
        used = sum(vdis[v]["physical_utilisation"] for v in store.get("SR", sr)["VDIs"] if v in vdis)
        virtual = sum(vdis[v]["virtual_size"] for v in store.get("SR", sr)["VDIs"] if v in vdis)
        if store.get("SR", sr)["physical_size"] > 0:
            store.update("SR", sr, {"physical_utilisation": used, "virtual_allocation": virtual})


@implements("PBD.plug")
async def pbd_plug(call: Call, pbd: str) -> None:
    store = call.store
    rec = store.get("PBD", pbd)
    sr = store.get("SR", rec["SR"])
    if not any(sm["type"] == sr["type"] for sm in store.all("SM").values()):
        call.fail("SR_UNKNOWN_DRIVER", sr["type"])
    await work(call, 2.0, 0.0, 0.9, 2)
    store.set("PBD", pbd, "currently_attached", True)


@implements("PBD.unplug")
async def pbd_unplug(call: Call, pbd: str) -> None:
    store = call.store
    rec = store.get("PBD", pbd)
    vdis = store.all("VDI")
    vbds = store.all("VBD")
    vms = store.all("VM")
    for vdi in store.get("SR", rec["SR"])["VDIs"]:
        for vbd in vdis[vdi]["VBDs"] if vdi in vdis else ():
            vbd_rec = vbds.get(vbd)
            vm = vms.get(vbd_rec["VM"]) if vbd_rec else None
            if vbd_rec and vbd_rec["currently_attached"] and vm and vm["resident_on"] == rec["host"]:
                call.fail("VDI_IN_USE", vdi, "unplug")
    await work(call, 1.0, 0.0, 0.9, 1)
    store.set("PBD", pbd, "currently_attached", False)


# Size a newly created SR reports when the caller passes 0 (XenCenter always does).
_NEW_SR_SIZE = {"iso": -1, "udev": -1, "lvm": 250 * GiB, "ext": 250 * GiB, "lvhd": 250 * GiB}
_DEFAULT_NEW_SR_SIZE = 2 * 1024 * GiB


@implements("SR.create")
async def sr_create(
    call: Call,
    host: str,
    device_config: dict[str, str],
    physical_size: int,
    name_label: str,
    name_description: str,
    type: str,
    content_type: str,
    shared: bool,
    sm_config: dict[str, str],
) -> str:
    """Create an SR with a plugged PBD on ``host`` (on every host when shared)."""
    store = call.store
    if not any(sm["type"] == type for sm in store.all("SM").values()):
        call.fail("SR_UNKNOWN_DRIVER", type)
    on_server = validate_create(store, type, device_config)
    size = physical_size or _NEW_SR_SIZE.get(type, _DEFAULT_NEW_SR_SIZE)
    await work(call, 5.0, 0.0, 0.8, 3)
    sr = store.add(
        "SR",
        {
            "name_label": name_label,
            "name_description": name_description,
            "type": type,
            "content_type": content_type,
            "shared": shared,
            "sm_config": dict(sm_config),
            "physical_size": size,
            "physical_utilisation": 0 if size > 0 else -1,
            "virtual_allocation": 0,
        },
    )
    for h in list(store.all("host")) if shared else [host]:
        control_domain = store.get("host", h)["control_domain"]
        store.add(
            "PBD",
            {
                "host": h,
                "SR": sr,
                "device_config": dict(device_config),
                "currently_attached": True,
                "other_config": {"storage_driver_domain": control_domain} if not is_null(control_domain) else {},
            },
        )
    await work(call, 1.0, 0.8, 0.99, 1)
    remember(store, type, device_config, store.get("SR", sr), on_server)
    return sr


async def _remove_sr(call: Call, sr: str) -> None:
    store = call.store
    rec = store.get("SR", sr)
    if any(store.all("PBD").get(p, {}).get("currently_attached") for p in rec["PBDs"]):
        call.fail("SR_HAS_PBD", sr)
    await work(call, 2.0, 0.0, 0.9, 2)
    for vdi in list(rec["VDIs"]):
        if store.exists("VDI", vdi):
            destroy_vdi(store, vdi)
    for pbd in list(store.get("SR", sr)["PBDs"]):
        if store.exists("PBD", pbd):
            store.delete("PBD", pbd)
    store.delete("SR", sr)


@implements("SR.destroy")
async def sr_destroy(call: Call, sr: str) -> None:
    uuid = call.store.get("SR", sr)["uuid"]
    await _remove_sr(call, sr)
    forget_on_server(call.store, uuid)


@implements("SR.forget")
async def sr_forget(call: Call, sr: str) -> None:
    await _remove_sr(call, sr)
