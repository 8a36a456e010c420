"""The property tabs' plain-Python actions against a simulated demo pool over real sockets:
each changes the pool, and the change comes back to the cache through events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import SimProcess
from tests.model.waiting import wait_until
from xencenter_py.model import availability, storage_types
from xencenter_py.model.actions import memory, network, snapshot, storage, users
from xencenter_py.model.actions.base import ActionError
from xencenter_py.model.connection import Connection
from xencenter_py.xapi.errors import Failure

GiB = 1024**3


@pytest.fixture
async def conn(sim_factory: Any) -> AsyncIterator[Connection]:
    sim: SimProcess = sim_factory("--seed", "demo", "--speed", "400", "--user", "viewer:viewer-pw:read-only")
    c = Connection(sim.url, "root", sim.password)
    await c.connect()
    c.sim = sim  # type: ignore[attr-defined]
    yield c
    await c.disconnect()


def vm_named(conn: Connection, name: str) -> Any:
    return next(v for v in conn.cache.all("VM") if v.name == name)


def sr_of_type(conn: Connection, sr_type: str) -> Any:
    return next(s for s in conn.cache.all("SR") if s.type == sr_type)


async def test_disk_lifecycle_on_a_vm(conn: Connection) -> None:
    vm = vm_named(conn, "CentOS 7 Test")
    nfs = sr_of_type(conn, "nfs")
    before = len(vm.vbds)
    seen: list[float] = []
    vbd_ref = await storage.add_disk(conn, vm, storage.NewDisk("data", 2 * GiB, nfs), lambda f, d: seen.append(f))
    assert seen and seen[-1] == 1.0
    await wait_until(conn, lambda: len(vm.vbds) == before + 1)
    vbd = conn.cache.get("VBD", vbd_ref)
    vdi = conn.cache.get("VDI", vbd.get("VDI"))
    assert vdi.name == "data" and vdi.virtual_size == 2 * GiB
    # NFS cannot resize (the deck's table): refused before any call, with the reason.
    with pytest.raises(ActionError, match="NFS"):
        await storage.resize_vdi(conn, vdi, 4 * GiB)
    await storage.detach(conn, vbd)
    await wait_until(conn, lambda: len(vm.vbds) == before)
    await storage.delete_vdi(conn, vdi)
    await wait_until(conn, lambda: not vdi.exists)


async def test_resize_where_the_sr_can_and_capability_names(conn: Connection) -> None:
    lvm = sr_of_type(conn, "lvm")
    assert storage_types.product_name("lvmohba") == "Hardware HBA"
    assert storage_types.capability_names(lvm) == ["Virtual disk resize"]
    ref = await storage.create_vdi(conn, storage.NewDisk("grow me", GiB, lvm))
    await wait_until(conn, lambda: conn.cache.get("VDI", ref) is not None)
    vdi = conn.cache.get("VDI", ref)
    with pytest.raises(ActionError):
        await storage.resize_vdi(conn, vdi, GiB // 2)
    await storage.resize_vdi(conn, vdi, 3 * GiB)
    await wait_until(conn, lambda: vdi.virtual_size == 3 * GiB)
    ok, reason = availability.evaluate([availability.sr_capability("VDI_SNAPSHOT", lambda v: v.sr)], [vdi])
    assert not ok and reason == "LVM storage does not support snapshots"


async def test_cd_and_tools(conn: Connection) -> None:
    vm = vm_named(conn, "CentOS 7 Test")
    drive = storage.cd_drive(vm)
    iso = next(v for s in conn.cache.all("SR") if s.type == "iso" and not s.is_tools_sr for v in s.vdis)
    await storage.change_cd(conn, drive, iso.ref)
    await wait_until(conn, lambda: drive.get("VDI") == iso.ref)
    await storage.install_tools(conn, vm)
    tools = storage.tools_iso(vm)
    await wait_until(conn, lambda: drive.get("VDI") == tools.ref)
    await storage.change_cd(conn, drive, None)
    await wait_until(conn, lambda: drive.get("empty"))


async def test_vif_network_bond_vlan(conn: Connection) -> None:
    vm = vm_named(conn, "CentOS 7 Test")
    host = next(h for h in conn.cache.all("host") if h.name == "xs-demo-02")
    internal = await network.create_network(conn, network.NewNetwork(network.NetworkKind.INTERNAL, "Lab"))
    await wait_until(conn, lambda: conn.cache.get("network", internal) is not None)
    net = conn.cache.get("network", internal)
    with pytest.raises(ActionError):
        await network.add_vif(conn, vm, net, mac="not-a-mac")
    vif_ref = await network.add_vif(conn, vm, net, limit_kbps=1000)
    await wait_until(conn, lambda: conn.cache.get("VIF", vif_ref) is not None)
    vif = conn.cache.get("VIF", vif_ref)
    assert vif.get("qos_algorithm_params") == {"kbps": "1000"}
    await network.remove_vif(conn, vif)
    await network.remove_network(conn, net)
    await wait_until(conn, lambda: not net.exists)

    spec = network.NewNetwork(network.NetworkKind.VLAN, "VLAN 300", nic="eth4", vlan=300)
    vlan = await network.create_network(conn, spec)
    await wait_until(conn, lambda: (n := conn.cache.get("network", vlan)) is not None and len(n.pifs) == 3)
    await network.remove_network(conn, conn.cache.get("network", vlan))
    await wait_until(conn, lambda: conn.cache.get("network", vlan) is None)

    nics = [p for p in host.pifs if p.get("device") in ("eth4", "eth5")]
    bond = await network.create_bond(conn, host, nics, "lacp", "Bond 4+5")
    await wait_until(conn, lambda: all(p.get("bond_slave_of") == bond for p in nics))
    master = conn.cache.get("PIF", conn.cache.record("Bond", bond)["master"])
    await network.delete_bond(conn, master)
    await wait_until(conn, lambda: all(p.get("bond_slave_of") == "OpaqueRef:NULL" for p in nics))


async def test_snapshots(conn: Connection) -> None:
    vm = vm_named(conn, "Windows Server 2019 Staging")
    ref = await snapshot.take(conn, vm, "before upgrade", description="kept")
    # The snapshot and then its description arrive as two events.
    await wait_until(
        conn, lambda: conn.cache.get("VM", ref) is not None and conn.cache.get("VM", ref).description == "kept"
    )
    snap = conn.cache.get("VM", ref)
    assert snap.is_snapshot
    with pytest.raises(ActionError):
        await snapshot.take(conn, vm, "mem", with_memory=True)  # halted: no memory to keep
    await snapshot.revert(conn, snap, snapshot_first="safety")
    await wait_until(conn, lambda: any(s.name == "safety" for s in vm.snapshots))
    template = await snapshot.new_template(conn, snap, "From snapshot")
    new_vm = await snapshot.new_vm(conn, snap, "VM from snapshot")
    await wait_until(conn, lambda: conn.cache.get("VM", new_vm) is not None and conn.cache.get("VM", template))
    assert conn.cache.get("VM", template).is_template
    await wait_until(conn, lambda: conn.cache.get("VM", new_vm).is_real_vm)
    await snapshot.delete(conn, [snap])
    await wait_until(conn, lambda: not snap.exists)


async def test_memory_constraints_before_sending(conn: Connection) -> None:
    halted = vm_named(conn, "CentOS 7 Test")
    running = vm_named(conn, "SQL Database Server")
    with pytest.raises(ActionError, match="at least"):
        await memory.set_memory(conn, [halted], memory.MemorySettings(256 * 1024**2, GiB, 4 * GiB))
    with pytest.raises(ActionError, match="shut down"):
        await memory.set_memory(conn, [running], memory.MemorySettings.fixed(running.memory_static_max * 2))
    await memory.set_memory(conn, [halted], memory.MemorySettings(GiB, 2 * GiB, 2 * GiB))
    await wait_until(conn, lambda: int(halted.get("memory_static_max")) == 2 * GiB)
    assert int(halted.get("memory_dynamic_min")) == GiB


async def test_users_and_domain(conn: Connection) -> None:
    await users.join_domain(conn, "xendemo.local", "XENDEMO\\Administrator", "dc-pw")
    await wait_until(conn, lambda: conn.cache.pool.coordinator.get("external_auth_type") == "AD")
    ref = await users.add_subject(conn, "XENDEMO\\alice", "vm-admin")
    await wait_until(conn, lambda: conn.cache.get("subject", ref) is not None)
    subject = conn.cache.get("subject", ref)
    assert users.subject_role(conn, subject) == "vm-admin"
    with pytest.raises(ActionError):
        await users.add_subject(conn, "alice", "read-only")
    alice = Connection(conn.sim.url, "XENDEMO\\alice", "dc-pw")  # type: ignore[attr-defined]
    await alice.connect()
    assert alice.can_call("VM.start") and not alice.can_call("pool.join")
    await users.change_role(conn, subject, "read-only")
    await wait_until(conn, lambda: users.subject_role(conn, subject) == "read-only")
    await users.logout(conn, subject)
    await alice.disconnect()
    await users.remove_subject(conn, subject)
    await wait_until(conn, lambda: not subject.exists)
    with pytest.raises(Failure):
        await users.add_subject(conn, "nobody", "read-only")
    await users.leave_domain(conn)
    await wait_until(conn, lambda: conn.cache.pool.coordinator.get("external_auth_type") == "")


async def test_read_only_role_disables_every_check(conn: Connection) -> None:
    viewer = Connection(conn.sim.url, "viewer", "viewer-pw")  # type: ignore[attr-defined]
    await viewer.connect()
    try:
        vdi = next(v for v in viewer.cache.all("VDI") if v.sr is not None and v.sr.type == "lvm")
        ok, reason = availability.evaluate([availability.role("VDI.resize")], [vdi])
        assert not ok and reason == availability.role_reason()
    finally:
        await viewer.disconnect()
