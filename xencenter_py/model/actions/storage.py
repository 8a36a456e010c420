"""Disk and DVD actions of the Storage tabs: add, attach, activate/deactivate, detach,
resize and delete a virtual disk, change or eject the DVD, rescan an SR, install tools.

Each checks what it can before calling (sizes, the SR's capabilities from its driver), so
a refusal arrives as an :class:`ActionError` in the user's language; the pool still has
the last word and its failures pass through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model import storage_types
from xencenter_py.model.actions.base import ActionError, Progress, Step, no_progress, run_steps
from xencenter_py.xapi.errors import Failure

NULL = "OpaqueRef:NULL"


@dataclass(frozen=True)
class NewDisk:
    """What the Add Virtual Disk dialog collects."""

    name: str
    size: int
    sr: Any
    description: str = ""


def _require(sr: Any, capability: str) -> None:
    reason = storage_types.cannot(sr, capability)
    if reason:
        raise ActionError(reason)


def _check_size(sr: Any, size: int) -> None:
    if size <= 0:
        raise ActionError(_("The disk size must be greater than zero"))
    if sr.physical_size > 0 and not storage_types.is_thin(sr):
        free = sr.physical_size - sr.physical_utilisation
        if size > free:
            raise ActionError(_("There is not enough free space on '{sr}' for this disk").format(sr=sr.name))


async def create_vdi(conn: Any, disk: NewDisk, progress: Progress = no_progress) -> str:
    """A new empty virtual disk on ``disk.sr`` (the SR tab's Add)."""
    if not disk.name.strip():
        raise ActionError(_("Enter a name for the disk"))
    _require(disk.sr, "VDI_CREATE")
    _check_size(disk.sr, disk.size)
    record = {
        "SR": disk.sr.ref,
        "virtual_size": disk.size,
        "name_label": disk.name.strip(),
        "name_description": disk.description,
        "type": "user",
        "sharable": False,
        "read_only": False,
        "other_config": {},
        "xenstore_data": {},
        "sm_config": {},
        "tags": [],
    }
    return str(await conn.run_task("VDI.create", record, progress=lambda f: progress(f, "")))


async def _free_device(conn: Any, vm: Any) -> str:
    devices = await conn.call("VM.get_allowed_VBD_devices", vm.ref)
    if not devices:
        raise ActionError(_("The VM has no free disk position left"))
    return str(sorted(devices, key=lambda d: int(d) if str(d).isdigit() else 99)[0])


async def attach_vdi(conn: Any, vm: Any, vdi_ref: str, *, read_only: bool = False) -> str:
    """Connect a disk to ``vm`` at the first free position; plugged at once when it runs."""
    record = {
        "VM": vm.ref,
        "VDI": vdi_ref,
        "userdevice": await _free_device(conn, vm),
        "bootable": False,
        "mode": "RO" if read_only else "RW",
        "type": "Disk",
        "unpluggable": True,
        "empty": False,
        "other_config": {},
        "qos_algorithm_type": "",
        "qos_algorithm_params": {},
    }
    vbd = str(await conn.call("VBD.create", record))
    if vm.power_state == "Running":
        await conn.run_task("VBD.plug", vbd)
    return vbd


async def add_disk(conn: Any, vm: Any, disk: NewDisk, progress: Progress = no_progress) -> str:
    """Create a disk and attach it to ``vm`` (the VM Storage tab's Add)."""
    created: list[str] = []

    async def create(report: Any) -> None:
        created.append(await create_vdi(conn, disk, lambda f, _d: report(f)))

    async def attach(report: Any) -> str:
        return await attach_vdi(conn, vm, created[0])

    _created, vbd = await run_steps(
        [(Step(_("Creating disk"), 3), create), (Step(_("Attaching disk to VM"), 1), attach)], progress
    )
    return str(vbd)


async def set_active(conn: Any, vbd: Any, active: bool, progress: Progress = no_progress) -> None:
    """Activate (plug) or deactivate (unplug) a disk of a running VM."""
    method = "VBD.plug" if active else "VBD.unplug"
    await conn.run_task(method, vbd.ref, progress=lambda f: progress(f, ""))


async def detach(conn: Any, vbd: Any, progress: Progress = no_progress) -> None:
    """Disconnect a disk from its VM (deactivated first when attached); the disk stays."""
    if vbd.get("currently_attached"):
        await conn.run_task("VBD.unplug", vbd.ref, progress=lambda f: progress(f * 0.8, ""))
    await conn.call("VBD.destroy", vbd.ref)


async def delete_vdi(conn: Any, vdi: Any, progress: Progress = no_progress) -> None:
    """Delete a disk and its contents (detached from halted VMs first, as XenCenter does)."""
    _require(vdi.sr, "VDI_DELETE")
    for ref in vdi.get("VBDs") or ():
        vbd = vdi.resolve("VBD", ref)
        if vbd is None:
            continue
        if vbd.get("currently_attached"):
            raise ActionError(_("The disk is in use by a running VM; deactivate it first"))
        try:
            await conn.call("VBD.destroy", ref)
        except Failure as f:
            if f.code != "HANDLE_INVALID":  # already gone (the cache had not heard yet)
                raise
    await conn.run_task("VDI.destroy", vdi.ref, progress=lambda f: progress(f, ""))


async def resize_vdi(conn: Any, vdi: Any, size: int, progress: Progress = no_progress) -> None:
    """Grow a disk; online when it is attached and the SR can, offline otherwise."""
    _require(vdi.sr, "VDI_RESIZE")
    if size <= vdi.virtual_size:
        raise ActionError(_("A disk can only grow: enter a size larger than {size}").format(size=_size(vdi)))
    online = "resize_online" in vdi.allowed_operations and "resize" not in vdi.allowed_operations
    method = "VDI.resize_online" if online else "VDI.resize"
    await conn.run_task(method, vdi.ref, size, progress=lambda f: progress(f, ""))


def _size(vdi: Any) -> str:
    return format_bytes(vdi.virtual_size)


async def change_cd(conn: Any, vbd: Any, vdi_ref: str | None, progress: Progress = no_progress) -> None:
    """Put ``vdi_ref`` in the DVD drive (``None``: leave it empty), ejecting what is there."""
    steps = []
    if not vbd.get("empty"):

        async def eject(report: Any) -> None:
            await conn.run_task("VBD.eject", vbd.ref, progress=report)

        steps.append((Step(_("Ejecting"), 1), eject))
    if vdi_ref:

        async def insert(report: Any) -> None:
            await conn.run_task("VBD.insert", vbd.ref, vdi_ref, progress=report)

        steps.append((Step(_("Inserting"), 1), insert))
    await run_steps(steps, progress)


def cd_drive(vm: Any) -> Any:
    """The VM's DVD drive (lowest position), or None."""
    drives = [v for v in vm.vbds if v.get("type") == "CD"]
    return min(drives, key=lambda v: str(v.get("userdevice"))) if drives else None


def tools_iso(vm: Any) -> Any:
    """The XenServer Tools ISO of the VM's pool, or None."""
    for sr in vm.cache.all("SR"):
        if sr.is_tools_sr:
            for vdi in sr.vdis:
                if vdi.get("is_tools_iso") or (vdi.get("sm_config") or {}).get("xs-tools") == "true":
                    return vdi
    return None


async def install_tools(conn: Any, vm: Any, progress: Progress = no_progress) -> None:
    """Insert the tools ISO into the VM's DVD drive (creating a drive when it has none)."""
    iso = tools_iso(vm)
    if iso is None:
        raise ActionError(_("The pool has no XenServer Tools ISO"))
    drive = cd_drive(vm)
    if drive is None:
        record = {
            "VM": vm.ref,
            "VDI": NULL,
            "userdevice": "3",
            "bootable": False,
            "mode": "RO",
            "type": "CD",
            "unpluggable": True,
            "empty": True,
            "other_config": {},
            "qos_algorithm_type": "",
            "qos_algorithm_params": {},
        }
        ref = str(await conn.call("VBD.create", record))
        await conn.run_task("VBD.insert", ref, iso.ref, progress=lambda f: progress(f, ""))
        return
    await change_cd(conn, drive, iso.ref, progress)


async def rescan(conn: Any, sr: Any, progress: Progress = no_progress) -> None:
    await conn.run_task("SR.scan", sr.ref, progress=lambda f: progress(f, ""))
