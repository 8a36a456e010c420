"""Storage repositories: probing a location, creating, reattaching, detaching, forgetting,
destroying, repairing, and the pool's default SR (XenCenter's SrProbeAction,
SrCreateAction, SrReattachAction, DetachSrAction, ForgetSrAction, DestroySrAction,
SrRepairAction, SetDefaultSRAction).

Probe answers are the SM drivers' XML: an NFS server's exports, an iSCSI portal's target
IQNs and a target's LUNs (carried in the ``SR_BACKEND_FAILURE_96`` / ``_107`` errors, as
XenCenter reads them), HBA block devices, and the SRs already on a share or LUN.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, Step, Steps, no_progress
from xencenter_py.xapi.errors import Failure

# type name shown by the wizard -> (SM type, content type, shared)
SR_KINDS: dict[str, tuple[str, str, bool]] = {
    "nfs": ("nfs", "user", True),
    "iscsi": ("lvmoiscsi", "user", True),
    "hba": ("lvmohba", "user", True),
    "smb": ("smb", "user", True),
    "nfs_iso": ("iso", "iso", True),
    "cifs_iso": ("iso", "iso", True),
}


@dataclass(frozen=True)
class FoundSR:
    """An SR a probe found at the location (reattach candidate)."""

    uuid: str
    name: str
    size: int


@dataclass(frozen=True)
class ProbeResult:
    """What a location offers: existing SRs, or the choices one level down."""

    srs: list[FoundSR]
    exports: list[str]  # NFS export paths
    iqns: list[str]  # iSCSI target IQNs
    luns: list[tuple[str, str, int]]  # (SCSIid, label, size)


def _xml(text: str) -> ET.Element | None:
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def parse_probe(text: str) -> ProbeResult:
    root = _xml(text)
    srs, exports, iqns, luns = [], [], [], []
    if root is not None:
        for sr in root.iter("SR"):
            size = sr.findtext("size") or "0"
            srs.append(
                FoundSR(sr.findtext("UUID") or "", sr.findtext("name_label") or "", int(size) if size.isdigit() else 0)
            )
        exports = [e.findtext("Path") or "" for e in root.iter("Export")]
        iqns = [t.findtext("TargetIQN") or "" for t in root.iter("TGT")]
        for lun in [*root.iter("LUN"), *root.iter("BlockDevice")]:
            size = lun.findtext("size") or "0"
            label = f"{lun.findtext('vendor') or ''} {lun.findtext('serial') or ''}".strip()
            luns.append((lun.findtext("SCSIid") or "", label, int(size) if size.isdigit() else 0))
    return ProbeResult(srs, exports, iqns, luns)


def device_config(kind: str, location: str, **extra: str) -> dict[str, str]:
    """The driver's ``device_config`` for a wizard location (``server:/path``, ``\\\\server\\share``)."""
    if kind == "nfs":
        server, _sep, path = location.partition(":")
        return {"server": server.strip(), "serverpath": path.strip(), **extra}
    if kind == "smb":
        return {"server": location.strip(), **extra}
    if kind == "nfs_iso":
        return {"location": location.strip(), "type": "nfs_iso", **extra}
    if kind == "cifs_iso":
        return {"location": location.strip(), "type": "cifs", **extra}
    return dict(extra)


async def probe(conn: Any, host: str, kind: str, config: dict[str, str]) -> ProbeResult:
    """Probe a location; the lists XenCenter offers travel in some driver errors."""
    sm_type = SR_KINDS[kind][0]
    try:
        return parse_probe(await conn.call("SR.probe", host, config, sm_type, {}))
    except Failure as failure:
        if failure.code in ("SR_BACKEND_FAILURE_38", "SR_BACKEND_FAILURE_96", "SR_BACKEND_FAILURE_107"):
            xml = failure.params[2] if len(failure.params) > 2 else ""
            found = parse_probe(xml)
            if found.exports or found.iqns or found.luns:
                return found
        raise


async def create(
    conn: Any,
    host: str,
    kind: str,
    config: dict[str, str],
    name: str,
    description: str,
    progress: Progress = no_progress,
) -> str:
    """Create a new SR and make sure every PBD is plugged (XenCenter retries ``PBD.plug``)."""
    sm_type, content, shared = SR_KINDS[kind]
    steps = Steps([Step(_("Creating storage repository"), 3.0), Step(_("Attaching storage repository"))], progress)
    sr = await conn.run_task(
        "SR.create", host, config, 0, name, description, sm_type, content, shared, {}, progress=steps.report(0)
    )
    steps.done(0)
    await _plug_all(conn, sr, steps)
    return str(sr)


async def _plug_all(conn: Any, sr: str, steps: Steps) -> None:
    report = steps.report(1)
    pbds = await conn.call("SR.get_PBDs", sr)
    for i, pbd in enumerate(pbds):
        if not await conn.call("PBD.get_currently_attached", pbd):
            await conn.run_task("PBD.plug", pbd)
        report((i + 1) / max(len(pbds), 1))
    steps.done(1)


async def reattach(
    conn: Any,
    kind: str,
    config: dict[str, str],
    found: FoundSR,
    name: str,
    description: str,
    progress: Progress = no_progress,
) -> str:
    """Bring back an SR a probe found: introduce it, create a PBD on each host, plug them."""
    sm_type, content, shared = SR_KINDS[kind]
    steps = Steps([Step(_("Introducing storage repository")), Step(_("Attaching storage repository"))], progress)
    steps.report(0)
    sr = await conn.call("SR.introduce", found.uuid, name, description, sm_type, content, shared, {})
    for host in await conn.call("host.get_all"):
        await conn.call("PBD.create", {"host": host, "SR": sr, "device_config": config, "other_config": {}})
    steps.done(0)
    await _plug_all(conn, sr, steps)
    return str(sr)


async def repair(conn: Any, sr: Any, progress: Progress = no_progress) -> None:
    """Plug every PBD that is not attached (and create none: a missing host PBD needs the wizard)."""
    steps = Steps([Step(_("Repairing storage repository"))], progress)
    report = steps.report(0)
    pbds = sr.pbds
    for i, pbd in enumerate(pbds):
        if not pbd.get("currently_attached"):
            await sr.connection.run_task("PBD.plug", pbd.ref)
        report((i + 1) / max(len(pbds), 1))
    steps.done(0)


async def detach(conn: Any, sr: Any, progress: Progress = no_progress) -> None:
    steps = Steps([Step(_("Detaching storage repository"))], progress)
    report = steps.report(0)
    pbds = [p for p in sr.pbds if p.get("currently_attached")]
    for i, pbd in enumerate(pbds):
        await conn.run_task("PBD.unplug", pbd.ref)
        report((i + 1) / max(len(pbds), 1))
    steps.done(0)


async def forget(conn: Any, sr: Any, progress: Progress = no_progress) -> None:
    """Detach, then forget the SR (its data stays on the storage)."""
    await detach(conn, sr)
    await conn.run_task("SR.forget", sr.ref)


async def destroy(conn: Any, sr: Any, progress: Progress = no_progress) -> None:
    """Detach, then destroy the SR and every disk on it."""
    if any(vdi.get("VBDs") for vdi in sr.vdis):
        raise ActionError(_("The storage repository has virtual disks in use by VMs."))
    await detach(conn, sr)
    await conn.run_task("SR.destroy", sr.ref)


async def set_default(conn: Any, sr: Any) -> None:
    """Make ``sr`` the pool's default SR (and its suspend-image and crash-dump SR, as XenCenter does)."""
    pool = sr.cache.pool
    if pool is None:
        raise ActionError(_("The pool is not connected."))
    for method in ("pool.set_default_SR", "pool.set_suspend_image_SR", "pool.set_crash_dump_SR"):
        await conn.call(method, pool.ref, sr.ref)
