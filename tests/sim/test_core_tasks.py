"""Async calls and task records: lifecycle, results, errors, cancel, destroy, GC."""

from __future__ import annotations

import time
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest
import XenAPI

from tests.conftest import SimProcess, start_sim
from tests.sim.core_support import USERS, Rpc, core_sim_fixture, failure, rpc_fixture, xenapi  # noqa: F401  (fixtures)


def follow_task(rpc: Rpc, task: str, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
    """Follow the task through events until ``predicate`` holds for its record; a deleted
    task shows as ``{"status": "deleted"}``."""
    deadline = time.monotonic() + timeout
    token = ""
    while time.monotonic() < deadline:
        batch = rpc.call("event.from", [f"task/{task}"], token, 2.0)
        token = batch["token"]
        for ev in batch["events"]:
            rec = {"status": "deleted"} if ev["operation"] == "del" else ev["snapshot"]
            if predicate(rec):
                return rec  # type: ignore[no-any-return]
    raise AssertionError(f"task {task} never reached the expected state")


def wait_task(rpc: Rpc, task: str, timeout: float = 20.0) -> dict[str, Any]:
    """The task's record once it leaves ``pending`` (or is deleted)."""
    return follow_task(rpc, task, lambda rec: rec["status"] not in ("pending", "cancelling"), timeout)


def test_async_call_succeeds_with_xml_result(rpc: Rpc) -> None:
    pool = rpc.call("pool.get_all")[0]
    master = rpc.call("pool.get_master", pool)
    task = rpc.call("Async.pool.set_name_label", pool, "via task")
    assert task.startswith("OpaqueRef:")
    rec = wait_task(rpc, task)
    assert rec["status"] == "success" and rec["progress"] == 1.0
    assert rec["name_label"] == "Async.pool.set_name_label"
    assert rec["result"] == "<value></value>" and rec["error_info"] == []
    assert rec["resident_on"] == master and rec["allowed_operations"] == []
    assert rec["finished"] >= rec["created"] and rec["finished"] != "19700101T00:00:00Z"
    assert rpc.call("pool.get_name_label", pool) == "via task"
    net_task = rpc.call("Async.network.create", {"name_label": "async net"})
    rec = wait_task(rpc, net_task)
    net = xmlrpc.client.loads("<methodResponse><params><param>" + rec["result"] + "</param></params></methodResponse>")[
        0
    ][0]
    assert rpc.call("network.get_name_label", net) == "async net"
    rec = wait_task(rpc, rpc.call("Async.VM.get_all"))
    assert rec["result"].startswith("<value><array><data><value>OpaqueRef:")


def test_async_failure_and_early_errors(rpc: Rpc) -> None:
    task = rpc.call("Async.VM.get_record", "OpaqueRef:gone")
    rec = wait_task(rpc, task)
    assert rec["status"] == "failure" and rec["error_info"] == ["HANDLE_INVALID", "VM", "OpaqueRef:gone"]
    assert rec["result"] == ""
    # Errors found before a task exists come back directly.
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("Async.VM.no_such_call")
    assert failure(e) == ["MESSAGE_METHOD_UNKNOWN", "Async.VM.no_such_call"]
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("Async.VM.get_record")
    assert failure(e)[0] == "MESSAGE_PARAMETER_COUNT_MISMATCH"


def test_tasks_over_xmlrpc_sdk(core_sim: SimProcess) -> None:
    x = xenapi(core_sim).xenapi
    pool = x.pool.get_all()[0]
    task = x.Async.pool.set_name_description(pool, "sdk")
    deadline = time.monotonic() + 10
    while x.task.get_status(task) == "pending" and time.monotonic() < deadline:
        getattr(x.event, "from")([f"task/{task}"], "", 1.0)
    assert x.task.get_record(task)["status"] == "success"
    x.task.destroy(task)
    with pytest.raises(XenAPI.Failure) as e:
        x.task.get_record(task)
    assert list(e.value.details) == ["HANDLE_INVALID", "task", task]


def test_tasks_produce_events(rpc: Rpc) -> None:
    token = rpc.call("event.from", ["task"], "", 0.1)["token"]
    pool = rpc.call("pool.get_all")[0]
    task = rpc.call("Async.pool.get_record", pool)
    wait_task(rpc, task)
    # Only this task's events: tasks of earlier tests on the shared simulator may come and go meanwhile.
    batch = rpc.call("event.from", ["task"], token, 1.0)
    assert [e["operation"] for e in batch["events"] if e["ref"] == task] == ["add"]
    rpc.call("task.destroy", task)
    batch = rpc.call("event.from", ["task"], batch["token"], 1.0)
    assert [e["operation"] for e in batch["events"] if e["ref"] == task] == ["del"]


def test_cancel_not_allowed_for_finished_tasks(rpc: Rpc) -> None:
    task = rpc.call("Async.pool.get_all")
    wait_task(rpc, task)
    with pytest.raises(XenAPI.Failure) as e:
        rpc.call("task.cancel", task)
    assert failure(e)[0] == "OPERATION_NOT_ALLOWED"


def test_task_create_and_client_side_updates(rpc: Rpc) -> None:
    task = rpc.call("task.create", "my job", "client task")
    rec = rpc.call("task.get_record", task)
    assert rec["status"] == "pending" and rec["name_label"] == "my job"
    rpc.call("task.set_progress", task, 0.5)
    rpc.call("task.set_status", task, "success")
    assert rpc.call("task.get_record", task)["status"] == "success"
    rpc.call("task.add_to_other_config", task, "XenCenterUUID", "abc")
    rpc.call("task.destroy", task)
    assert task not in rpc.call("task.get_all")


def test_completed_tasks_are_garbage_collected(rpc: Rpc) -> None:
    pool = rpc.call("pool.get_all")[0]
    tasks = [rpc.call("Async.pool.get_name_label", pool) for _ in range(230)]
    wait_task(rpc, tasks[-1])
    assert len(rpc.call("task.get_all")) <= 201
    assert tasks[-1] in rpc.call("task.get_all")


@pytest.fixture(scope="module")
def slow_sim() -> Iterator[SimProcess]:
    """Operations at 4x real speed, so a VM start lasts seconds and can be cancelled."""
    sim = start_sim("--seed", "empty", "--speed", "4", *USERS)
    yield sim
    sim.stop()


def _halted_vm(rpc: Rpc) -> str:
    return str(
        rpc.call(
            "VM.create",
            {
                "name_label": "cancel me",
                "memory_static_max": 1 << 30,
                "memory_dynamic_max": 1 << 30,
                "memory_dynamic_min": 1 << 30,
                "memory_static_min": 1 << 28,
                "VCPUs_max": 1,
                "VCPUs_at_startup": 1,
                "HVM_boot_policy": "BIOS order",
            },
        )
    )


def test_cancel_a_running_task(slow_sim: SimProcess) -> None:
    rpc = Rpc(slow_sim).login()
    vm = _halted_vm(rpc)
    task = rpc.call("Async.VM.start", vm, False, False)
    follow_task(rpc, task, lambda rec: "cancel" in rec.get("allowed_operations", ()))
    assert rpc.call("task.cancel", task) == ""
    rec = wait_task(rpc, task)
    assert rec["status"] == "cancelled" and rec["error_info"] == ["TASK_CANCELLED", task]
    assert rpc.call("VM.get_power_state", vm) == "Halted"


def test_destroy_a_pending_task_deletes_it_on_completion(slow_sim: SimProcess) -> None:
    rpc = Rpc(slow_sim).login()
    vm = _halted_vm(rpc)
    task = rpc.call("Async.VM.start", vm, False, False)
    rpc.call("task.destroy", task)
    assert "destroy" in rpc.call("task.get_current_operations", task).values()
    assert wait_task(rpc, task, timeout=30) == {"status": "deleted"}
    assert task not in rpc.call("task.get_all")
