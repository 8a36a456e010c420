"""A VM's life as XenCenter drives it: create from a template, copy, templates, delete,
export and import. Plain Python over a :class:`Connection`; the New VM wizard, the
lifecycle dialogs and the ``vm`` CLI verbs all call these."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, Step, Steps, no_progress
from xencenter_py.model.templates import ProvisionDisk, disk_srs, provision_xml, recommendations
from xencenter_py.xapi import transfer

NULL_REF = "OpaqueRef:NULL"
CD_DEVICE = "3"
"""The userdevice XenCenter gives a new VM's DVD drive."""


@dataclass(frozen=True)
class DiskSpec:
    """A disk of the new VM: size in bytes, the SR it goes on, its device slot."""

    size: int
    sr: str  # SR ref
    device: str
    bootable: bool = False
    type: str = "system"


@dataclass(frozen=True)
class InstallMedia:
    """``kind``: ``"iso"``/``"dvd"`` (``vdi`` to insert), ``"network"`` (PXE boot),
    ``"url"`` (a PV install repository), or ``"none"``."""

    kind: str = "none"
    vdi: str = NULL_REF
    url: str = ""


@dataclass(frozen=True)
class NewVm:
    """Everything the New VM wizard collects."""

    template: str  # VM ref of the template
    name: str
    description: str = ""
    media: InstallMedia = InstallMedia()
    affinity: str = NULL_REF  # home server, NULL for none
    vcpus_max: int = 1
    vcpus_at_startup: int = 1
    cores_per_socket: int = 1
    memory_static_max: int = 0
    memory_dynamic_min: int = 0
    memory_dynamic_max: int = 0
    disks: Sequence[DiskSpec] = ()
    networks: Sequence[str] = ()  # network refs, one VIF each in order
    start: bool = False


def check_new_vm(conn: Any, spec: NewVm) -> None:
    """The wizard's and CLI's own checks before calling the pool (``ActionError``)."""
    template = conn.cache.get("VM", spec.template)
    if template is None or not template.is_template:
        raise ActionError(_("The template no longer exists."))
    if not spec.name.strip():
        raise ActionError(_("Enter a name for the new VM."))
    rec = recommendations(template)
    minimum = int(template.get("memory_static_min") or 0)
    if spec.memory_dynamic_min < minimum:
        raise ActionError(_("The template needs at least {size} of memory.").format(size=format_size(minimum)))
    if spec.memory_static_max > rec.memory_max:
        raise ActionError(_("The template allows at most {size} of memory.").format(size=format_size(rec.memory_max)))
    if not 0 < spec.memory_dynamic_min <= spec.memory_dynamic_max <= spec.memory_static_max:
        raise ActionError(_("The minimum memory must not exceed the maximum."))
    if not 1 <= spec.vcpus_at_startup <= spec.vcpus_max <= rec.vcpus_max:
        raise ActionError(_("The template allows 1 to {count} vCPUs.").format(count=rec.vcpus_max))
    if spec.cores_per_socket < 1 or spec.vcpus_max % spec.cores_per_socket:
        raise ActionError(_("The number of vCPUs must be a multiple of the cores per socket."))
    for d in spec.disks:
        if d.size <= 0:
            raise ActionError(_("A disk must be larger than 0 bytes."))
        if conn.cache.get("SR", d.sr) is None:
            raise ActionError(_("Choose a storage repository for every disk."))
    if len(spec.networks) > rec.vifs_max:
        raise ActionError(_("The template allows at most {count} network interfaces.").format(count=rec.vifs_max))


def format_size(size: int) -> str:
    return format_bytes(size)


async def create_vm(conn: Any, spec: NewVm, progress: Progress = no_progress) -> str:
    """Create the VM as XenCenter does: clone the template, set its fields, provision the
    disks on the chosen SRs, add the DVD drive with the install media and the VIFs, and
    start it if asked. On failure the half-made VM is deleted again. Returns its ref."""
    check_new_vm(conn, spec)
    template = conn.cache.get("VM", spec.template)
    has_spec = "disks" in template.other_config
    steps = Steps(
        [
            Step(_("Creating VM from template"), 2),
            Step(_("Setting VM properties"), 1),
            Step(_("Creating disks"), 3),
            Step(_("Adding devices"), 1),
            Step(_("Starting VM"), 2),
        ],
        progress,
    )
    copy_to = _copy_target(conn, template, spec) if not has_spec else None
    if copy_to is None:
        vm = await conn.run_task("VM.clone", spec.template, spec.name, progress=steps.report(0))
    else:
        vm = await conn.run_task("VM.copy", spec.template, spec.name, copy_to, progress=steps.report(0))
    steps.done(0)
    try:
        steps.report(1)
        await _set_properties(conn, vm, spec, template, has_spec)
        steps.done(1)
        if has_spec:
            await conn.run_task("VM.provision", vm, progress=steps.report(2))
        await conn.call("VM.set_is_a_template", vm, False)  # a clone of a template is one too
        steps.done(2)
        steps.report(3)
        await _add_devices(conn, vm, spec, template)
        steps.done(3)
    except BaseException:
        await _discard(conn, vm)
        raise
    if spec.start:
        method, args = ("VM.start_on", (spec.affinity,)) if spec.affinity != NULL_REF else ("VM.start", ())
        await conn.run_task(method, vm, *args, False, False, progress=steps.report(4))
    steps.done(4)
    return str(vm)


def _copy_target(conn: Any, template: Any, spec: NewVm) -> str | None:
    """A custom template's disks are cloned where they are; when the user put them on
    another SR the template is copied there instead (None: clone)."""
    current = {sr.ref for sr in disk_srs(template)}
    wanted = {d.sr for d in spec.disks}
    if not wanted or wanted <= current:
        return None
    return next(iter(wanted - current))


async def _set_properties(conn: Any, vm: str, spec: NewVm, template: Any, has_spec: bool) -> None:
    call = conn.call
    await call("VM.set_name_description", vm, spec.description)
    static_min = min(int(template.get("memory_static_min") or 0), spec.memory_dynamic_min)
    await call(
        "VM.set_memory_limits",
        vm,
        static_min,
        spec.memory_static_max,
        spec.memory_dynamic_min,
        spec.memory_dynamic_max,
    )
    # vCPUs: raise the maximum first when growing, lower startup first when shrinking.
    if spec.vcpus_max >= int(template.get("VCPUs_max") or 1):
        await call("VM.set_VCPUs_max", vm, spec.vcpus_max)
        await call("VM.set_VCPUs_at_startup", vm, spec.vcpus_at_startup)
    else:
        await call("VM.set_VCPUs_at_startup", vm, spec.vcpus_at_startup)
        await call("VM.set_VCPUs_max", vm, spec.vcpus_max)
    platform = dict(template.get("platform") or {})
    platform["cores-per-socket"] = str(spec.cores_per_socket)
    await call("VM.set_platform", vm, platform)
    await call("VM.set_affinity", vm, spec.affinity)
    other = dict(template.other_config)
    other.pop("default_template", None)
    if has_spec:
        disks = [ProvisionDisk(d.device, d.size, _sr_uuid(conn, d.sr), d.bootable, d.type) for d in spec.disks]
        other["disks"] = provision_xml(disks)
    if spec.media.kind == "url":
        other["install-repository"] = spec.media.url
    elif spec.media.kind in ("iso", "dvd"):
        other["install-repository"] = "cdrom"
    await call("VM.set_other_config", vm, other)
    if spec.media.kind in ("iso", "dvd", "network") and template.get("HVM_boot_policy"):
        params = dict(template.get("HVM_boot_params") or {})
        params["order"] = "ndc" if spec.media.kind == "network" else "dc"
        await call("VM.set_HVM_boot_params", vm, params)


def _sr_uuid(conn: Any, sr: str) -> str:
    obj = conn.cache.get("SR", sr)
    return obj.uuid if obj is not None else ""


async def _add_devices(conn: Any, vm: str, spec: NewVm, template: Any) -> None:
    """The DVD drive (XenCenter gives every HVM VM one; the install ISO goes in it) and
    one VIF per chosen network."""
    cd = None
    for vbd in await conn.call("VM.get_VBDs", vm):
        rec = await conn.call("VBD.get_record", vbd)
        if rec["type"] == "CD":
            cd = (vbd, rec)
            break
    wants_media = spec.media.kind in ("iso", "dvd") and spec.media.vdi != NULL_REF
    if cd is None and (wants_media or template.get("HVM_boot_policy")):
        await conn.call("VBD.create", _cd_record(vm, spec.media))
    elif cd is not None and wants_media:
        if not cd[1]["empty"]:
            await conn.call("VBD.eject", cd[0])
        await conn.call("VBD.insert", cd[0], spec.media.vdi)
    # The VIFs a custom template passed on are replaced by the ones chosen (as XenCenter does).
    for vif in await conn.call("VM.get_VIFs", vm):
        await conn.call("VIF.destroy", vif)
    for device, network in enumerate(spec.networks):
        await conn.call(
            "VIF.create",
            {
                "device": str(device),
                "network": network,
                "VM": vm,
                "MAC": "",
                "MTU": 1500,
                "other_config": {},
                "qos_algorithm_type": "",
                "qos_algorithm_params": {},
            },
        )


def _cd_record(vm: str, media: InstallMedia) -> dict[str, Any]:
    empty = media.kind not in ("iso", "dvd") or media.vdi == NULL_REF
    return {
        "VM": vm,
        "VDI": NULL_REF if empty else media.vdi,
        "userdevice": CD_DEVICE,
        "bootable": True,
        "mode": "RO",
        "type": "CD",
        "unpluggable": True,
        "empty": empty,
        "other_config": {},
        "qos_algorithm_type": "",
        "qos_algorithm_params": {},
    }


async def _discard(conn: Any, vm: str) -> None:
    """Delete a VM that could not be finished, with the disks made for it."""
    try:
        vbds = await conn.call("VM.get_VBDs", vm)
        vdis = []
        for vbd in vbds:
            rec = await conn.call("VBD.get_record", vbd)
            if rec["type"] == "Disk" and not rec["empty"]:
                vdis.append(rec["VDI"])
        await conn.call("VM.destroy", vm)
        for vdi in vdis:
            await conn.call("VDI.destroy", vdi)
    except Exception:  # the original failure matters more than the clean-up's
        return


# ------------------------------------------------------------------------------ copy
async def copy_vm(
    conn: Any,
    vm: str,
    name: str,
    *,
    description: str | None = None,
    fast: bool = True,
    sr: str = NULL_REF,
    progress: Progress = no_progress,
) -> str:
    """Copy a VM or template within its pool: a fast clone where its disks are (only on
    SRs that can clone), else a full copy onto ``sr``. Returns the new VM's ref."""
    if not name.strip():
        raise ActionError(_("Enter a name for the copy."))
    report = lambda fraction: progress(fraction, "")  # noqa: E731
    if fast:
        new = await conn.run_task("VM.clone", vm, name, progress=report)
    else:
        if sr == NULL_REF or conn.cache.get("SR", sr) is None:
            raise ActionError(_("Choose the storage repository for the copy."))
        new = await conn.run_task("VM.copy", vm, name, sr, progress=report)
    if description is not None:
        await conn.call("VM.set_name_description", new, description)
    return str(new)


async def convert_to_template(conn: Any, vm: str) -> None:
    """Make a halted VM a template (it can never be started again)."""
    await conn.call("VM.set_is_a_template", vm, True)


async def new_template_from(
    conn: Any, vm: str, name: str, *, fast: bool = True, sr: str = NULL_REF, progress: Progress = no_progress
) -> str:
    """A new template copied from a VM (or snapshot); the VM itself stays."""
    new = await copy_vm(conn, vm, name, fast=fast, sr=sr, progress=progress)
    await conn.call("VM.set_is_a_template", new, True)
    return new


# ------------------------------------------------------------------------------ delete
@dataclass(frozen=True)
class Deletion:
    """A VM to delete, with the disks (VDI refs) and snapshots (VM refs) to delete with it."""

    vm: str
    disks: Sequence[str] = ()
    snapshots: Sequence[str] = ()
    snapshot_disks: Sequence[str] = field(default=())


async def delete_vms(conn: Any, deletions: Sequence[Deletion], progress: Progress = no_progress) -> None:
    """Delete each VM (it must be halted), then its chosen snapshots and disks, as XenCenter's
    Delete VM does. Disks still used by another VM are left in place."""
    total = max(len(deletions), 1)
    for i, d in enumerate(deletions):
        progress(i / total, "")
        await conn.call("VM.destroy", d.vm)
        for snap in d.snapshots:
            await _destroy_with_disks(conn, snap)
        for vdi in d.disks:
            await _destroy_vdi_if_unused(conn, vdi)
    progress(1.0, "")


async def _destroy_with_disks(conn: Any, vm: str) -> None:
    vdis = []
    for vbd in await conn.call("VM.get_VBDs", vm):
        rec = await conn.call("VBD.get_record", vbd)
        if rec["type"] == "Disk" and not rec["empty"]:
            vdis.append(rec["VDI"])
    suspend = await conn.call("VM.get_suspend_VDI", vm)
    await conn.call("VM.destroy", vm)
    for vdi in [*vdis, suspend]:
        await _destroy_vdi_if_unused(conn, vdi)


async def _destroy_vdi_if_unused(conn: Any, vdi: str) -> None:
    if vdi == NULL_REF:
        return
    try:
        vbds = await conn.call("VDI.get_VBDs", vdi)
    except Exception:
        return  # already gone
    if not vbds:
        await conn.run_task("VDI.destroy", vdi)


# ------------------------------------------------------------------------------ export / import
async def export_vm(conn: Any, vm: str, path: str | os.PathLike[str], progress: Progress = no_progress) -> None:
    """Write the VM or snapshot to ``path`` as an XVA file (halted VMs and snapshots)."""
    obj = conn.cache.get("VM", vm)
    if obj is not None and obj.power_state not in ("Halted", "Suspended") and not obj.is_snapshot:
        raise ActionError(_("Shut down the VM before exporting it."))
    progress(0.0, _("Exporting VM"))
    await transfer.export_vm(conn.session, vm, path, lambda f: progress(f, ""))


async def import_vm(
    conn: Any,
    path: str | os.PathLike[str],
    sr: str,
    *,
    home: str = NULL_REF,
    progress: Progress = no_progress,
) -> list[str]:
    """Import an XVA file with its disks on ``sr``; the new VMs get ``home`` as their home
    server. Returns their refs."""
    if not os.path.isfile(path):
        raise ActionError(_("The file {path} does not exist.").format(path=os.fspath(path)))
    if conn.cache.get("SR", sr) is None:
        raise ActionError(_("Choose the storage repository for the imported disks."))
    progress(0.0, _("Importing VM"))
    refs = await transfer.import_vm(conn.session, path, sr, lambda f: progress(0.95 * f, ""))
    for ref in refs:
        await conn.call("VM.set_affinity", ref, home)
    progress(1.0, "")
    return refs
