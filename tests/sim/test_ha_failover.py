"""Failure injection and HA failover (issue 9), driven with the official SDK over real
sockets: ``simulator.fail_host`` / ``repair_host`` through both protocols and only for
pool admins, detection after the (scaled) timeout, restarts by priority then order with
start delays, best-effort and do-not-restart, agility, coordinator failover with
``--members``, nothing restarted without HA, editions, and the statefile rules."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import XenAPI

from tests.conftest import PASSWORD, SimProcess
from tests.sim.behaviour_support import NULL, host_by_name, login, vm_by_name, wait_task, wait_until
from tests.sim.core_support import Rpc


def _failure(call: Any, *args: Any) -> list[str]:
    with pytest.raises(XenAPI.Failure) as e:
        call(*args)
    return list(e.value.details)


def _live(x: Any, host: str) -> bool:
    return bool(x.host_metrics.get_live(x.host.get_metrics(host)))


def _wait_dead(x: Any, host: str, timeout: float = 20.0) -> None:
    metrics = x.host.get_metrics(host)
    wait_until(x, "host_metrics", metrics, lambda r: r["live"] is False, timeout)


def _enable_ha(x: Any, ntol: int = 0) -> None:
    pool = x.pool.get_all()[0]
    nfs = x.SR.get_by_name_label("NFS virtual disk storage")[0]
    x.pool.set_ha_host_failures_to_tolerate(pool, str(ntol))
    record = wait_task(x, x.Async.pool.enable_ha([nfs], {}))
    assert record["status"] == "success", record["error_info"]


def _messages(x: Any, name: str, obj_uuid: str) -> list[dict[str, Any]]:
    return [m for m in x.message.get_all_records().values() if m["name"] == name and m["obj_uuid"] == obj_uuid]


def test_failure_injection_is_for_pool_admins_over_both_protocols(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400", "--user", "ro:ro-pw:read-only")
    ro = XenAPI.Session(sim.url)
    ro.xenapi.login_with_password("ro", "ro-pw", "2.21", "tests")
    host = host_by_name(ro.xenapi, "xs-demo-02")
    denied = _failure(ro.xenapi.simulator.fail_host, host)
    assert denied[0] == "RBAC_PERMISSION_DENIED"
    listed = ro.xenapi.simulator.get_extensions()
    assert listed == sorted(listed)
    assert {"simulator.fail_host", "simulator.get_extensions", "simulator.repair_host"} <= set(listed)
    rpc = Rpc(sim)
    rpc.session = rpc.unwrap(rpc.raw("session.login_with_password", "root", PASSWORD, "2.21", "tests"))
    assert _failure(rpc.call, "simulator.fail_host", NULL)[0] == "HANDLE_INVALID"
    rpc.call("simulator.fail_host", host)  # JSON-RPC
    assert _failure(rpc.call, "simulator.fail_host", host) == ["HOST_OFFLINE", host]
    x = login(sim).xenapi
    # Without HA a pool waits xapi's host-dead interval (600 s, here / 400) and restarts nothing.
    running = [v for v in x.host.get_resident_VMs(host) if not x.VM.get_is_control_domain(v)]
    assert running
    _wait_dead(x, host)
    for vm in running:
        assert x.VM.get_power_state(vm) == "Halted" and x.VM.get_resident_on(vm) == NULL
    assert not _messages(x, "HA_HOST_FAILED", x.host.get_uuid(host))
    x.simulator.repair_host(host)  # XML-RPC, the official SDK
    assert _live(x, host) and x.host.get_enabled(host)
    assert [v for v in x.host.get_resident_VMs(host) if not x.VM.get_is_control_domain(v)] == []
    assert _failure(x.simulator.repair_host, host) == ["HOST_IS_LIVE", host]


def test_failover_by_priority_then_order_with_delays(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    x = login(sim).xenapi
    host = host_by_name(x, "xs-demo-01")
    first, second = vm_by_name(x, "XenApp Server 02"), vm_by_name(x, "XenApp Server 01")
    best_effort, stays_down = vm_by_name(x, "Web Server 1"), vm_by_name(x, "Windows 7 Desktop")
    for vm, priority, order, delay in (
        (second, "restart", 2, 0),
        (first, "restart", 1, 40),  # 40 s at 400x: 0.1 s before the next restart
        (best_effort, "best-effort", 0, 0),
        (stays_down, "", 0, 0),
    ):
        assert x.VM.get_resident_on(vm) == host
        x.VM.set_ha_restart_priority(vm, priority)
        x.VM.set_order(vm, str(order))
        x.VM.set_start_delay(vm, str(delay))
    _enable_ha(x)
    token = getattr(x.event, "from")(["vm"], "", 0.1)["token"]
    x.simulator.fail_host(host)
    assert _live(x, host)  # not declared dead before the timeout
    _wait_dead(x, host)
    wait_until(x, "VM", best_effort, lambda r: r["power_state"] == "Running", 20)
    restarted: list[str] = []
    while True:
        batch = getattr(x.event, "from")(["vm"], token, 1.0)
        if not batch["events"]:
            break
        token = batch["token"]
        for event in batch["events"]:
            snap = event.get("snapshot") or {}
            if snap.get("power_state") == "Running" and event["ref"] not in restarted:
                restarted.append(event["ref"])
    assert [r for r in restarted if r in (first, second, best_effort)] == [first, second, best_effort]
    for vm in (first, second, best_effort):
        assert x.VM.get_resident_on(vm) not in (host, NULL)
    assert x.VM.get_power_state(stays_down) == "Halted"
    failed = _messages(x, "HA_HOST_FAILED", x.host.get_uuid(host))
    assert len(failed) == 1 and failed[0]["cls"] == "Host"


def test_non_agile_vms_cannot_restart_elsewhere_and_are_not_protected(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    x = login(sim).xenapi
    host = host_by_name(x, "xs-demo-02")
    local, agile = vm_by_name(x, "Ubuntu Desktop (no tools)"), vm_by_name(x, "Web Server 2")
    assert _failure(x.VM.assert_agile, local)[0] == "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED"
    x.VM.assert_agile(agile)
    x.VM.set_ha_restart_priority(local, "restart")  # allowed while HA is off
    x.VM.set_ha_restart_priority(agile, "best-effort")
    _enable_ha(x)
    # the seed's rule: with HA on, a VM that is not agile can only be "restart if possible"
    x.VM.set_ha_restart_priority(local, "best-effort")
    assert _failure(x.VM.set_ha_restart_priority, local, "restart")[0] == "HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED"
    x.VM.set_ha_restart_priority(local, "")
    x.VM.set_ha_always_run(local, False)
    with pytest.raises(XenAPI.Failure):
        x.VM.set_ha_always_run(local, True)
    x.VM.set_order(local, "0")
    x.VM.set_order(agile, "5")
    x.simulator.fail_host(host)
    _wait_dead(x, host)
    # The failover pass tries every VM of the dead host in order; the agile best-effort
    # VM comes back elsewhere, the VM on local storage cannot.
    wait_until(x, "VM", agile, lambda r: r["power_state"] == "Running", 20)
    assert x.VM.get_resident_on(agile) != host
    assert x.VM.get_power_state(local) == "Halted"


def test_plan_is_recomputed_and_overcommitment_alerted(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    x = login(sim).xenapi
    pool = x.pool.get_all()[0]
    web = vm_by_name(x, "Web Server 1")
    x.VM.set_ha_restart_priority(web, "restart")
    _enable_ha(x, ntol=1)
    assert x.pool.get_ha_plan_exists_for(pool) == "1" and x.pool.get_ha_overcommitted(pool) is False
    host = host_by_name(x, "xs-demo-03")
    x.simulator.fail_host(host)
    _wait_dead(x, host)
    # two live hosts: the protected VM still fits on one if the other fails
    wait_until(x, "pool", pool, lambda r: r["ha_plan_exists_for"] == "1", 10)
    other = host_by_name(x, "xs-demo-02")
    x.simulator.fail_host(other)
    _wait_dead(x, other)
    record = wait_until(x, "pool", pool, lambda r: r["ha_overcommitted"] is True, 10)
    assert record["ha_plan_exists_for"] == "0"
    assert _messages(x, "HA_POOL_OVERCOMMITTED", x.pool.get_uuid(pool))
    assert x.VM.get_power_state(web) == "Running"
    assert _failure(x.simulator.fail_host, host_by_name(x, "xs-demo-01")) == ["HA_TOO_FEW_HOSTS"]
    x.simulator.repair_host(host)
    record = wait_until(x, "pool", pool, lambda r: r["ha_overcommitted"] is False, 10)
    assert record["ha_plan_exists_for"] == "1"


def test_coordinator_failure_moves_the_coordinator(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--members", "--speed", "400")
    x = login(sim).xenapi
    pool = x.pool.get_all()[0]
    old = x.pool.get_master(pool)
    assert x.host.get_address(old) == "127.0.0.1"
    vm = vm_by_name(x, "XenApp Server 01")
    x.VM.set_ha_restart_priority(vm, "restart")
    _enable_ha(x)
    x.simulator.fail_host(old)
    with pytest.raises(OSError):  # the failed coordinator's address answers nothing
        XenAPI.Session(sim.url).xenapi.login_with_password("root", PASSWORD, "2.21", "tests")
    port = sim.url.rsplit(":", 1)[1].rstrip("/")
    deadline = time.monotonic() + 20
    new = None
    while time.monotonic() < deadline:
        try:
            session = XenAPI.Session(f"http://127.0.0.2:{port}")
            session.xenapi.login_with_password("root", PASSWORD, "2.21", "tests")
            new = session
            break
        except XenAPI.Failure as f:
            if f.details[0] == "HOST_IS_SLAVE" and f.details[1] != "127.0.0.1":
                new = XenAPI.Session(f"http://{f.details[1]}:{port}")
                new.xenapi.login_with_password("root", PASSWORD, "2.21", "tests")
                break
            time.sleep(0.05)  # still the old coordinator's pool: poll the member again
    assert new is not None, "no member took over as coordinator"
    y = new.xenapi
    master = y.pool.get_master(pool)
    assert master != old and y.host.get_address(master) in ("127.0.0.2", "127.0.0.3")
    assert _live(y, master) and not _live(y, old)
    wait_until(y, "VM", vm, lambda r: r["power_state"] == "Running", 20)
    assert y.VM.get_resident_on(vm) != old
    other = next(h for h in y.host.get_all() if h not in (old, master))
    with pytest.raises(XenAPI.Failure) as e:
        XenAPI.Session(f"http://{y.host.get_address(other)}:{port}").xenapi.login_with_password(
            "root", PASSWORD, "2.21", "tests"
        )
    assert list(e.value.details) == ["HOST_IS_SLAVE", y.host.get_address(master)]


def test_free_edition_has_no_ha(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400", "--edition", "free")
    x = login(sim).xenapi
    for host in x.host.get_all_records().values():
        assert host["edition"] == "free" and host["license_params"]["enable_xha"] == "false"
    nfs = x.SR.get_by_name_label("NFS virtual disk storage")[0]
    assert _failure(x.pool.enable_ha, [nfs], {}) == ["LICENCE_RESTRICTION", "HA"]
    assert x.pool.get_ha_enabled(x.pool.get_all()[0]) is False
    assert not [v for v in x.VDI.get_all_records().values() if v["type"] in ("ha_statefile", "redo_log")]


def test_platinum_edition_enables_ha_with_statefile_and_redo_log(sim_factory: Callable[..., SimProcess]) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400", "--edition", "platinum")
    x = login(sim).xenapi
    local = next(r for r, sr in x.SR.get_all_records().items() if sr["type"] == "lvm" and not sr["shared"])
    assert _failure(x.SR.assert_can_host_ha_statefile, local) == ["SR_HAS_NO_PBDS", local]
    _enable_ha(x)
    nfs = x.SR.get_by_name_label("NFS virtual disk storage")[0]
    kinds = sorted(v["type"] for v in x.VDI.get_all_records().values() if v["SR"] == nfs)
    assert "ha_statefile" in kinds and "redo_log" in kinds
