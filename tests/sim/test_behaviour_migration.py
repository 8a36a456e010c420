"""Live migration and host evacuation (maintenance mode) over the XenAPI SDK (§8)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import SimProcess, close_proxy, start_sim
from tests.sim.behaviour_support import details, free_memory, host_by_name, login, vm_by_name, wait_task


@pytest.fixture
def sim() -> Iterator[SimProcess]:
    """A demo pool of each test's own: every test here moves, stops or evacuates the seed's
    VMs that the others start from."""
    process = start_sim("--seed", "demo", "--speed", "400")
    yield process
    process.stop()


@pytest.fixture
def x(sim: SimProcess) -> Iterator[Any]:
    session = login(sim)
    yield session.xenapi
    session.xenapi.session.logout()
    close_proxy(session)


def test_pool_migrate_moves_the_vm_and_its_memory(x: Any) -> None:
    vm = vm_by_name(x, "XenApp Server 01")
    source, target = x.VM.get_resident_on(vm), host_by_name(x, "xs-demo-03")
    before_source, before_target = free_memory(x, source), free_memory(x, target)
    domid = int(x.VM.get_domid(vm))
    task = x.Async.VM.pool_migrate(vm, target, {"live": "true"})
    assert wait_task(x, task)["status"] == "success"
    assert x.VM.get_resident_on(vm) == target and x.VM.get_power_state(vm) == "Running"
    assert vm in x.host.get_resident_VMs(target) and vm not in x.host.get_resident_VMs(source)
    assert int(x.VM.get_domid(vm)) != domid or source != target
    moved = before_target - free_memory(x, target)
    assert moved > 3 * 1024**3 and free_memory(x, source) - before_source == moved


def test_migration_refusals(x: Any) -> None:
    no_tools = vm_by_name(x, "Windows 7 Desktop")
    target = host_by_name(x, "xs-demo-03")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.pool_migrate(no_tools, target, {"live": "true"})
    assert details(err) == ["VM_MISSING_PV_DRIVERS", no_tools]
    local = vm_by_name(x, "営業部ファイルサーバー")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.pool_migrate(local, target, {"live": "true"})
    assert details(err)[:2] == ["VM_REQUIRES_SR", local]
    halted = vm_by_name(x, "CentOS 7 Test")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.pool_migrate(halted, target, {})
    assert details(err) == ["VM_BAD_POWER_STATE", halted, "running", "halted"]


def test_evacuation_reports_blockers_then_empties_the_host(x: Any) -> None:
    host = host_by_name(x, "xs-demo-01")
    blockers = x.host.get_vms_which_prevent_evacuation(host)
    no_tools = vm_by_name(x, "Windows 7 Desktop")
    assert blockers[no_tools] == ["VM_MISSING_PV_DRIVERS", no_tools]
    with pytest.raises(XenAPI.Failure) as err:
        x.host.assert_can_evacuate(host)
    assert details(err)[0] == "CANNOT_EVACUATE_HOST"
    x.VM.hard_shutdown(no_tools)
    assert x.host.get_vms_which_prevent_evacuation(host) == {}
    x.host.disable(host)
    task = x.Async.host.evacuate(host)
    assert wait_task(x, task)["status"] == "success"
    guests = [v for v in x.host.get_resident_VMs(host) if not x.VM.get_is_control_domain(v)]
    assert guests == []
    assert x.VM.get_power_state(vm_by_name(x, "Web Server 1")) == "Running"
    x.host.enable(host)


def test_storage_motion_moves_disks_networks_and_the_domain(x: Any) -> None:
    """XenCenter's migrate wizard: migrate_receive token, assert_can_migrate, Async migrate_send."""
    local = vm_by_name(x, "営業部ファイルサーバー")
    source = x.VM.get_resident_on(local)
    target = next(h for h in x.host.get_all() if h != source and x.host.get_enabled(h))
    vdis = [x.VBD.get_VDI(b) for b in x.VM.get_VBDs(local) if x.VBD.get_type(b) == "Disk"]
    plugged = {(p["SR"], p["host"]) for p in x.PBD.get_all_records().values() if p["currently_attached"]}
    shared = next(
        sr
        for sr, rec in x.SR.get_all_records().items()
        if rec["shared"] and rec["content_type"] != "iso" and int(rec["physical_size"]) > 0 and (sr, target) in plugged
    )
    management = x.PIF.get_network(x.host.get_management_interface(target))
    dest = x.host.migrate_receive(target, management, {})
    assert dest["host"] == target and {"SM", "xenops", "master", "session_id"} <= set(dest)
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.assert_can_migrate(local, dest, True, {}, {}, {}, {})
    assert details(err)[:2] == ["VM_REQUIRES_SR", local]
    vdi_map = dict.fromkeys(vdis, shared)
    x.VM.assert_can_migrate(local, dest, True, vdi_map, {}, {}, {})
    used_before = int(x.SR.get_physical_utilisation(shared))
    record = wait_task(x, x.Async.VM.migrate_send(local, dest, True, vdi_map, {}, {}, {}))
    assert record["status"] == "success", record["error_info"]
    assert record["result"] == f"<value>{local}</value>"
    assert x.VM.get_resident_on(local) == target and x.VM.get_power_state(local) == "Running"
    assert all(x.VDI.get_SR(v) == shared for v in vdis)
    assert int(x.SR.get_physical_utilisation(shared)) > used_before
    # A host of another pool: every disk must be mapped to that pool's storage.
    remote = dict(dest, host="OpaqueRef:another-pool-host")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.assert_can_migrate(local, remote, True, {}, {}, {}, {})
    assert details(err)[0] == "VDI_NOT_IN_MAP"
