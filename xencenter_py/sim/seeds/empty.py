"""A pool with one host and nothing else (``--seed empty``): the host, its control domain
and management interface, and the storage drivers every installation has."""

from __future__ import annotations

from xencenter_py.sim.members import member_address
from xencenter_py.sim.seeds.builder import GiB, MiB, PoolBuilder
from xencenter_py.sim.seeds.common import XEON_E5570, add_drivers, add_pool
from xencenter_py.sim.seeds.parts import add_host, add_management_pif
from xencenter_py.sim.store import Store


def add_single_host(b: PoolBuilder, name: str, edition: str, memory: int = 32 * GiB) -> str:
    """One host with its management network, as a fresh installation has it."""
    host = add_host(
        b, name, member_address(1), cpu=XEON_E5570, memory_total=memory - 180 * MiB, serial="7F3K2L1", edition=edition
    )
    network = b.network("Pool-wide network associated with eth0", "xenbr0", automatic="true")
    add_management_pif(b, host, network)
    return host


def build(store: Store) -> None:
    b = PoolBuilder(store)
    add_drivers(b)
    host = add_single_host(b, "xenserver-01", "premium")
    add_pool(b, "", host)
    b.commit()
