"""Every address a seed gives a host is one the simulator serves (``--members`` serves each
host on its own loopback address, coordinator first); storage servers named in SR
configuration are loopback-range data that nothing ever contacts."""

from __future__ import annotations

import ipaddress

import pytest

from xencenter_py.sim.members import assign_addresses, member_address
from xencenter_py.sim.seeds import scale, seed
from xencenter_py.sim.store import Store

SERVER_KEYS = ("server", "target")


def built(name: str) -> Store:
    store = Store()
    if name == "pool-size":
        scale.build(store, 7, 20)
    else:
        seed(store, name)  # type: ignore[arg-type]
    return store


def coordinator(store: Store) -> str:
    return next(iter(store.tables["pool"].values()))["master"]


@pytest.mark.parametrize("name", ["demo", "standalone", "empty", "pool-size"])
def test_host_addresses_are_the_served_member_addresses(name: str) -> None:
    store = built(name)
    before = {ref: rec["address"] for ref, rec in store.tables["host"].items()}
    assert before[coordinator(store)] == member_address(1) == "127.0.0.1"
    assert all(ipaddress.ip_address(a).is_loopback for a in before.values())
    served = assign_addresses(store, coordinator(store), "127.0.0.1")
    # --members serves exactly the addresses the seed gave (it changes none of them)
    assert {ref: rec["address"] for ref, rec in store.tables["host"].items()} == before
    assert served == {address: ref for ref, address in before.items()}
    management = {rec["IP"] for rec in store.tables["PIF"].values() if rec["management"]}
    assert management == set(before.values())


@pytest.mark.parametrize("name", ["demo", "pool-size"])
def test_storage_servers_are_loopback_data_no_host_serves(name: str) -> None:
    store = built(name)
    hosts = {rec["address"] for rec in store.tables["host"].values()}
    servers = [
        rec["device_config"][key]
        for rec in store.tables["PBD"].values()
        for key in SERVER_KEYS
        if key in rec["device_config"] and rec["device_config"][key][:1].isdigit()
    ]
    assert servers
    for server in servers:
        assert ipaddress.ip_address(server).is_loopback and server not in hosts
