"""Pieces several seeds build the same way: a host with its management interface, its local
storage and hot-plug drives, the Tools SR, and the guests VMs run (OS, agent, boot mode).

Each function adds records in a fixed order, so a seed stays reproducible.
"""

from __future__ import annotations

from typing import Any

from xencenter_py.sim.seeds.builder import BOOT_TIME, GiB, PoolBuilder, stable_hex
from xencenter_py.sim.seeds.common import (
    DEFAULT_TEMPLATES,
    SOFTWARE_VERSION,
    add_default_template,
    bios,
    license_params,
)

WIN_TOOLS = (9, 3, 3, 101)
LINUX_TOOLS = (8, 4, 0, 1)
WIN2008 = {
    "name": "Microsoft Windows Server 2008 R2 Enterprise |C:\\Windows|\\Device\\Harddisk0\\Partition2",
    "distro": "windows",
    "major": "6",
    "minor": "1",
    "spmajor": "1",
    "spminor": "0",
}
WIN2012 = {
    "name": "Microsoft Windows Server 2012 R2 Standard|C:\\Windows|\\Device\\Harddisk0\\Partition2",
    "distro": "windows",
    "major": "6",
    "minor": "3",
    "spmajor": "0",
    "spminor": "0",
}
CENTOS = {
    "name": "CentOS Linux release 7.9.2009 (Core)",
    "uname": "3.10.0-1160.el7.x86_64",
    "distro": "centos",
    "major": "7",
    "minor": "9",
}
DEBIAN = {
    "name": "Debian GNU/Linux 12 (bookworm)",
    "uname": "6.1.0-18-amd64",
    "distro": "debian",
    "major": "12",
    "minor": "5",
}

# Guests with their agent, as keyword arguments of PoolBuilder.vm (``**CENTOS_7``).
WINDOWS_2008: dict[str, Any] = {"os": WIN2008, "tools": WIN_TOOLS}
WINDOWS_2012: dict[str, Any] = {"os": WIN2012, "tools": WIN_TOOLS}
CENTOS_7: dict[str, Any] = {"hvm": False, "os": CENTOS, "tools": LINUX_TOOLS}
DEBIAN_12: dict[str, Any] = {"hvm": False, "os": DEBIAN, "tools": LINUX_TOOLS}


def running_on(host: str) -> dict[str, Any]:
    """PoolBuilder.vm arguments for a VM running on its home server ``host``."""
    return {"power": "Running", "host": host, "affinity": host}


def add_host(
    b: PoolBuilder,
    name: str,
    address: str,
    *,
    cpu: dict[str, Any],
    memory_total: int,
    serial: str,
    model: tuple[str, str] = ("Dell Inc.", "PowerEdge R710"),
    edition: str = "premium",
    dom0_memory: int = 1 * GiB,
) -> str:
    """A host of the current release, licensed for two sockets of ``edition``."""
    return b.host(
        name,
        address,
        cpu=cpu,
        memory_total=memory_total,
        dom0_memory=dom0_memory,
        software_version=SOFTWARE_VERSION,
        edition=edition,
        license_params=license_params(edition, 2),
        bios=bios(*model, serial),
    )


def add_management_pif(
    b: PoolBuilder,
    host: str,
    network: str,
    *,
    netmask: str = "255.255.255.0",
    gateway: str = "127.0.0.254",
    dns: str = "127.0.0.53",
) -> str:
    """``eth0`` on ``network``, with the host's address: the management interface."""
    ip = b[host]["address"]
    return b.pif(host, network, "eth0", management=True, ip=ip, netmask=netmask, gateway=gateway, dns=dns)


def add_local_storage(
    b: PoolBuilder, host: str, size: int, *, sr_type: str = "lvm", serial: str = "", description: str = ""
) -> str:
    """The host's local SR on its first disk (named by ``serial`` when known); it also
    takes the host's suspend images and crash dumps."""
    sm_config = {} if sr_type == "ext" else {"allocation": "thick", "use_vhd": "true"}
    if serial:
        sm_config["devserial"] = serial
    sr = b.sr(
        "Local storage",
        sr_type,
        hosts=[host],
        size=size,
        description=description,
        device_config={"device": f"/dev/disk/by-id/{serial}-part3" if serial else "/dev/sda3"},
        sm_config=sm_config,
        other_config={"i18n-key": "local-storage", "i18n-original-value-name_label": "Local storage"},
    )
    b[host]["suspend_image_sr"] = sr
    b[host]["crash_dump_sr"] = sr
    return sr


def add_dvd_drive(b: PoolBuilder, host: str) -> str:
    """The host's DVD drive: a ``udev`` SR holding one VDI for the drive."""
    dvd = b.sr(
        "DVD drives",
        "udev",
        hosts=[host],
        content_type="iso",
        description="Physical DVD drives",
        device_config={"location": "/dev/xapi/cd"},
        sm_config={"type": "cd"},
        other_config={
            "i18n-key": "local-hotplug-cd",
            "i18n-original-value-name_label": "DVD drives",
            "i18n-original-value-name_description": "Physical DVD drives",
        },
    )
    b.vdi(
        dvd,
        "SCSI 0:0:0:0",
        GiB,
        description="TSSTcorp CDDVDW TS-L633C",
        read_only=True,
        location="/dev/xapi/cd/sr0",
        sm_config={"hotplugged_at": BOOT_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    return dvd


def add_removable_storage(b: PoolBuilder, host: str) -> str:
    return b.sr(
        "Removable storage",
        "udev",
        hosts=[host],
        content_type="disk",
        device_config={"location": "/dev/xapi/block"},
        sm_config={"type": "block"},
        other_config={"i18n-key": "local-hotplug-disk", "i18n-original-value-name_label": "Removable storage"},
    )


def add_nfs_sr(b: PoolBuilder, hosts: list[str], server: str, path: str, size: int) -> str:
    """A shared NFS SR, named and described as xapi names one it creates."""
    return b.sr(
        "NFS virtual disk storage",
        "nfs",
        hosts=hosts,
        shared=True,
        size=size,
        description=f"NFS SR [{server}:{path}]",
        device_config={"server": server, "serverpath": path, "nfsversion": "3"},
    )


def lun_sm_config(scsi_id: str) -> dict[str, str]:
    """``sm_config`` of an LVM SR on a (multipathable) SAN LUN."""
    return {"allocation": "thick", "use_vhd": "true", "multipathable": "true", "devserial": f"scsi-{scsi_id}"}


def add_iscsi_sr(
    b: PoolBuilder, hosts: list[str], target: str, iqn: str, size: int, *, scsi_id: str = "", **fields: Any
) -> str:
    """A shared iSCSI SR on one LUN (its SCSI id derived from the IQN unless given)."""
    scsi_id = scsi_id or "36" + stable_hex(iqn, 31)
    return b.sr(
        "iSCSI storage",
        "lvmoiscsi",
        hosts=hosts,
        shared=True,
        size=size,
        content_type="",
        description=f"iSCSI SR [{target} ({iqn})]",
        device_config={"target": target, "targetIQN": iqn, "SCSIid": scsi_id, "port": "3260"},
        sm_config=lun_sm_config(scsi_id),
        **fields,
    )


def add_tools_sr(b: PoolBuilder, hosts: list[str]) -> str:
    """The hidden SR with the guest-tools ISO (shared when the pool has several hosts)."""
    tools = b.sr(
        "XenServer Tools",
        "iso",
        hosts=hosts,
        shared=len(hosts) > 1,
        content_type="iso",
        description="XenServer Tools ISOs",
        device_config={"location": "/opt/xensource/packages/iso", "legacy_mode": "true"},
        other_config={
            "xensource_internal": "true",
            "xenserver_tools_sr": "true",
            "i18n-key": "xenserver-tools",
            "i18n-original-value-name_label": "XenServer Tools",
            "i18n-original-value-name_description": "XenServer Tools ISOs",
        },
        is_tools_sr=True,
    )
    b.vdi(
        tools,
        "guest-tools.iso",
        118_595_584,
        location="guest-tools.iso",
        read_only=True,
        is_tools_iso=True,
        sm_config={"xs-tools": "true", "xs-tools-version": "8.4.0", "xs-tools-build": "1"},
    )
    return tools


def add_default_templates(b: PoolBuilder, count: int | None = None) -> None:
    """The first ``count`` (default: all) templates a fresh installation has."""
    for spec in DEFAULT_TEMPLATES[:count]:
        add_default_template(b, spec)
