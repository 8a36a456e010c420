"""A single unpooled server on the free edition with local storage only (``--seed standalone``)."""

from __future__ import annotations

from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder
from xencenter_py.sim.seeds.common import DEFAULT_TEMPLATES, add_default_template, add_drivers, add_pool
from xencenter_py.sim.seeds.demo import CENTOS, LINUX_TOOLS, WIN2012, WIN_TOOLS
from xencenter_py.sim.seeds.empty import add_single_host
from xencenter_py.sim.store import Store


def build(store: Store) -> None:
    b = PoolBuilder(store, seed=7)
    add_drivers(b)
    host = add_single_host(b, "xenserver-lab", "free", memory=16 * GiB)
    network = next(ref for ref, rec in b.recs.items() if rec.get("bridge") == "xenbr0")
    local = b.sr(
        "Local storage",
        "lvm",
        hosts=[host],
        size=250 * GiB,
        device_config={"device": "/dev/disk/by-id/scsi-SATA_WDC_WD2502ABYS-_WD-WCAT1F454121-part3"},
        sm_config={"allocation": "thick", "use_vhd": "true", "devserial": "scsi-SATA_WDC_WD2502ABYS-_WD-WCAT1F454121"},
        other_config={"i18n-key": "local-storage", "i18n-original-value-name_label": "Local storage"},
    )
    b[host]["suspend_image_sr"] = local
    b[host]["crash_dump_sr"] = local
    dvd = b.sr(
        "DVD drives",
        "udev",
        hosts=[host],
        content_type="iso",
        description="Physical DVD drives",
        device_config={"location": "/dev/xapi/cd"},
        sm_config={"type": "cd"},
        other_config={"i18n-key": "local-hotplug-cd", "i18n-original-value-name_label": "DVD drives"},
    )
    b.vdi(dvd, "SCSI 0:0:0:0", GiB, read_only=True, location="/dev/xapi/cd/sr0", sm_config={})
    b.sr(
        "Removable storage",
        "udev",
        hosts=[host],
        content_type="disk",
        device_config={"location": "/dev/xapi/block"},
        sm_config={"type": "block"},
        other_config={"i18n-key": "local-hotplug-disk", "i18n-original-value-name_label": "Removable storage"},
    )
    tools = b.sr(
        "XenServer Tools",
        "iso",
        hosts=[host],
        content_type="iso",
        description="XenServer Tools ISOs",
        device_config={"location": "/opt/xensource/packages/iso", "legacy_mode": "true"},
        other_config={"xensource_internal": "true", "xenserver_tools_sr": "true", "i18n-key": "xenserver-tools"},
        is_tools_sr=True,
    )
    b.vdi(tools, "guest-tools.iso", 118_595_584, location="guest-tools.iso", read_only=True, is_tools_iso=True)
    b.vm(
        "Lab Windows Server",
        memory=4 * GiB,
        vcpus=2,
        power="Running",
        host=host,
        affinity=host,
        os=WIN2012,
        tools=WIN_TOOLS,
        disks=[(local, 40 * GiB)],
        networks=[network],
    )
    b.vm(
        "Lab Linux",
        memory=1 * GiB,
        vcpus=1,
        hvm=False,
        power="Running",
        host=host,
        affinity=host,
        os=CENTOS,
        tools=LINUX_TOOLS,
        disks=[(local, 10 * GiB)],
        networks=[network],
    )
    b.vm("検証用 VM", memory=512 * MiB, vcpus=1, affinity=host, disks=[(local, 8 * GiB)], networks=[network])
    for spec in DEFAULT_TEMPLATES:
        add_default_template(b, spec)
    add_pool(b, "", host, local)
    b.commit()
