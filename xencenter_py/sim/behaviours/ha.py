"""High availability (protocol notes §7): restart priorities, agility, failure planning,
licensing, enable/disable.

The failover plan is memory bin-packing, as xapi's: ``n`` host failures are tolerable when,
for the worst ``n`` hosts to lose, every protected VM they run fits (first fit, largest
first) into the free memory of the hosts that remain. A protected VM that is not agile
cannot be restarted elsewhere, so a plan that must move it does not exist.
"""

from __future__ import annotations

import itertools
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.common import in_progress, is_null, pool_ref, work
from xencenter_py.sim.behaviours.messages import alert
from xencenter_py.sim.behaviours.placement import host_free_memory, host_is_live, host_sees_sr, vm_start_memory
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

PRIORITIES = ("restart", "best-effort", "")
_STATEFILE_SIZE = 4096 + 64 * 4096
_EXACT_LIMIT = 8  # up to this many hosts every failure combination is tried


def ha_licensed(store: Store) -> bool:
    """Whether every host's licence (and the pool's restrictions) allow HA (``enable_xha``)."""
    for ref in store.all("pool"):
        if store.get("pool", ref).get("restrictions", {}).get("enable_xha") == "false":
            return False
    return all(rec["license_params"].get("enable_xha") != "false" for rec in store.all("host").values())


class AgilityCheck:
    """``VM.assert_agile`` for many VMs at once: which SRs and networks reach every enabled
    host is worked out once per SR and network, not once per VM.

    A VM is agile when its disks are on SRs shared and attached on every enabled host, its
    networks have a PIF on every enabled host (an internal network has none), and it has
    no vGPU, USB device or SR-IOV interface."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hosts = [h for h, rec in store.all("host").items() if rec["enabled"] and host_is_live(store, h)]
        self._srs: dict[str, bool] = {}
        self._networks: dict[str, bool] = {}

    def _sr_everywhere(self, sr: str) -> bool:
        if sr not in self._srs:
            rec = self.store.all("SR").get(sr)
            self._srs[sr] = bool(rec and rec["shared"]) and all(host_sees_sr(self.store, h, sr) for h in self.hosts)
        return self._srs[sr]

    def _network_everywhere(self, net: str) -> bool:
        if net not in self._networks:
            pifs = self.store.all("PIF")
            served = {
                pifs[p]["host"]
                for p in self.store.get("network", net)["PIFs"]
                if p in pifs and is_null(pifs[p]["bond_slave_of"])
            }
            self._networks[net] = bool(served) and all(h in served for h in self.hosts)
        return self._networks[net]

    def error(self, vm: str) -> XapiError | None:
        """Why HA could not restart ``vm`` on another host, or None."""
        store = self.store
        rec = store.get("VM", vm)
        vbds, vdis = store.all("VBD"), store.all("VDI")
        for vbd in rec["VBDs"]:
            vbd_rec = vbds.get(vbd)
            if vbd_rec is None or vbd_rec["empty"] or vbd_rec["VDI"] not in vdis:
                continue
            sr = vdis[vbd_rec["VDI"]]["SR"]
            if not self._sr_everywhere(sr):
                return XapiError("HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED", sr)
        vifs, networks = store.all("VIF"), store.all("network")
        for vif in rec["VIFs"]:
            vif_rec = vifs.get(vif)
            if vif_rec is None or vif_rec["network"] not in networks:
                continue
            if not self._network_everywhere(vif_rec["network"]):
                return XapiError("HA_CONSTRAINT_VIOLATION_NETWORK_NOT_SHARED", vif_rec["network"])
            if not is_null(vif_rec.get("reserved_pci")):
                return XapiError("VM_HAS_SRIOV_VIF", vm)
        if rec.get("VGPUs"):
            return XapiError("VM_HAS_VGPU", vm)
        if rec.get("VUSBs"):
            return XapiError("VM_HAS_VUSBS", vm)
        return None


def agility_error(store: Store, vm: str) -> XapiError | None:
    """Why HA could not restart ``vm`` on another host (``VM.assert_agile``), or None."""
    return AgilityCheck(store).error(vm)


def _protected(store: Store, overrides: dict[str, str] | None = None) -> dict[str, tuple[str, bool]]:
    """Running VMs that HA must restart → (the host they run on, whether they are agile)."""
    out = {}
    agility = AgilityCheck(store)
    for ref, vm in store.all("VM").items():
        priority = overrides.get(ref, "") if overrides is not None else vm["ha_restart_priority"]
        if priority == "restart" and vm["power_state"] == "Running" and not vm["is_control_domain"]:
            out[ref] = (vm["resident_on"], agility.error(ref) is None)
    return out


class _Plan:
    """One planning pass: the live hosts, their free memory and the protected VMs, read once."""

    def __init__(self, store: Store, overrides: dict[str, str] | None) -> None:
        self.store = store
        self.hosts = [h for h in store.all("host") if host_is_live(store, h)]
        self.free = {h: host_free_memory(store, h) for h in self.hosts}
        self.protected = _protected(store, overrides)
        vms = store.all("VM")
        self.need = {v: vm_start_memory(vms[v]) for v in self.protected}

    def fits(self, failed: tuple[str, ...]) -> bool:
        """Every protected VM of the ``failed`` hosts finds room (first fit, largest first)."""
        free = {h: room for h, room in self.free.items() if h not in failed}
        homeless = [(v, agile) for v, (h, agile) in self.protected.items() if h in failed]
        if not all(agile for _, agile in homeless):
            return False
        for need in sorted((self.need[v] for v, _ in homeless), reverse=True):
            target = next((h for h, room in free.items() if room >= need), None)
            if target is None:
                return False
            free[target] -= need
        return True

    def tolerates(self, n: int) -> bool:
        hosts = self.hosts
        if n >= len(hosts):
            return n == 0
        if len(hosts) <= _EXACT_LIMIT:
            return all(self.fits(failed) for failed in itertools.combinations(hosts, n))
        load: dict[str, int] = {}
        for vm, (host, agile) in self.protected.items():
            load[host] = load.get(host, 0) + (self.need[vm] if agile else 1 << 62)
        return self.fits(tuple(sorted(hosts, key=lambda h: load.get(h, 0), reverse=True)[:n]))


def max_failures(store: Store, overrides: dict[str, str] | None = None) -> int:
    """The largest ``n`` for which every protected VM can be re-placed after any ``n`` host
    failures; found by bisection, as xapi does (tolerating ``n`` implies tolerating less)."""
    plan = _Plan(store, overrides)
    low, high = 0, max(len(plan.hosts) - 1, 0)
    while low < high:
        mid = (low + high + 1) // 2
        if plan.tolerates(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _pool(call: Call) -> tuple[str, dict[str, Any]]:
    ref = pool_ref(call.store)
    if ref is None:
        call.fail("INTERNAL_ERROR", "the database has no pool")
    return ref, call.store.get("pool", ref)


def replan(store: Store) -> None:
    """Recompute ``ha_plan_exists_for`` and ``ha_overcommitted`` of an HA pool, and raise
    the alerts xapi raises when the plan shrinks or the pool becomes overcommitted."""
    ref = pool_ref(store)
    if ref is None:
        return
    pool = store.get("pool", ref)
    if not pool["ha_enabled"]:
        return
    most = max_failures(store)
    wanted = pool["ha_host_failures_to_tolerate"]
    plan, over = min(most, wanted), most < wanted
    was_plan, was_over = pool["ha_plan_exists_for"], pool["ha_overcommitted"]
    store.update("pool", ref, {"ha_plan_exists_for": plan, "ha_overcommitted": over})
    if over and not was_over:
        alert(store, "HA_POOL_OVERCOMMITTED", 3, "Pool", ref, f"The pool can tolerate {most} of {wanted} failures")
    elif plan < was_plan:
        alert(store, "HA_POOL_DROP_IN_PLAN_EXISTS_FOR", 3, "Pool", ref, f"Plan now exists for {plan} failures")


def _replan(call: Call) -> None:
    replan(call.store)


@implements("VM.assert_agile")
async def assert_agile(call: Call, vm: str) -> str:
    err = agility_error(call.store, vm)
    if err is not None:
        raise err
    return ""


def _assert_protectable(call: Call, vm: str) -> None:
    """With HA on, a VM set to ``restart`` must be agile and must not break the plan."""
    store = call.store
    ref = pool_ref(store)
    pool = store.get("pool", ref) if ref is not None else None
    if pool is None or not pool["ha_enabled"]:
        return
    rec = store.get("VM", vm)
    if rec["ha_restart_priority"] == "restart":
        return
    err = agility_error(store, vm)
    if err is not None:
        raise err
    if rec["power_state"] != "Halted" and not pool["ha_allow_overcommit"]:
        wanted = {v: r["ha_restart_priority"] for v, r in store.all("VM").items()}
        wanted[vm] = "restart"
        if max_failures(store, wanted) < pool["ha_host_failures_to_tolerate"]:
            call.fail("HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN")


@implements("VM.set_ha_restart_priority")
async def set_ha_restart_priority(call: Call, vm: str, value: str) -> str:
    if value not in PRIORITIES:
        call.fail("INVALID_VALUE", "ha_restart_priority", value)
    if value == "restart":
        _assert_protectable(call, vm)
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
    return _Plan(call.store, None).tolerates(n)


@implements("pool.ha_compute_vm_failover_plan")
async def ha_compute_vm_failover_plan(
    call: Call, failed_hosts: list[str], failed_vms: list[str]
) -> dict[str, dict[str, str]]:
    """Where each VM would restart if ``failed_hosts`` failed: largest first into the free
    memory of the live hosts left; a VM that is not agile cannot move."""
    store = call.store
    free = {
        h: host_free_memory(store, h) for h in store.all("host") if h not in failed_hosts and host_is_live(store, h)
    }
    plan: dict[str, dict[str, str]] = {}
    vms = store.all("VM")
    agility = AgilityCheck(store)
    for vm in sorted(failed_vms, key=lambda v: vm_start_memory(vms[v]) if v in vms else 0, reverse=True):
        if vm not in vms:
            continue
        err = agility.error(vm)
        if err is not None:
            plan[vm] = {"error_code": err.code}
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
    await call.step(0.5)  # xapi asks every host whether it can attach the SR
    _statefile_error(call, sr)
    return ""


@implements("pool.enable_ha")
async def enable_ha(call: Call, heartbeat_srs: list[str], configuration: dict[str, str]) -> str:
    store = call.store
    ref, pool = _pool(call)
    if pool["ha_enabled"]:
        call.fail("HA_IS_ENABLED")
    if not ha_licensed(store):
        call.fail("LICENCE_RESTRICTION", "HA")
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
