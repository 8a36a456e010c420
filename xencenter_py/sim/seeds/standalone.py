"""A single unpooled server on the free edition with local storage only (``--seed standalone``)."""

from __future__ import annotations

from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder
from xencenter_py.sim.seeds.common import add_drivers, add_pool
from xencenter_py.sim.seeds.empty import add_single_host
from xencenter_py.sim.seeds.parts import (
    CENTOS_7,
    WINDOWS_2012,
    add_default_templates,
    add_dvd_drive,
    add_local_storage,
    add_removable_storage,
    add_tools_sr,
    running_on,
)
from xencenter_py.sim.store import Store


def build(store: Store) -> None:
    b = PoolBuilder(store, seed=7)
    add_drivers(b)
    host = add_single_host(b, "xenserver-lab", "free", memory=16 * GiB)
    network = next(ref for ref, rec in b.recs.items() if rec.get("bridge") == "xenbr0")
    local = add_local_storage(b, host, 250 * GiB, serial="scsi-SATA_WDC_WD2502ABYS-_WD-WCAT1F454121")
    add_dvd_drive(b, host)
    add_removable_storage(b, host)
    add_tools_sr(b, [host])
    for name, memory, vcpus, disk, guest in (
        ("Lab Windows Server", 4 * GiB, 2, 40 * GiB, WINDOWS_2012),
        ("Lab Linux", 1 * GiB, 1, 10 * GiB, CENTOS_7),
    ):
        b.vm(name, memory=memory, vcpus=vcpus, disks=[(local, disk)], networks=[network], **running_on(host), **guest)
    b.vm("検証用 VM", memory=512 * MiB, vcpus=1, affinity=host, disks=[(local, 8 * GiB)], networks=[network])
    add_default_templates(b)
    add_pool(b, "", host, local)
    b.commit()
