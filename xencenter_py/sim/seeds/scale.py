"""A large consistent pool for benchmarks (``--pool-size HOSTS:VMS``).

Every host has local storage, a management interface and a DVD drive; the pool shares an
NFS and an iSCSI SR. Every VM has a disk, an empty CD drive, a VIF and metrics; about two
thirds run (spread so each host's memory holds them, on their home server) and those with
tools report guest metrics. A few default templates complete the tree.
"""

from __future__ import annotations

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder
from xencenter_py.sim.seeds.common import (
    DEFAULT_TEMPLATES,
    SOFTWARE_VERSION,
    XEON_E5570,
    add_default_template,
    add_drivers,
    add_pool,
    bios,
    license_params,
)
from xencenter_py.sim.seeds.demo import CENTOS, LINUX_TOOLS, WIN2012, WIN_TOOLS
from xencenter_py.sim.store import Store

TiB = 1024**4
_MEMORY = (512 * MiB, 1 * GiB, 2 * GiB, 4 * GiB)


def build(store: Store, hosts: int, vms: int) -> None:
    """Fill an empty store with ``hosts`` hosts and ``vms`` VMs."""
    b = PoolBuilder(store, seed=hosts * 100_003 + vms)
    add_drivers(b)
    per_host = -(-vms // hosts) if hosts else 0
    memory_total = max(-(-per_host * 2 // 64), 1) * 64 * GiB
    mgmt = b.network("Pool-wide network associated with eth0", "xenbr0", automatic="true")
    guest = b.network("Guest network", "xenbr1", automatic="true")
    host_refs: list[str] = []
    locals_: list[str] = []
    for n in range(hosts):
        name = f"scale-host-{n + 1:03d}"
        host = b.host(
            name,
            f"10.{100 + n // 250}.{n % 250}.10",
            cpu=XEON_E5570,
            memory_total=memory_total,
            dom0_memory=2 * GiB,
            software_version=SOFTWARE_VERSION,
            edition="premium",
            license_params=license_params("premium", 2),
            bios=bios("Dell Inc.", "PowerEdge R710", f"SC{n:05d}"),
        )
        b.pif(host, mgmt, "eth0", management=True, ip=b[host]["address"], netmask="255.255.0.0")
        b.pif(host, guest, "eth1")
        local = b.sr(
            "Local storage",
            "lvm",
            hosts=[host],
            size=2 * TiB,
            device_config={"device": "/dev/sda3"},
            sm_config={"allocation": "thick", "use_vhd": "true"},
            other_config={"i18n-key": "local-storage"},
        )
        b[host]["suspend_image_sr"] = b[host]["crash_dump_sr"] = local
        b.sr(
            "DVD drives",
            "udev",
            hosts=[host],
            content_type="iso",
            device_config={"location": "/dev/xapi/cd"},
            sm_config={"type": "cd"},
        )
        host_refs.append(host)
        locals_.append(local)
    nfs = b.sr(
        "NFS virtual disk storage",
        "nfs",
        hosts=host_refs,
        shared=True,
        size=500 * TiB,
        device_config={"server": "10.99.0.5", "serverpath": "/vol/scale"},
    )
    iscsi = b.sr(
        "iSCSI storage",
        "lvmoiscsi",
        hosts=host_refs,
        shared=True,
        size=500 * TiB,
        content_type="",
        device_config={"target": "10.99.0.6", "targetIQN": "iqn.2009-06.com.example:scale", "port": "3260"},
    )
    used = dict.fromkeys(host_refs, 0)
    budget = memory_total * 3 // 4
    for i in range(vms):
        host = host_refs[i % hosts]
        memory = _MEMORY[i % len(_MEMORY)]
        windows = i % 3 == 0
        running = i % 3 != 2 and used[host] + memory <= budget
        if running:
            used[host] += memory
        shared = i % 4 != 3
        sr = (nfs if i % 2 else iscsi) if shared else locals_[i % hosts]
        b.vm(
            f"VM {i + 1:05d}",
            memory=memory,
            vcpus=1 + i % 4,
            hvm=windows,
            power="Running" if running else "Halted",
            host=host if running else NULL_REF,
            affinity=host,
            os=WIN2012 if windows else CENTOS,
            tools=(WIN_TOOLS if windows else LINUX_TOOLS) if i % 5 else None,
            disks=[(sr, (8 + i % 4 * 8) * GiB)],
            networks=[guest],
        )
    for spec in DEFAULT_TEMPLATES[:6]:
        add_default_template(b, spec)
    add_pool(b, f"Scale pool {hosts}x{vms}", host_refs[0], nfs)
    b.commit()
