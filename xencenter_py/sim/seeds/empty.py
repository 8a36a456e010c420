"""A pool with one host and nothing else (``--seed empty``): the host, its control domain
and management interface, and the storage drivers every installation has."""

from __future__ import annotations

from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder
from xencenter_py.sim.seeds.common import (
    SOFTWARE_VERSION,
    XEON_E5570,
    add_drivers,
    add_pool,
    bios,
    license_params,
)
from xencenter_py.sim.store import Store


def add_single_host(b: PoolBuilder, name: str, edition: str, memory: int = 32 * GiB) -> str:
    """One host with its management network, as a fresh installation has it."""
    host = b.host(
        name,
        "192.168.10.21",
        cpu=XEON_E5570,
        memory_total=memory - 180 * MiB,
        dom0_memory=1 * GiB,
        software_version=SOFTWARE_VERSION,
        edition=edition,
        license_params=license_params(edition, 2),
        bios=bios("Dell Inc.", "PowerEdge R710", "7F3K2L1"),
    )
    network = b.network("Pool-wide network associated with eth0", "xenbr0", automatic="true")
    b.pif(
        host,
        network,
        "eth0",
        management=True,
        ip="192.168.10.21",
        netmask="255.255.255.0",
        gateway="192.168.10.1",
        dns="192.168.10.2",
    )
    return host


def build(store: Store) -> None:
    b = PoolBuilder(store)
    add_drivers(b)
    host = add_single_host(b, "xenserver-01", "premium")
    add_pool(b, "", host)
    b.commit()
