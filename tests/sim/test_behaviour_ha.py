"""HA the way XenCenter's wizard drives it (protocol notes §7.3): heartbeat SR checks, agility,
hypothetical failures to tolerate, priorities, enable, plan upkeep, disable."""

from __future__ import annotations

from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import NULL, wait_task


def _failure(call: Any, *args: Any) -> list[str]:
    with pytest.raises(XenAPI.Failure) as e:
        call(*args)
    return list(e.value.details)


def test_priorities_are_checked_and_always_run_follows(x: Any) -> None:
    vm = next(
        iter(x.VM.get_all_records_where('field "power_state" = "Running" and field "is_control_domain" = "false"'))
    )
    assert _failure(x.VM.set_ha_restart_priority, vm, "sometimes") == [
        "INVALID_VALUE",
        "ha_restart_priority",
        "sometimes",
    ]
    x.VM.set_ha_always_run(vm, True)
    assert x.VM.get_ha_restart_priority(vm) == "restart"
    x.VM.set_ha_restart_priority(vm, "")
    assert x.VM.get_ha_always_run(vm) is False
    pool = x.pool.get_all()[0]
    assert _failure(x.pool.set_ha_host_failures_to_tolerate, pool, "-1")[0] == "INVALID_VALUE"


def test_wizard_enable_then_disable(x: Any) -> None:
    pool = x.pool.get_all()[0]
    srs = x.SR.get_all_records()
    usable = []
    for ref, sr in srs.items():
        if not sr["shared"] or sr["content_type"] == "iso":
            continue
        task = x.Async.SR.assert_can_host_ha_statefile(ref)
        if wait_task(x, task)["status"] == "success":
            usable.append(ref)
    assert usable
    local = next(r for r, sr in srs.items() if not sr["shared"] and sr["type"] in ("lvm", "ext"))
    assert _failure(x.SR.assert_can_host_ha_statefile, local) == ["SR_HAS_NO_PBDS", local]
    running = x.VM.get_all_records_where('field "power_state" = "Running" and field "is_control_domain" = "false"')
    agile = []
    for vm in running:
        try:
            x.VM.assert_agile(vm)
            agile.append(vm)
        except XenAPI.Failure as e:
            assert e.details[0].startswith("HA_CONSTRAINT_VIOLATION")
    hosts = len(x.host.get_all())
    ntol = int(x.pool.ha_compute_hypothetical_max_host_failures_to_tolerate(dict.fromkeys(agile, "restart")))
    assert 0 <= ntol < hosts
    assert int(x.pool.ha_compute_hypothetical_max_host_failures_to_tolerate({})) == hosts - 1
    for vm in agile:
        x.VM.set_ha_restart_priority(vm, "restart")
        x.VM.set_order(vm, "1")
    x.pool.set_ha_host_failures_to_tolerate(pool, str(ntol))
    record = wait_task(x, x.Async.pool.enable_ha([usable[0]], {}))
    assert record["status"] == "success", record["error_info"]
    rec = x.pool.get_record(pool)
    assert rec["ha_enabled"] is True and len(rec["ha_statefiles"]) == 1
    assert x.VDI.get_type(rec["ha_statefiles"][0]) == "ha_statefile"
    assert int(rec["ha_plan_exists_for"]) == ntol and rec["ha_overcommitted"] is False
    assert x.pool.ha_failover_plan_exists(str(ntol)) is True
    assert _failure(x.pool.enable_ha, [], {}) == ["HA_IS_ENABLED"]
    if ntol < hosts - 1:
        assert _failure(x.pool.set_ha_host_failures_to_tolerate, pool, str(hosts)) == [
            "HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN"
        ]
    record = wait_task(x, x.Async.pool.disable_ha())
    assert record["status"] == "success"
    rec = x.pool.get_record(pool)
    assert rec["ha_enabled"] is False and rec["ha_statefiles"] == [] and rec["redo_log_vdi"] == NULL
    assert _failure(x.pool.disable_ha) == ["HA_NOT_ENABLED"]


def test_failover_plan_places_vms_on_surviving_hosts(x: Any) -> None:
    master = x.pool.get_master(x.pool.get_all()[0])
    resident = [v for v in x.host.get_resident_VMs(master) if not x.VM.get_is_control_domain(v)]
    plan = x.pool.ha_compute_vm_failover_plan([master], resident)
    assert set(plan) == set(resident)
    for entry in plan.values():
        assert entry.get("host", master) != master or "error_code" in entry
