"""VM power state machine over the official XenAPI SDK against the demo pool (§9)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import SimProcess, start_sim
from tests.sim.behaviour_support import (
    NULL,
    details,
    free_memory,
    host_by_name,
    login,
    sr_by_name,
    vm_by_name,
    wait_task,
    wait_until,
)


def test_start_runs_on_home_server_and_updates_every_record(x: Any) -> None:
    vm = vm_by_name(x, "CentOS 7 Test")
    home = x.VM.get_affinity(vm)
    before = free_memory(x, home)
    assert "start" in x.VM.get_allowed_operations(vm)

    x.VM.start(vm, False, False)

    rec = x.VM.get_record(vm)
    assert rec["power_state"] == "Running"
    assert rec["resident_on"] == home
    assert int(rec["domid"]) > 0
    assert vm in x.host.get_resident_VMs(home)
    assert "start" not in rec["allowed_operations"]
    assert "clean_shutdown" in rec["allowed_operations"]
    metrics = x.VM_metrics.get_record(rec["metrics"])
    assert int(metrics["memory_actual"]) == int(rec["memory_dynamic_max"])
    assert int(metrics["VCPUs_number"]) == int(rec["VCPUs_at_startup"])
    started = _dt.datetime.strptime(metrics["start_time"].value, "%Y%m%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)
    assert abs((_dt.datetime.now(_dt.UTC) - started).total_seconds()) < 120
    guest = x.VM_guest_metrics.get_record(rec["guest_metrics"])
    assert guest["live"] is True
    assert guest["networks"]["0/ip"].startswith("10.")
    disks = [x.VBD.get_record(v) for v in rec["VBDs"]]
    assert all(d["currently_attached"] for d in disks if d["type"] == "Disk")
    used = int(rec["memory_dynamic_max"]) + int(rec["memory_overhead"])
    assert free_memory(x, home) == before - used
    assert int(x.host.compute_free_memory(home)) == free_memory(x, home)

    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(vm, False, False)
    assert details(err) == ["VM_BAD_POWER_STATE", vm, "halted", "running"]

    x.VM.clean_shutdown(vm)
    rec = x.VM.get_record(vm)
    assert (rec["power_state"], rec["resident_on"], rec["domid"]) == ("Halted", NULL, "-1")
    assert free_memory(x, home) == before
    assert x.VM_guest_metrics.get_live(rec["guest_metrics"]) is False
    assert "start" in rec["allowed_operations"]


def test_shutdown_of_halted_vm_names_the_states(x: Any) -> None:
    vm = vm_by_name(x, "経理システム")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.clean_shutdown(vm)
    assert details(err) == ["VM_BAD_POWER_STATE", vm, "running", "halted"]
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.hard_shutdown(vm)
    assert details(err) == ["VM_BAD_POWER_STATE", vm, "paused, suspended, running", "halted"]


def test_templates_cannot_start(x: Any) -> None:
    template = vm_by_name(x, "Windows Server 2022 (64-bit)")
    assert x.VM.get_is_default_template(template) is True
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(template, False, False)
    assert details(err)[:2] == ["VM_IS_TEMPLATE", template]
    assert "start" not in x.VM.get_allowed_operations(template)


def test_memory_refusal(x: Any) -> None:
    vm = vm_by_name(x, "Big Data Analytics")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(vm, False, False)
    assert details(err) == ["NO_HOSTS_AVAILABLE"]
    host = host_by_name(x, "xs-demo-03")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start_on(vm, host, False, False)
    code, needed, available = details(err)
    assert code == "HOST_NOT_ENOUGH_FREE_MEMORY"
    assert int(needed) > 40 * 1024**3 > int(available) == free_memory(x, host)
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.assert_can_boot_here(vm, host)
    assert details(err)[0] == "HOST_NOT_ENOUGH_FREE_MEMORY"
    assert x.VM.get_possible_hosts(vm) == []
    assert x.VM.get_power_state(vm) == "Halted"


def test_local_storage_pins_a_vm_to_its_host(x: Any) -> None:
    vm = vm_by_name(x, "テスト用 VM")
    elsewhere = host_by_name(x, "xs-demo-01")
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start_on(vm, elsewhere, False, False)
    assert details(err) == ["VM_REQUIRES_SR", vm, sr_by_name(x, "Local LVHD storage")]
    assert x.VM.get_possible_hosts(vm) == [host_by_name(x, "xs-demo-03")]


def test_placement_without_home_server_picks_most_free_memory(x: Any) -> None:
    vm = vm_by_name(x, "Windows Server 2019 Staging")
    x.VM.set_affinity(vm, NULL)
    hosts = x.host.get_all()
    most_free = max(hosts, key=lambda h: free_memory(x, h))
    x.VM.start(vm, False, False)
    assert x.VM.get_resident_on(vm) == most_free
    x.VM.hard_shutdown(vm)
    assert x.VM.get_power_state(vm) == "Halted"


def test_home_server_is_used_even_when_another_has_more_memory(x: Any) -> None:
    vm = vm_by_name(x, "Windows Server 2019 Staging")
    home = host_by_name(x, "xs-demo-01")
    x.VM.set_affinity(vm, home)
    assert free_memory(x, home) < max(free_memory(x, h) for h in x.host.get_all())
    x.VM.start(vm, False, False)
    assert x.VM.get_resident_on(vm) == home
    x.VM.hard_shutdown(vm)


def test_guest_without_tools_refuses_clean_operations(x: Any) -> None:
    vm = vm_by_name(x, "Windows 7 Desktop")
    allowed = x.VM.get_allowed_operations(vm)
    assert "clean_shutdown" not in allowed and "hard_shutdown" in allowed
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.clean_shutdown(vm)
    assert details(err) == ["VM_MISSING_PV_DRIVERS", vm]
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.suspend(vm)
    assert details(err) == ["VM_MISSING_PV_DRIVERS", vm]
    x.VM.hard_reboot(vm)
    assert x.VM.get_power_state(vm) == "Running"
    other = vm_by_name(x, "Ubuntu Desktop (no tools)")
    x.VM.shutdown(other)  # falls back to a hard shutdown
    assert x.VM.get_power_state(other) == "Halted"


def test_reboots_give_a_new_domain(x: Any) -> None:
    vm = vm_by_name(x, "Web Server 2")
    host = x.VM.get_resident_on(vm)
    domid = int(x.VM.get_domid(vm))
    x.VM.clean_reboot(vm)
    after_clean = int(x.VM.get_domid(vm))
    x.VM.hard_reboot(vm)
    rec = x.VM.get_record(vm)
    assert domid < after_clean < int(rec["domid"])
    assert (rec["power_state"], rec["resident_on"]) == ("Running", host)


def test_suspend_and_resume(x: Any) -> None:
    vm = vm_by_name(x, "Web Server 1")
    host = x.VM.get_resident_on(vm)
    before = free_memory(x, host)
    x.VM.suspend(vm)
    rec = x.VM.get_record(vm)
    assert (rec["power_state"], rec["resident_on"], rec["domid"]) == ("Suspended", NULL, "-1")
    image = x.VDI.get_record(rec["suspend_VDI"])
    assert image["type"] == "suspend"
    assert int(image["virtual_size"]) >= int(rec["memory_static_max"])
    assert free_memory(x, host) > before
    assert set(rec["allowed_operations"]) >= {"resume", "resume_on", "hard_shutdown"}
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(vm, False, False)
    assert details(err) == ["VM_BAD_POWER_STATE", vm, "halted", "suspended"]

    x.VM.resume_on(vm, host, False, False)
    rec = x.VM.get_record(vm)
    assert (rec["power_state"], rec["resident_on"], rec["suspend_VDI"]) == ("Running", host, NULL)
    assert rec["suspend_VDI"] not in x.VDI.get_all()
    assert free_memory(x, host) == before


def test_resume_the_suspended_demo_vm_and_discard_a_suspend_image(x: Any) -> None:
    vm = vm_by_name(x, "Exchange Server 2010")
    image = x.VM.get_suspend_VDI(vm)
    assert image in x.VDI.get_all()
    x.VM.resume(vm, False, False)
    assert x.VM.get_power_state(vm) == "Running"
    assert x.VM.get_resident_on(vm) == x.VM.get_affinity(vm)
    x.VM.suspend(vm)
    image = x.VM.get_suspend_VDI(vm)
    x.VM.hard_shutdown(vm)
    assert x.VM.get_power_state(vm) == "Halted"
    assert image not in x.VDI.get_all()


def test_pause_and_unpause(x: Any) -> None:
    vm = vm_by_name(x, "Build Agent (paused)")
    assert x.VM.get_power_state(vm) == "Paused"
    assert x.VM.get_allowed_operations(vm).count("unpause") == 1
    x.VM.unpause(vm)
    assert x.VM.get_power_state(vm) == "Running"
    x.VM.pause(vm)
    assert x.VM.get_power_state(vm) == "Paused"
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.pause(vm)
    assert details(err) == ["VM_BAD_POWER_STATE", vm, "running", "paused"]
    x.VM.unpause(vm)


def test_power_state_reset(x: Any) -> None:
    vm = vm_by_name(x, "XenApp Server 04")
    host = x.VM.get_resident_on(vm)
    before = free_memory(x, host)
    x.VM.power_state_reset(vm)
    assert (x.VM.get_power_state(vm), x.VM.get_resident_on(vm)) == ("Halted", NULL)
    assert free_memory(x, host) > before
    dom0 = next(v for v in x.host.get_resident_VMs(host) if x.VM.get_is_control_domain(v))
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.power_state_reset(dom0)
    assert details(err) == ["CANNOT_RESET_CONTROL_DOMAIN", dom0]
    x.VM.start(vm, False, False)
    assert x.VM.get_resident_on(vm) == host


def test_async_start_reports_progress_and_success(x: Any) -> None:
    vm = vm_by_name(x, "経理システム")
    task = x.Async.VM.start(vm, False, False)
    record = wait_task(x, task)
    assert record["status"] == "success"
    assert float(record["progress"]) == 1.0
    assert x.VM.get_power_state(vm) == "Running"
    x.VM.hard_shutdown(vm)


@pytest.fixture(scope="module")
def slow_sim() -> Iterator[SimProcess]:
    process = start_sim("--seed", "demo", "--speed", "1")
    yield process
    process.stop()


def test_operation_in_progress_blocks_others_and_can_be_cancelled(slow_sim: SimProcess) -> None:
    session = login(slow_sim)
    x = session.xenapi
    vm = vm_by_name(x, "CentOS 7 Test")
    home = x.VM.get_affinity(vm)
    before = free_memory(x, home)
    task = x.Async.VM.start(vm, False, False)
    rec = wait_until(x, "VM", vm, lambda r: task in r["current_operations"])
    assert rec["current_operations"][task] == "start"
    assert "start" not in rec["allowed_operations"]
    assert x.VM.get_scheduled_to_be_resident_on(vm) == home
    assert free_memory(x, home) < before
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start(vm, False, False)
    assert details(err) == ["OTHER_OPERATION_IN_PROGRESS", "VM", vm, "start", task]
    wait_until(x, "task", task, lambda r: "cancel" in r["allowed_operations"])
    x.task.cancel(task)
    record = wait_task(x, task)
    assert record["status"] == "cancelled"
    assert record["error_info"][0] == "TASK_CANCELLED"
    rec = wait_until(x, "VM", vm, lambda r: not r["current_operations"])
    assert rec["power_state"] == "Halted"
    assert "start" in rec["allowed_operations"]
    assert free_memory(x, home) == before
    session.xenapi.session.logout()
