"""Facts several seeds share: SM drivers, CPU models, software versions, licences, templates.

The SM capability lists follow the protocol notes §10.2 (modern ``sm`` lists filtered to
the names xapi keeps; array drivers as XenServer shipped them), and
:data:`STORAGE_TABLE` is the XenServer 5.5 storage-type table of the deck the demo pool
reproduces: one SR per row, whose driver's capabilities are decided by the table's columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder

_LVHD = (
    "SR_PROBE SR_UPDATE SR_TRIM VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH VDI_MIRROR VDI_CLONE VDI_SNAPSHOT "
    "VDI_RESIZE VDI_RESET_ON_BOOT/2 VDI_UPDATE VDI_CONFIG_CBT VDI_ACTIVATE VDI_DEACTIVATE"
)
_EXT = (
    "SR_PROBE SR_UPDATE SR_SUPPORTS_LOCAL_CACHING VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH VDI_UPDATE VDI_CLONE "
    "VDI_SNAPSHOT VDI_RESIZE VDI_MIRROR VDI_GENERATE_CONFIG VDI_RESET_ON_BOOT/2 VDI_CONFIG_CBT VDI_ACTIVATE "
    "VDI_DEACTIVATE THIN_PROVISIONING VDI_READ_CACHING"
)
_SAN = (
    "SR_PROBE SR_UPDATE SR_METADATA SR_TRIM SR_CACHING VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH "
    "VDI_GENERATE_CONFIG VDI_CLONE VDI_SNAPSHOT VDI_RESIZE VDI_RESET_ON_BOOT/2 VDI_UPDATE VDI_MIRROR "
    "VDI_CONFIG_CBT VDI_ACTIVATE VDI_DEACTIVATE"
)


@dataclass(frozen=True)
class Driver:
    type: str
    name: str
    description: str
    capabilities: str
    configuration: dict[str, str]
    driver: str
    vendor: str = "Citrix Systems Inc"
    version: str = "1.0"


DRIVERS: tuple[Driver, ...] = (
    Driver(
        "lvm",
        "Local LVM",
        "SR plugin which represents disks as VHD disks on Logical Volumes within a locally-attached Volume Group",
        _LVHD,
        {"device": "local device path (required) (e.g. /dev/sda3)"},
        "LVMSR",
    ),
    Driver(
        "ext",
        "Local EXT3 VHD",
        "SR plugin which represents disks as VHD files stored on a local EXT3 filesystem, created inside an LVM volume",
        _EXT,
        {"device": "local device path (required) (e.g. /dev/sda3)"},
        "EXTSR",
    ),
    Driver(
        "lvhd",
        "Local VHD on LVM",
        "SR plugin which represents disks as VHD disks on Logical Volumes (LVHD) within a Volume Group",
        _LVHD,
        {"device": "local device path (required) (e.g. /dev/sda3)"},
        "LVHDSR",
    ),
    Driver(
        "nfs",
        "NFS VHD",
        "SR plugin which stores disks as VHD files on a remote NFS filesystem",
        _EXT.replace("SR_SUPPORTS_LOCAL_CACHING", "SR_CACHING"),
        {
            "server": "hostname or IP address of NFS server (required)",
            "serverpath": "path on remote server (required)",
            "nfsversion": "for type=nfs, NFS protocol version - 3, 4, 4.0, 4.1 (optional)",
        },
        "NFSSR",
    ),
    Driver(
        "lvmoiscsi",
        "LVHD over iSCSI",
        "SR plugin which represents disks as Logical Volumes within a Volume Group created on an iSCSI LUN",
        _SAN,
        {
            "target": "IP address or hostname of the iSCSI target",
            "targetIQN": "The IQN of the target LUN group to be attached",
            "SCSIid": "The scsi_id of the destination LUN",
            "chapuser": "The username to be used during CHAP authentication",
            "chappassword": "The password to be used during CHAP authentication",
            "port": "The network port number on which to query the target",
        },
        "LVMoISCSISR",
    ),
    Driver(
        "lvmohba",
        "LVHD over FC",
        "SR plugin which represents disks as VHDs on Logical Volumes within a Volume Group created on an HBA LUN, "
        "e.g. hardware-based iSCSI or FC support",
        _SAN,
        {"SCSIid": "The scsi_id of the destination LUN"},
        "LVMoHBASR",
    ),
    Driver(
        "netapp",
        "NetApp",
        "SR driver for mapping of LUNs to VDIs on a NETAPP server, providing use of fast snapshot and clone "
        "features on the filer",
        "SR_PROBE SR_UPDATE VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH VDI_CLONE VDI_SNAPSHOT VDI_RESIZE "
        "THIN_PROVISIONING",
        {
            "target": "IP address or hostname of the NETAPP filer",
            "username": "Login username to be used by the driver for manipulating LUNs on the filer",
            "password": "Login password to be used by the driver for manipulating LUNs on the filer",
            "aggregate": "The aggregate name on which the Flexvol should be created on the filer. (optional)",
            "FlexVols": "The number of FlexVols to allocate per-SR. (optional)",
            "allocation": "Valid values are thick or thin (optional, defaults to thick)",
        },
        "NETAPPSR",
        version="0.1",
    ),
    Driver(
        "equal",
        "EqualLogic",
        "SR driver for mapping of LUNs to VDIs on a EQUALLOGIC array group, providing use of fast snapshot and "
        "clone features on the array",
        "SR_PROBE VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH VDI_CLONE VDI_SNAPSHOT VDI_RESIZE THIN_PROVISIONING",
        {
            "target": "IP address or hostname of the EQUALLOGIC group",
            "username": "Login username to be used by the driver for manipulating volumes on the filer",
            "password": "Login password to be used by the driver for manipulating volumes on the filer",
            "storagepool": "The storage pool to be used for creating volumes (optional)",
            "allocation": "Valid values are thick or thin (optional, defaults to thick)",
        },
        "EQUALSR",
        version="0.1",
    ),
    Driver(
        "cslg",
        "StorageLink",
        "StorageLink Gateway SR plugin: storage arrays through SMI-S and vendor adapters, with array-side "
        "snapshot, clone and thin provisioning",
        "SR_PROBE SR_UPDATE VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH VDI_RESIZE VDI_RESIZE_ONLINE VDI_SNAPSHOT "
        "VDI_CLONE VDI_INTRODUCE VDI_UPDATE THIN_PROVISIONING",
        {
            "target": "IP address or hostname of the StorageLink gateway",
            "username": "Login username to be used by the adapter",
            "password": "Login password to be used by the adapter",
            "adapterid": "storage system adapter ID",
            "storageSystemId": "storage system ID",
            "storagePoolId": "storage pool ID",
        },
        "CSLGSR",
    ),
    Driver(
        "smb",
        "SMB VHD",
        "SR plugin which stores disks as VHD files on a remote SMB filesystem",
        _EXT.replace("SR_SUPPORTS_LOCAL_CACHING", "SR_CACHING"),
        {
            "server": "Full path to share root on SMB server (required)",
            "username": "The username to be used during SMB authentication",
            "password": "The password to be used during SMB authentication",
        },
        "SMBSR",
    ),
    Driver(
        "iso",
        "ISO",
        "Handles CD images stored as files in iso format",
        "VDI_CREATE VDI_DELETE VDI_ATTACH VDI_DETACH SR_SCAN SR_ATTACH SR_DETACH",
        {
            "location": "path to mount (required) (e.g. server:/path)",
            "type": "cifs or nfs_iso",
        },
        "ISOSR",
    ),
    Driver(
        "udev",
        "udev",
        "SR plugin which represents devices plugged in via udev as VDIs",
        "VDI_INTRODUCE VDI_ATTACH VDI_DETACH VDI_UPDATE SR_UPDATE",
        {"location": "path to mount (required) (e.g. server:/path)"},
        "udevSR",
    ),
)


@dataclass(frozen=True)
class StorageRow:
    """One row of the XenServer 5.5 storage repository table."""

    label: str
    type: str
    shared: bool
    thin: bool
    resize: bool
    fast_clone: bool
    snapshot: bool


STORAGE_TABLE: tuple[StorageRow, ...] = (
    # label, type, shared, thin (sparse), virtual disk resize, fast clone, snapshot: as the deck's table.
    StorageRow("LVM", "lvm", False, False, True, False, False),
    StorageRow("EXT3", "ext", False, True, False, True, True),
    StorageRow("LVHD", "lvhd", False, True, True, True, True),
    StorageRow("NFS", "nfs", True, True, False, True, True),
    StorageRow("LVMoISCSI", "lvmoiscsi", True, True, True, True, True),
    StorageRow("LVMoFC", "lvmohba", True, True, True, True, True),
    StorageRow("NetApp", "netapp", True, True, True, True, True),
    StorageRow("Dell EqualLogic", "equal", True, True, True, True, True),
    StorageRow("SMI-S Storage (StorageLink)", "cslg", True, True, True, True, True),
)

_TABLE_CAPABILITIES = ("THIN_PROVISIONING", "VDI_RESIZE", "VDI_RESIZE_ONLINE", "VDI_CLONE", "VDI_SNAPSHOT")


def table_capabilities(driver: Driver) -> list[str]:
    """The driver's capability list with the table's columns deciding thin provisioning,
    resize, fast clone and snapshot (drivers outside the table keep their own list)."""
    row = next((r for r in STORAGE_TABLE if r.type == driver.type), None)
    caps = driver.capabilities.split()
    if row is None:
        return caps
    kept = [c for c in caps if c.split("/")[0] not in _TABLE_CAPABILITIES]
    online = "VDI_RESIZE_ONLINE" in caps
    granted = {
        "THIN_PROVISIONING": row.thin,
        "VDI_RESIZE": row.resize,
        "VDI_RESIZE_ONLINE": row.resize and online,
        "VDI_CLONE": row.fast_clone,
        "VDI_SNAPSHOT": row.snapshot,
    }
    return kept + [c for c, on in granted.items() if on]


def add_drivers(b: PoolBuilder) -> None:
    for d in DRIVERS:
        b.sm(d.type, d.name, d.description, table_capabilities(d), d.configuration, driver=d.driver, version=d.version)


XEON_E5405 = {
    "sockets": 2,
    "cores": 4,
    "speed": "1995.042",
    "modelname": "Intel(R) Xeon(R) CPU           E5405  @ 2.00GHz",
    "family": 6,
    "model": 23,
    "stepping": 6,
    "flags": "fpu de tsc msr pae mce cx8 apic sep mtrr mca cmov pat clflush acpi mmx fxsr sse sse2 ss ht nx "
    "constant_tsc pni vmx est ssse3 cx16 sse4_1 lahf_lm hypervisor tpr_shadow vnmi flexpriority",
    "features": "000ce3bd-bfebfbff-00000001-20100800",
}
XEON_E5570 = {
    "sockets": 2,
    "cores": 4,
    "threads": 2,
    "speed": "2933.436",
    "modelname": "Intel(R) Xeon(R) CPU           E5570  @ 2.93GHz",
    "family": 6,
    "model": 26,
    "stepping": 5,
    "flags": "fpu de tsc msr pae mce cx8 apic sep mtrr mca cmov pat clflush acpi mmx fxsr sse sse2 ss ht nx "
    "rdtscp lm constant_tsc nonstop_tsc pni vmx est ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm hypervisor ida "
    "tpr_shadow vnmi flexpriority ept vpid",
    "features": "009ce3bd-bfebfbff-00000001-28100800",
}

SOFTWARE_VERSION = {
    "product_version": "8.4.0",
    "product_version_text": "8.4",
    "product_version_text_short": "8.4",
    "platform_name": "XCP",
    "platform_version": "3.4.0",
    "product_brand": "XenServer",
    "build_number": "8.4.0",
    "git_id": "0",
    "date": "2024-04-02",
    "dbv": "2024.0402",
    "xapi": "24.19",
    "xapi_build": "24.19.2",
    "xen": "4.17.3-4",
    "linux": "4.19.0+1",
    "xencenter_min": "2.21",
    "xencenter_max": "2.21",
    "network_backend": "openvswitch",
    "db_schema": "5.780",
}


def license_params(edition: str, sockets: int) -> dict[str, str]:
    """What a licensed (or free) host reports; the restrictions follow the edition."""
    free = edition == "free"
    flag = "true" if free else "false"
    return {
        "sku_type": edition,
        "sku_marketing_name": "XenServer" if free else "XenServer Premium Edition",
        "version": SOFTWARE_VERSION["product_version"],
        "serialnumber": "",
        "sockets": str(sockets),
        "productcode": "",
        "expiry": "20301231T00:00:00Z",
        "grace": "no",
        "restrict_pooling": "false",
        "restrict_vlan": "false",
        "restrict_qos": "false",
        "restrict_pool_attached_storage": "false",
        "restrict_netapp": flag,
        "restrict_equalogic": flag,
        "restrict_storagelink": flag,
        "restrict_historical_performance": flag,
        "restrict_wlb": flag,
        "restrict_rbac": flag,
        "restrict_dmc": flag,
        "restrict_checkpoint": flag,
        "restrict_cpu_masking": flag,
        "restrict_email_alerting": flag,
        "restrict_vmpr": flag,
        "restrict_dr": flag,
        "restrict_vswitch_controller": flag,
        "enable_xha": "false" if free else "true",
        "restrict_marathon": "false",
        "restrict_connection": "false",
        "platform_filter": "false",
        "regular_nag_dialog": "false",
    }


def bios(vendor: str, product: str, serial: str) -> dict[str, str]:
    return {
        "bios-vendor": vendor,
        "bios-version": "2.7.0",
        "system-manufacturer": vendor,
        "system-product-name": product,
        "system-version": "",
        "system-serial-number": serial,
        "oem-1": "Xen",
        "oem-2": "MS_VM_CERT/SHA1/bdbeb6e0a816d43fa6d3fe8aaef04c2bad9d3e3d",
        "hp-rombios": "",
    }


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    description: str
    hvm: bool
    memory: int
    vcpus: int
    disk: int
    install: str = "cdrom"
    linux: bool = True


DEFAULT_TEMPLATES: tuple[TemplateSpec, ...] = (
    TemplateSpec("Windows Server 2022 (64-bit)", "Windows Server 2022", True, 2 * GiB, 2, 32 * GiB, linux=False),
    TemplateSpec("Windows Server 2019 (64-bit)", "Windows Server 2019", True, 2 * GiB, 2, 32 * GiB, linux=False),
    TemplateSpec("Windows 10 (64-bit)", "Windows 10", True, 2 * GiB, 2, 32 * GiB, linux=False),
    TemplateSpec("Windows 11", "Windows 11", True, 4 * GiB, 2, 64 * GiB, linux=False),
    TemplateSpec("CentOS 7", "CentOS 7", False, 2 * GiB, 1, 10 * GiB, "cdrom,nfs,http,ftp"),
    TemplateSpec("CentOS Stream 9", "CentOS Stream 9", True, 2 * GiB, 2, 10 * GiB, "cdrom,nfs,http,ftp"),
    TemplateSpec("Debian Bookworm 12", "Debian Bookworm 12", True, 2 * GiB, 1, 10 * GiB, "cdrom,nfs,http,ftp"),
    TemplateSpec("Debian Bullseye 11", "Debian Bullseye 11", True, 2 * GiB, 1, 10 * GiB, "cdrom,nfs,http,ftp"),
    TemplateSpec("Red Hat Enterprise Linux 8", "Red Hat Enterprise Linux 8", True, 2 * GiB, 2, 10 * GiB),
    TemplateSpec("Red Hat Enterprise Linux 9", "Red Hat Enterprise Linux 9", True, 2 * GiB, 2, 10 * GiB),
    TemplateSpec("Ubuntu Focal Fossa 20.04", "Ubuntu Focal Fossa 20.04", True, 2 * GiB, 1, 10 * GiB),
    TemplateSpec("Ubuntu Jammy Jellyfish 22.04", "Ubuntu Jammy Jellyfish 22.04", True, 2 * GiB, 1, 10 * GiB),
    TemplateSpec("Other install media", "Other install media", True, 512 * MiB, 1, 8 * GiB, linux=False),
)


def add_default_template(b: PoolBuilder, t: TemplateSpec) -> str:
    """A default template as XAPI ships it: no devices, disks described for provisioning."""
    other = {
        "default_template": "true",
        "install-methods": t.install,
        "disks": f'<provision><disk device="0" size="{t.disk}" sr="" bootable="true" type="system"/></provision>',
    }
    if t.linux:
        other["linux_template"] = "true"
    if t.name.startswith("Windows"):
        other["base_template_name"] = t.name
    vm = b.vm(
        t.name,
        memory=t.memory,
        vcpus=t.vcpus,
        hvm=t.hvm,
        description=f"Clones of this template will automatically provision their storage when first booted and "
        f"then reconfigure themselves with the optimal settings for {t.description}.",
        cd=None,
        other_config=other,
        is_a_template=True,
        is_default_template=True,
        recommendations='<restrictions><restriction field="memory-static-max" max="1649267441664"/>'
        '<restriction field="vcpus-max" max="32"/><restriction property="number-of-vbds" max="255"/>'
        '<restriction property="number-of-vifs" max="7"/><restriction field="has-vendor-device" value="false"/>'
        "</restrictions>",
    )
    rec = b[vm]
    rec["memory_static_min"] = t.memory // 2
    rec["memory_dynamic_min"] = t.memory
    return vm


def add_pool(b: PoolBuilder, name: str, master: str, sr: str = NULL_REF, **fields: object) -> str:
    return b.add(
        "pool",
        name_label=name,
        master=master,
        default_SR=sr,
        suspend_image_SR=sr,
        crash_dump_SR=sr,
        other_config={"memory-ratio-hvm": "0.25", "memory-ratio-pv": "0.25"},
        cpu_info={"cpu_count": "0", "socket_count": "0", "vendor": "GenuineIntel"},
        **fields,
    )
