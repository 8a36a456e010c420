"""Failure injection (a simulator extension, docs/SIMULATOR-EXTENSIONS.md) and what a pool
does when a host dies: detection after xapi's timeout, then failover as HA does it.

``simulator.fail_host`` makes a host stop answering and heartbeating at once (with
``--members`` its address closes every connection). After the liveness timeout, scaled by
``--speed``, the pool declares it dead: ``host_metrics.live`` false, its VMs halted, an
``HA_HOST_FAILED`` alert. With HA enabled a surviving host takes over as coordinator if
the dead one was, and the VMs the dead host ran are restarted elsewhere: protected
(``restart``) ones first, then best-effort ones, each group by ``order``, waiting each
VM's ``start_delay`` before the next; "do not restart" VMs stay down, and a VM that cannot
start anywhere (not agile, not enough memory) stays halted with an alert if it was
protected. Without HA nothing restarts. ``simulator.repair_host`` brings the host back
live, empty and enabled.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from xencenter_py.sim.behaviours.common import pool_ref
from xencenter_py.sim.behaviours.ha import replan
from xencenter_py.sim.behaviours.messages import alert
from xencenter_py.sim.behaviours.placement import boot_error, host_free_memory, host_is_live, refresh_host_memory
from xencenter_py.sim.behaviours.runtime import domain_started, domain_stopped
from xencenter_py.sim.dispatch import extension
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

log = logging.getLogger(__name__)

HA_TIMEOUT = 60.0
"""Seconds without heartbeat before HA declares a host dead (xapi's default HA timeout)."""
HOST_DEAD_INTERVAL = 600.0
"""Seconds without heartbeat before a pool without HA declares a host dead."""

extension("fail_host", (("host", "host ref"),))
extension("repair_host", (("host", "host ref"),))


class HostFailures:
    """The pending failure detections of one simulator."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.timers: dict[str, asyncio.Task[None]] = {}

    def fail(self, host: str) -> None:
        self.sim.down_hosts.add(host)
        pool = pool_ref(self.sim.store)
        config = self.sim.store.get("pool", pool) if pool else {}
        if config.get("ha_enabled"):
            timeout = _float(config["ha_configuration"].get("timeout"), HA_TIMEOUT)
        else:
            timeout = HOST_DEAD_INTERVAL
        delay = timeout / max(self.sim.speed, 1e-9)
        self.timers[host] = asyncio.get_running_loop().create_task(self._detect(host, delay))

    async def _detect(self, host: str, delay: float) -> None:
        await asyncio.sleep(delay)
        self.timers.pop(host, None)
        try:
            await declare_dead(self.sim, host)
        except Exception:
            log.exception("failover after the loss of %s failed", host)
        self.sim.after_background_change()

    def repair(self, host: str) -> None:
        timer = self.timers.pop(host, None)
        if timer is not None:
            timer.cancel()
        self.sim.down_hosts.discard(host)


def _float(text: Any, default: float) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def attach(sim: Any) -> None:
    sim.host_failures = HostFailures(sim)


def _failures(call: Call) -> HostFailures:
    return call.sim.host_failures  # type: ignore[attr-defined, no-any-return]


def _live_hosts(store: Store) -> list[str]:
    return [h for h in store.all("host") if host_is_live(store, h)]


@implements("simulator.fail_host")
async def fail_host(call: Call, host: str) -> str:
    """Make ``host`` stop answering and heartbeating (refused for the last live host)."""
    store = call.store
    down = call.sim.down_hosts  # type: ignore[attr-defined]
    if host in down or not host_is_live(store, host):
        call.fail("HOST_OFFLINE", host)
    if not [h for h in _live_hosts(store) if h != host and h not in down]:
        call.fail("HA_TOO_FEW_HOSTS")
    _failures(call).fail(host)
    return ""


@implements("simulator.repair_host")
async def repair_host(call: Call, host: str) -> str:
    """Bring a failed host back: live, enabled, with no VMs (refused for a healthy host)."""
    store = call.store
    down = call.sim.down_hosts  # type: ignore[attr-defined]
    if host not in down and host_is_live(store, host):
        call.fail("HOST_IS_LIVE", host)  # nothing to repair
    _failures(call).repair(host)
    metrics = store.get("host", host)["metrics"]
    if store.exists("host_metrics", metrics):
        store.set("host_metrics", metrics, "live", True)
    store.set("host", host, "enabled", True)
    refresh_host_memory(store, host)
    replan(store)
    return ""


async def declare_dead(sim: Any, host: str) -> None:
    """What the pool does once ``host`` has missed its heartbeats for the timeout."""
    store: Store = sim.store
    if not store.exists("host", host):
        return
    pool = pool_ref(store)
    ha = bool(pool and store.get("pool", pool)["ha_enabled"])
    metrics = store.get("host", host)["metrics"]
    if store.exists("host_metrics", metrics):
        store.set("host_metrics", metrics, "live", False)
    victims = [
        vm
        for vm, rec in store.all("VM").items()
        if rec["resident_on"] == host and not rec["is_control_domain"] and rec["power_state"] != "Halted"
    ]
    for vm in victims:
        domain_stopped(store, vm)
    if not ha:
        return
    name = store.get("host", host)["name_label"]
    alert(store, "HA_HOST_FAILED", 3, "Host", host, f"Server '{name}' has failed")
    if pool and store.get("pool", pool)["master"] == host:
        survivors = [h for h in _live_hosts(store) if h not in sim.down_hosts]
        if survivors:
            store.set("pool", pool, "master", survivors[0])
    await _restart(sim, victims)
    replan(store)


def restart_order(store: Store, vms: list[str]) -> list[str]:
    """Protected VMs first, then best-effort ones; each group by start order, then name."""
    rank = {"restart": 0, "best-effort": 1}
    candidates = [v for v in vms if store.get("VM", v)["ha_restart_priority"] in rank]

    def key(vm: str) -> tuple[int, int, str]:
        rec = store.get("VM", vm)
        return rank[rec["ha_restart_priority"]], rec["order"], rec["name_label"].lower()

    return sorted(candidates, key=key)


async def _restart(sim: Any, vms: list[str]) -> None:
    store: Store = sim.store
    for vm in restart_order(store, vms):
        if not store.exists("VM", vm) or store.get("VM", vm)["power_state"] != "Halted":
            continue
        rec = store.get("VM", vm)
        try:
            target = _target(store, vm, sim.down_hosts)
        except XapiError as e:
            if rec["ha_restart_priority"] == "restart":
                alert(
                    store,
                    "HA_PROTECTED_VM_RESTART_FAILED",
                    2,
                    "VM",
                    vm,
                    f"HA could not restart the protected VM '{rec['name_label']}': {e.code}",
                )
            continue
        domain_started(store, vm, target)
        sim.after_background_change()
        delay = rec["start_delay"] / max(sim.speed, 1e-9)
        if delay > 0:
            await asyncio.sleep(delay)


def _target(store: Store, vm: str, down: set[str]) -> str:
    """Where the VM restarts: its home server if it fits there, else the fitting host with
    the most free memory, never a host that is failing."""
    hosts = [h for h in store.all("host") if h not in down]
    affinity = store.get("VM", vm)["affinity"]
    if affinity in hosts and boot_error(store, vm, affinity) is None:
        return affinity
    fitting = [(host_free_memory(store, h), h) for h in hosts if boot_error(store, vm, h) is None]
    if not fitting:
        errors = [e for h in hosts if (e := boot_error(store, vm, h)) is not None]
        raise errors[0] if len(errors) == 1 else XapiError("NO_HOSTS_AVAILABLE")
    return max(fitting)[1]
