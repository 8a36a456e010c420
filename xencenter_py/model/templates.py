"""What a template tells a new VM: its ``recommendations`` (limits XenCenter keeps the
user within), the disks of its provision spec (``other_config["disks"]``), its install
methods, and which SRs can hold or fast-clone its disks (from the SM drivers'
capabilities)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from xencenter_py.model.objects import SR, VM, is_null

MiB = 1024**2
GiB = 1024**3
DEFAULT_MAX_MEMORY = 1536 * GiB
DEFAULT_MAX_VCPUS = 32
DEFAULT_MAX_VBDS = 255
DEFAULT_MAX_VIFS = 7


@dataclass(frozen=True)
class Recommendations:
    """The template's ``<restrictions>``: largest memory, vCPUs, disks and NICs."""

    memory_max: int = DEFAULT_MAX_MEMORY
    vcpus_max: int = DEFAULT_MAX_VCPUS
    vbds_max: int = DEFAULT_MAX_VBDS
    vifs_max: int = DEFAULT_MAX_VIFS


def recommendations(template: VM) -> Recommendations:
    """Parse ``recommendations``; a missing or broken one gives XAPI's general limits."""
    text = template.get("recommendations") or ""
    values: dict[str, int] = {}
    try:
        root = ET.fromstring(text) if text.strip() else None
    except ET.ParseError:
        root = None
    if root is not None:
        for r in root.iter("restriction"):
            key = r.get("field") or r.get("property") or ""
            if r.get("max", "").isdigit():
                values[key] = int(r.get("max", "0"))
    return Recommendations(
        memory_max=values.get("memory-static-max", DEFAULT_MAX_MEMORY),
        vcpus_max=values.get("vcpus-max", DEFAULT_MAX_VCPUS),
        vbds_max=values.get("number-of-vbds", DEFAULT_MAX_VBDS),
        vifs_max=values.get("number-of-vifs", DEFAULT_MAX_VIFS),
    )


@dataclass(frozen=True)
class ProvisionDisk:
    """One ``<disk>`` of a provision spec (``sr`` is an SR uuid or empty: the default SR)."""

    device: str
    size: int
    sr: str = ""
    bootable: bool = False
    type: str = "system"


def provision_disks(template: VM) -> list[ProvisionDisk]:
    """The disks a default template creates on provisioning (none when it has no spec)."""
    text = template.other_config.get("disks", "")
    try:
        root = ET.fromstring(text) if text.strip() else None
    except ET.ParseError:
        return []
    if root is None:
        return []
    out = []
    for d in root.iter("disk"):
        size = d.get("size", "0")
        out.append(
            ProvisionDisk(
                device=d.get("device", str(len(out))),
                size=int(size) if size.isdigit() else 0,
                sr=d.get("sr", ""),
                bootable=d.get("bootable", "false") == "true",
                type=d.get("type", "system"),
            )
        )
    return out


def provision_xml(disks: list[ProvisionDisk]) -> str:
    """The ``disks`` key for a spec (XAPI's own element and attribute names)."""
    root = ET.Element("provision")
    for d in disks:
        ET.SubElement(
            root,
            "disk",
            device=d.device,
            size=str(d.size),
            sr=d.sr,
            bootable="true" if d.bootable else "false",
            type=d.type,
        )
    return ET.tostring(root, encoding="unicode")


def install_methods(template: VM) -> list[str]:
    """``install-methods`` of the template: cdrom, http, ftp, nfs (PV installs from a URL)."""
    return [m for m in template.other_config.get("install-methods", "").split(",") if m]


def is_pv(template: VM) -> bool:
    """A paravirtualised guest (no HVM boot policy): it can install from a network URL."""
    return not template.get("HVM_boot_policy")


def sm_capabilities(sr: SR) -> frozenset[str]:
    """The capabilities of the SR's SM driver (``VDI_CLONE``, ``VDI_CREATE``, ...)."""
    for sm in sr.cache.all("SM"):
        if sm.get("type") == sr.type:
            caps = sm.get("capabilities") or []
            return frozenset(str(c).split("/")[0] for c in caps) | frozenset(sm.get("features") or {})
    return frozenset()


def can_hold_disks(sr: SR) -> bool:
    """An SR where new disks can go: attached, not an ISO library, and its driver creates VDIs."""
    if sr.is_iso or sr.content_type == "iso" or sr.is_broken() or sr.is_tools_sr:
        return False
    return "VDI_CREATE" in sm_capabilities(sr) and sr.type not in ("udev",)


def disk_srs(vm: VM) -> list[SR]:
    """The SRs holding the VM's (or template's) disks, CDs left out."""
    out: list[SR] = []
    for vbd in vm.vbds:
        if vbd.get("type") != "Disk" or vbd.get("empty") or is_null(vbd.get("VDI")):
            continue
        vdi = vm.resolve("VDI", vbd.get("VDI"))
        sr = vdi.sr if vdi is not None else None
        if sr is not None and sr not in out:
            out.append(sr)
    return out


def can_fast_clone(vm: VM) -> bool:
    """Whether every disk of ``vm`` sits on an SR whose driver can clone it instantly."""
    return all("VDI_CLONE" in sm_capabilities(sr) for sr in disk_srs(vm))


def vm_disks(vm: VM) -> list[Any]:
    """The VDIs behind the VM's disk VBDs (what Delete VM offers to delete with it)."""
    out = []
    for vbd in vm.vbds:
        if vbd.get("type") != "Disk" or vbd.get("empty"):
            continue
        vdi = vm.resolve("VDI", vbd.get("VDI"))
        if vdi is not None and vdi not in out:
            out.append(vdi)
    return out
