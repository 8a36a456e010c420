"""High availability (protocol notes §7): restart priorities, failure planning, enable/disable.

The failover plan is memory bin-packing, as xapi's: ``n`` host failures are tolerable when,
for the worst ``n`` hosts to lose, every protected VM they run fits (first fit, largest
first) into the free memory of the hosts that remain.
"""

from __future__ import annotations

import itertools
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.common import in_progress, pool_ref, work
from xencenter_py.sim.behaviours.placement import host_free_memory, host_is_live, vm_start_memory
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

PRIORITIES = ("restart", "best-effort", "")
_STATEFILE_SIZE = 4096 + 64 * 4096
_EXACT_LIMIT = 8  # up to this many hosts every failure combination is tried


def _protected(store: Store, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Running VMs that HA must restart → the host they run on."""
    out = {}
    for ref, vm in store.all("VM").items():
        priority = overrides.get(ref, "") if overrides is not None else vm["ha_restart_priority"]
        if priority == "restart" and vm["power_state"] == "Running" and not vm["is_control_domain"]:
            out[ref] = vm["resident_on"]
    return out


def _fits(store: Store, protected: dict[str, str], failed: tuple[str, ...], hosts: list[str]) -> bool:
    free = {h: host_free_memory(store, h) for h in hosts if h not in failed}
    vms = store.all("VM")
    homeless = sorted((vm_start_memory(vms[v]) for v, h in protected.items() if h in failed), reverse=True)
    for need in homeless:
        target = next((h for h, room in free.items() if room >= need), None)
        if target is None:
            return False
        free[target] -= need
    return True


def _tolerates(store: Store, n: int, protected: dict[str, str]) -> bool:
    hosts = [h for h in store.all("host") if host_is_live(store, h)]
    if n >= len(hosts):
        return n == 0
    if len(hosts) <= _EXACT_LIMIT:
        return all(_fits(store, protected, failed, hosts) for failed in itertools.combinations(hosts, n))
    load: dict[str, int] = {}
    vms = store.all("VM")
    for vm, host in protected.items():
        load[host] = load.get(host, 0) + vm_start_memory(vms[vm])
    worst = tuple(sorted(hosts, key=lambda h: load.get(h, 0), reverse=True)[:n])
    return _fits(store, protected, worst, hosts)


def max_failures(store: Store, overrides: dict[str, str] | None = None) -> int:
    protected = _protected(store, overrides)
    n = 0
    while _tolerates(store, n + 1, protected):
        n += 1
    return n


def _pool(call: Call) -> tuple[str, dict[str, Any]]:
    ref = pool_ref(call.store)
    if ref is None:
        call.fail("INTERNAL_ERROR", "the database has no pool")
    return ref, call.store.get("pool", ref)


def _replan(call: Call) -> None:
    ref, pool = _pool(call)
    if not pool["ha_enabled"]:
        return
    most = max_failures(call.store)
    wanted = pool["ha_host_failures_to_tolerate"]
    call.store.update("pool", ref, {"ha_plan_exists_for": min(most, wanted), "ha_overcommitted": most < wanted})


@implements("VM.set_ha_restart_priority")
async def set_ha_restart_priority(call: Call, vm: str, value: str) -> str:
    if value not in PRIORITIES:
        call.fail("INVALID_VALUE", "ha_restart_priority", value)
    call.store.update("VM", vm, {"ha_restart_priority": value, "ha_always_run": value == "restart"})
    _replan(call)
    return ""


@implements("VM.set_ha_always_run")
async def set_ha_always_run(call: Call, vm: str, value: bool) -> str:
    return await set_ha_restart_priority(call, vm, "restart" if value else "")


@implements("pool.set_ha_host_failures_to_tolerate")
async def set_ha_host_failures_to_tolerate(call: Call, pool: str, value: int) -> str:
    if value < 0:
        call.fail("INVALID_VALUE", "ha_host_failures_to_tolerate", str(value))
    rec = call.store.get("pool", pool)
    if rec["ha_enabled"] and not rec["ha_allow_overcommit"] and value > max_failures(call.store):
        call.fail("HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN")
    call.store.set("pool", pool, "ha_host_failures_to_tolerate", value)
    _replan(call)
    return ""


@implements("pool.ha_compute_max_host_failures_to_tolerate")
async def ha_compute_max(call: Call) -> int:
    most = max_failures(call.store)
    _replan(call)
    return most


@implements("pool.ha_compute_hypothetical_max_host_failures_to_tolerate")
async def ha_compute_hypothetical(call: Call, configuration: dict[str, str]) -> int:
    for value in configuration.values():
        if value not in PRIORITIES:
            call.fail("INVALID_VALUE", "ha_restart_priority", value)
    return max_failures(call.store, configuration)


@implements("pool.ha_failover_plan_exists")
async def ha_failover_plan_exists(call: Call, n: int) -> bool:
    if n < 0:
        call.fail("INVALID_VALUE", "n", str(n))
    return _tolerates(call.store, n, _protected(call.store))


@implements("pool.ha_compute_vm_failover_plan")
async def ha_compute_vm_failover_plan(
    call: Call, failed_hosts: list[str], failed_vms: list[str]
) -> dict[str, dict[str, str]]:
    store = call.store
    free = {h: host_free_memory(store, h) for h in store.all("host") if h not in failed_hosts}
    plan: dict[str, dict[str, str]] = {}
    vms = store.all("VM")
    for vm in sorted(failed_vms, key=lambda v: vm_start_memory(vms[v]) if v in vms else 0, reverse=True):
        if vm not in vms:
            continue
        need = vm_start_memory(vms[vm])
        target = next((h for h, room in free.items() if room >= need), None)
        if target is None:
            plan[vm] = {"error_code": "HOST_NOT_ENOUGH_FREE_MEMORY"}
        else:
            free[target] -= need
            plan[vm] = {"host": target}
    return plan


@implements("pool.ha_prevent_restarts_for")
async def ha_prevent_restarts_for(call: Call, seconds: int) -> str:
    return ""


def _statefile_error(call: Call, sr: str) -> None:
    store = call.store
    rec = store.get("SR", sr)
    hosts = set(store.all("host"))
    plugged = {store.get("PBD", p)["host"] for p in rec["PBDs"] if store.get("PBD", p)["currently_attached"]}
    if not rec["shared"] or hosts - plugged:
        call.fail("SR_HAS_NO_PBDS", sr)
    if rec["content_type"] == "iso" or rec["type"] in ("iso", "udev"):
        call.fail("SR_OPERATION_NOT_SUPPORTED", sr)
    if rec["physical_size"] > 0 and rec["physical_size"] - rec["physical_utilisation"] < _STATEFILE_SIZE:
        call.fail("SR_SOURCE_SPACE_INSUFFICIENT", sr)


@implements("SR.assert_can_host_ha_statefile")
async def assert_can_host_ha_statefile(call: Call, sr: str) -> str:
    _statefile_error(call, sr)
    return ""


@implements("pool.enable_ha")
async def enable_ha(call: Call, heartbeat_srs: list[str], configuration: dict[str, str]) -> str:
    store = call.store
    ref, pool = _pool(call)
    if pool["ha_enabled"]:
        call.fail("HA_IS_ENABLED")
    for host in store.all("host"):
        if not host_is_live(store, host):
            call.fail("HOST_OFFLINE", host)
    candidates = heartbeat_srs or [s for s, r in store.all("SR").items() if r["shared"]]
    chosen = None
    for sr in candidates:
        try:
            _statefile_error(call, sr)
        except XapiError:
            continue
        chosen = sr
        break
    if chosen is None:
        call.fail("CANNOT_CREATE_STATE_FILE")
    async with in_progress(call, "pool", ref, "ha_enable"):
        statefile = store.add(
            "VDI",
            {
                "name_label": "Statefile for HA",
                "SR": chosen,
                "type": "ha_statefile",
                "virtual_size": _STATEFILE_SIZE,
                "physical_utilisation": _STATEFILE_SIZE,
                "sharable": True,
                "sm_config": {"type": "raw"},
            },
        )
        redo_log = store.add(
            "VDI",
            {
                "name_label": "Metadata for HA",
                "SR": chosen,
                "type": "redo_log",
                "virtual_size": 256 * 1024**2,
                "physical_utilisation": 256 * 1024**2,
            },
        )
        hosts = list(store.all("host"))
        for i, host in enumerate(hosts):  # arm each host in turn; progress follows
            await work(call, 1.0, i / len(hosts), (i + 1) / len(hosts), 1)
            store.set("host", host, "ha_statefiles", [statefile])
        store.update(
            "pool",
            ref,
            {
                "ha_enabled": True,
                "ha_statefiles": [statefile],
                "ha_configuration": configuration,
                "ha_plan_exists_for": 0,
                "redo_log_enabled": True,
                "redo_log_vdi": redo_log,
            },
        )
        _replan(call)
    return ""


@implements("pool.disable_ha")
async def disable_ha(call: Call) -> str:
    store = call.store
    ref, pool = _pool(call)
    if not pool["ha_enabled"]:
        call.fail("HA_NOT_ENABLED")
    async with in_progress(call, "pool", ref, "ha_disable"):
        await work(call, 1.0, 0.0, 0.9, 2)
        for vdi in [*pool["ha_statefiles"], pool["redo_log_vdi"]]:
            if vdi != NULL_REF and store.exists("VDI", vdi):
                store.delete("VDI", vdi)
        for host in list(store.all("host")):
            store.set("host", host, "ha_statefiles", [])
        store.update(
            "pool",
            ref,
            {
                "ha_enabled": False,
                "ha_statefiles": [],
                "ha_configuration": {},
                "ha_plan_exists_for": 0,
                "ha_overcommitted": False,
                "redo_log_enabled": False,
                "redo_log_vdi": NULL_REF,
            },
        )
    return ""


@implements("host.emergency_ha_disable")
async def emergency_ha_disable(call: Call, soft: bool) -> str:
    ref, pool = _pool(call)
    if pool["ha_enabled"]:
        call.store.update("pool", ref, {"ha_enabled": False})
    return ""
