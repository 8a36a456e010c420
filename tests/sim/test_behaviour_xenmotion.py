"""XenMotion by the deck's model over the official SDK: pre-copy rounds and downtime from
the VM's memory, its workload and the migration link, recorded on the task."""

from __future__ import annotations

from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import details, host_by_name, vm_by_name, wait_task, wait_until


def migrate(x: Any, name: str, host: str) -> dict[str, Any]:
    """Migrate VM ``name`` to ``host``; the finished task record."""
    vm = vm_by_name(x, name)
    task = x.Async.VM.pool_migrate(vm, host_by_name(x, host), {"live": "true"})
    record = wait_task(x, task, timeout=60)
    assert record["status"] == "success", record["error_info"]
    assert x.VM.get_power_state(vm) == "Running"
    return record


def figures(record: dict[str, Any]) -> tuple[int, int]:
    other = record["other_config"]
    return int(other["migration_downtime_ms"]), int(other["migration_precopy_rounds"])


def test_ordinary_vms_stop_for_150_to_2000_ms(x: Any) -> None:
    for name, target in (
        ("Web Server 1", "xs-demo-03"),
        ("XenApp Server 01", "xs-demo-03"),
        ("Dev Server", "xs-demo-01"),
    ):
        # A steady, ordinary load (the demo's workloads follow the time of day: at night an idle
        # VM's memory can be copied in one round).
        x.simulator.set_vm_workload(vm_by_name(x, name), 0.3)
        record = migrate(x, name, target)
        downtime, rounds = figures(record)
        assert 150 <= downtime <= 2000, (name, downtime)
        assert rounds >= 2
        assert record["other_config"]["migration_phase"] == "resumed"


def test_a_busier_vm_needs_more_rounds_and_a_faster_one_than_the_link_stops_longer(x: Any) -> None:
    vm = vm_by_name(x, "SQL Database Server")
    x.simulator.set_vm_workload(vm, 0.05)
    idle = migrate(x, "SQL Database Server", "xs-demo-01")
    x.simulator.set_vm_workload(vm, 0.6)
    busy = migrate(x, "SQL Database Server", "xs-demo-03")
    assert figures(busy)[1] > figures(idle)[1]
    # 4 vCPUs fully busy on a 100 Mbit/s link: pre-copy cannot converge, XAPI still finishes.
    x.simulator.set_migration_bandwidth(100.0)
    try:
        x.simulator.set_vm_workload(vm, 1.0)
        flooded = migrate(x, "SQL Database Server", "xs-demo-01")
    finally:
        x.simulator.set_migration_bandwidth(1000.0)
    assert figures(flooded)[0] > 2000


def test_progress_moves_through_the_phases_and_the_vm_stays_running(x: Any) -> None:
    vm = vm_by_name(x, "XenApp Server 03")
    source = x.VM.get_resident_on(vm)
    target = next(h for h in x.host.get_all() if h != source)
    task = x.Async.VM.pool_migrate(vm, target, {"live": "true"})
    seen = wait_until(x, "task", task, lambda r: r["other_config"].get("migration_phase", "").startswith("precopy"))
    assert 0.0 <= float(seen["progress"]) < 1.0
    assert x.VM.get_power_state(vm) == "Running" and x.VM.get_resident_on(vm) == source
    assert wait_task(x, task)["status"] == "success"
    assert x.VM.get_resident_on(vm) == target


def test_extension_calls_check_their_input(x: Any) -> None:
    vm = vm_by_name(x, "Web Server 2")
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.set_vm_workload(vm, 1.5)
    assert details(err)[0] == "VALUE_NOT_SUPPORTED"
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.set_migration_bandwidth(0.0)
    assert details(err)[0] == "VALUE_NOT_SUPPORTED"
    with pytest.raises(XenAPI.Failure) as err:
        x.simulator.no_such_call()
    assert details(err)[0] == "MESSAGE_METHOD_UNKNOWN"


def test_a_running_vms_disk_moves_live(x: Any) -> None:
    vm = vm_by_name(x, "Dev Server")
    vbd = next(b for b in x.VM.get_VBDs(vm) if x.VBD.get_type(b) == "Disk")
    vdi = x.VBD.get_VDI(vbd)
    target = next(s for s in x.SR.get_all() if x.SR.get_type(s) == "lvmoiscsi")
    task = x.Async.VDI.pool_migrate(vdi, target, {})
    assert wait_task(x, task)["status"] == "success"
    assert x.VDI.get_SR(vdi) == target and x.VM.get_power_state(vm) == "Running"
    local = next(s for s in x.SR.get_all() if x.SR.get_name_label(s) == "Local LVHD storage")
    if x.VM.get_resident_on(vm) != x.PBD.get_host(x.SR.get_PBDs(local)[0]):
        with pytest.raises(XenAPI.Failure) as err:
            x.VDI.pool_migrate(vdi, local, {})
        assert details(err)[0] == "VM_REQUIRES_SR"
