"""A large consistent pool for benchmarks (``--pool-size HOSTS:VMS``).

Every host has local storage, a management interface and a DVD drive; the pool shares an
NFS and an iSCSI SR. Every VM has a disk, an empty CD drive, a VIF and metrics; about two
thirds run (spread so each host's memory holds them, on their home server) and those with
tools report guest metrics. A few default templates complete the tree.
"""

from __future__ import annotations

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.members import member_address
from xencenter_py.sim.seeds import parts
from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder
from xencenter_py.sim.seeds.common import XEON_E5570, add_drivers, add_pool
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
        host = parts.add_host(
            b,
            name,
            member_address(n + 1),
            cpu=XEON_E5570,
            memory_total=memory_total,
            serial=f"SC{n:05d}",
            dom0_memory=2 * GiB,
        )
        parts.add_management_pif(b, host, mgmt, netmask="255.0.0.0", gateway="", dns="")
        b.pif(host, guest, "eth1")
        locals_.append(parts.add_local_storage(b, host, 2 * TiB))
        parts.add_dvd_drive(b, host)
        host_refs.append(host)
    nfs = parts.add_nfs_sr(b, host_refs, "127.0.99.5", "/vol/scale", 500 * TiB)
    iscsi = parts.add_iscsi_sr(b, host_refs, "127.0.99.6", "iqn.2009-06.com.example:scale", 500 * TiB)
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
        profile = parts.WINDOWS_2012 if windows else parts.CENTOS_7
        if not i % 5:
            profile = {**profile, "tools": None}  # no guest agent
        b.vm(
            f"VM {i + 1:05d}",
            memory=memory,
            vcpus=1 + i % 4,
            power="Running" if running else "Halted",
            host=host if running else NULL_REF,
            affinity=host,
            disks=[(sr, (8 + i % 4 * 8) * GiB)],
            networks=[guest],
            **profile,
        )
    parts.add_default_templates(b, 6)
    add_pool(b, f"Scale pool {hosts}x{vms}", host_refs[0], nfs)
    b.commit()
