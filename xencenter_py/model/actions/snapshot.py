"""Snapshot actions of the Snapshots tab: take (disk only or with memory), revert (with the
offer to snapshot first), delete, new VM and new template from a snapshot."""

from __future__ import annotations

from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model import storage_types
from xencenter_py.model.actions.base import ActionError, Progress, Step, no_progress, run_steps


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ActionError(_("Enter a name"))
    return name


def cannot_snapshot(vm: Any) -> str:
    """Why the VM's disks cannot be snapshotted ("" when they can): every disk's SR needs
    the snapshot capability (the deck's storage table)."""
    for vbd in vm.vbds:
        vdi = vbd.resolve("VDI", vbd.get("VDI"))
        if vbd.get("type") == "Disk" and vdi is not None:
            reason = storage_types.cannot(vdi.sr, "VDI_SNAPSHOT")
            if reason:
                return reason
    return ""


async def take(
    conn: Any, vm: Any, name: str, *, with_memory: bool = False, description: str = "", progress: Progress = no_progress
) -> str:
    """Snapshot ``vm``; ``with_memory`` takes a checkpoint (disks and memory of a running VM)."""
    name = _name(name)
    reason = cannot_snapshot(vm)
    if reason:
        raise ActionError(reason)
    if with_memory and vm.power_state != "Running":
        raise ActionError(_("Only a running VM can be snapshotted with its memory"))
    if with_memory:
        ref = await conn.run_task("VM.checkpoint", vm.ref, name, progress=lambda f: progress(f * 0.95, ""))
    else:
        ref = await conn.run_task("VM.snapshot", vm.ref, name, [], progress=lambda f: progress(f * 0.95, ""))
    if description:
        await conn.call("VM.set_name_description", ref, description)
    return str(ref)


async def revert(
    conn: Any, snapshot: Any, *, snapshot_first: str | None = None, progress: Progress = no_progress
) -> None:
    """Revert the snapshot's VM to it; ``snapshot_first`` names a snapshot taken before."""
    vm = snapshot.snapshot_of
    if vm is None:
        raise ActionError(_("The VM of this snapshot no longer exists"))
    steps = []
    if snapshot_first is not None:
        first_name = _name(snapshot_first)

        async def first(report: Any) -> None:
            await take(conn, vm, first_name, progress=lambda f, _d: report(f))

        steps.append((Step(_("Taking a snapshot of the current state"), 1), first))

    async def back(report: Any) -> None:
        await conn.run_task("VM.revert", snapshot.ref, progress=report)

    steps.append((Step(_("Reverting to snapshot"), 1), back))
    await run_steps(steps, progress)


async def delete(conn: Any, snapshots: list[Any], progress: Progress = no_progress) -> None:
    """Delete snapshots with their disks (the VM's own disks stay)."""
    for i, snap in enumerate(snapshots):
        vdis = [vbd.get("VDI") for vbd in snap.vbds if vbd.get("type") == "Disk" and not vbd.get("empty")]
        suspend = snap.get("suspend_VDI")
        await conn.run_task(
            "VM.destroy", snap.ref, progress=lambda f, i=i: progress((i + f * 0.5) / len(snapshots), "")
        )
        for vdi in [*vdis, suspend]:
            if vdi and vdi != "OpaqueRef:NULL" and snap.resolve("VDI", vdi) is not None:
                await conn.call("VDI.destroy", vdi)
        progress((i + 1) / len(snapshots), "")


async def new_template(conn: Any, snapshot: Any, name: str, progress: Progress = no_progress) -> str:
    """A template cloned from the snapshot (Snapshots tab: New template from snapshot)."""
    return str(await conn.run_task("VM.clone", snapshot.ref, _name(name), progress=lambda f: progress(f, "")))


async def new_vm(conn: Any, snapshot: Any, name: str, progress: Progress = no_progress) -> str:
    """A halted VM cloned from the snapshot (Snapshots tab: New VM from snapshot)."""
    name = _name(name)
    made: list[str] = []

    async def clone(report: Any) -> None:
        made.append(str(await conn.run_task("VM.clone", snapshot.ref, name, progress=report)))

    async def make_vm(report: Any) -> None:
        await conn.call("VM.set_is_a_template", made[0], False)

    await run_steps([(Step(_("Cloning snapshot"), 4), clone), (Step(_("Creating VM"), 1), make_vm)], progress)
    return made[0]
