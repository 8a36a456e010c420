"""Live migration inside the pool and host evacuation (protocol notes §8).

``VM.pool_migrate`` moves a running VM to a host that passes the boot checks, by the
deck's XenMotion model (:mod:`xencenter_py.xenmotion`): its memory, its current dirty rate
(from its workload) and the migration link decide the pre-copy rounds and the downtime; evacuation
plans a target for every guest of a host (memory reserved as the plan grows) and reports
the VMs that prevent it with XAPI's error codes, so maintenance mode behaves as in XenCenter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from xencenter_py import xenmotion
from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim import rrd
from xencenter_py.sim.behaviours.allowed_ops import vm_error
from xencenter_py.sim.behaviours.common import in_progress, work
from xencenter_py.sim.behaviours.placement import (
    boot_error,
    host_free_memory,
    refresh_host_memory,
    vm_overhead,
    vm_target,
)
from xencenter_py.sim.behaviours.runtime import next_domid
from xencenter_py.sim.dispatch import extension
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

PHASE_KEY = "migration_phase"
DOWNTIME_KEY = "migration_downtime_ms"
ROUNDS_KEY = "migration_precopy_rounds"
"""Task ``other_config`` keys of the simulator's XenMotion figures (docs/SIMULATOR-EXTENSIONS.md)."""


@dataclass
class _Settings:
    """Simulator-only knobs of one pool: guest workloads and the migration link."""

    workloads: dict[str, float] = field(default_factory=dict)
    link_mbit: float = xenmotion.DEFAULT_LINK_MBIT


_SETTINGS: WeakKeyDictionary[Store, _Settings] = WeakKeyDictionary()


def settings(store: Store) -> _Settings:
    found = _SETTINGS.get(store)
    if found is None:
        found = _SETTINGS[store] = _Settings()
    return found


def vm_load(store: Store, vm: str) -> float:
    """The VM's CPU load now (0..1): the one set by ``simulator.set_vm_workload``, else the
    average of the vCPU loads its performance data shows."""
    override = settings(store).workloads.get(vm)
    if override is not None:
        return override
    cpus = [s for s in rrd.vm_sources(store, vm) if s.name.startswith("cpu")]
    t = time.time()
    return sum(s.value(t) for s in cpus) / len(cpus) if cpus else 0.0


def migration_plan(store: Store, vm: str) -> xenmotion.MigrationPlan:
    rec = store.get("VM", vm)
    rate = xenmotion.dirty_bytes_per_second(vm_load(store, vm), rec["VCPUs_at_startup"] or rec["VCPUs_max"])
    return xenmotion.plan(vm_target(rec), rate, settings(store).link_mbit)


def record_phase(call: Call, values: dict[str, str]) -> None:
    if call.task and call.store.exists("task", call.task):
        other = call.store.get("task", call.task)["other_config"]
        call.store.set("task", call.task, "other_config", {**other, **values})


async def live_copy(call: Call, vm: str, lo: float, hi: float, record: bool) -> None:
    """Pre-copy rounds then stop-and-copy, with task progress from ``lo`` to ``hi`` by bytes."""
    steps = migration_plan(call.store, vm)
    total = sum(steps.rounds) + steps.final_bytes or 1
    done = 0
    for n, size in enumerate(steps.rounds, start=1):
        if record:
            record_phase(call, {PHASE_KEY: f"precopy:{n}"})
        start = lo + (hi - lo) * done / total
        done += size
        await work(call, size / steps.link, start, lo + (hi - lo) * done / total, 1)
    call.allow_cancel(False)
    if record:
        record_phase(call, {PHASE_KEY: "stop-and-copy"})
    await call.step(steps.downtime_seconds, hi)
    if record:
        record_phase(
            call,
            {
                PHASE_KEY: "resumed",
                DOWNTIME_KEY: str(round(steps.downtime_seconds * 1000)),
                ROUNDS_KEY: str(len(steps.rounds)),
            },
        )


async def migrate(
    call: Call, vm: str, host: str, span: tuple[float, float] = (0.0, 1.0), *, record: bool = True
) -> None:
    """XenMotion of a running VM to ``host`` (the deck's six steps): the reservation on the
    destination, pre-copy rounds (cancellable), stop-and-copy, resume there. The VM stays
    Running throughout; with ``record`` the task's ``other_config`` follows the phases and
    ends with the downtime and the number of pre-copy rounds."""
    store = call.store
    rec = store.get("VM", vm)
    source = rec["resident_on"]
    lo, hi = span
    async with in_progress(call, "VM", vm, "pool_migrate"):
        if record:
            record_phase(call, {PHASE_KEY: "reservation"})
        if host != source:
            store.set("VM", vm, "scheduled_to_be_resident_on", host)
            refresh_host_memory(store, host)
        call.allow_cancel(True)
        try:
            await live_copy(call, vm, lo + (hi - lo) * 0.02, lo + (hi - lo) * 0.99, record)
        except XapiError:
            store.set("VM", vm, "scheduled_to_be_resident_on", NULL_REF)
            refresh_host_memory(store, host)
            raise
        address = store.get("host", host)["address"] or "localhost"
        store.update(
            "VM",
            vm,
            {"resident_on": host, "scheduled_to_be_resident_on": NULL_REF, "domid": next_domid(store, host)},
        )
        for console in store.get("VM", vm)["consoles"]:
            if store.exists("console", console):
                uuid = store.get("VM", vm)["uuid"]
                store.set("console", console, "location", f"https://{address}/console?uuid={uuid}")
        for h in {source, host}:
            if store.exists("host", h):
                refresh_host_memory(store, h)


extension("set_vm_workload", (("vm", "VM ref"), ("load", "float")))
extension("set_migration_bandwidth", (("mbit_per_s", "float"),))


@implements("simulator.set_vm_workload")
async def set_vm_workload(call: Call, vm: str, load: float) -> None:
    if not 0.0 <= load <= 1.0:
        call.fail("VALUE_NOT_SUPPORTED", "load", str(load), "the load is a fraction between 0 and 1")
    settings(call.store).workloads[vm] = load


@implements("simulator.set_migration_bandwidth")
async def set_migration_bandwidth(call: Call, mbit_per_s: float) -> None:
    if not 1.0 <= mbit_per_s <= 400_000.0:
        call.fail("VALUE_NOT_SUPPORTED", "mbit_per_s", str(mbit_per_s), "between 1 and 400000 Mbit/s")
    settings(call.store).link_mbit = mbit_per_s


@implements("VM.pool_migrate")
async def pool_migrate(call: Call, vm: str, host: str, options: dict[str, str]) -> None:
    store = call.store
    err = vm_error(store, vm, "pool_migrate")
    if err is not None:
        raise err
    err = boot_error(store, vm, host)
    if err is not None:
        raise err
    await migrate(call, vm, host)


def evacuation_plan(store: Store, host: str) -> tuple[dict[str, str], dict[str, XapiError]]:
    """(VM → target host, VM → why it cannot move) for every guest running on ``host``."""
    plan: dict[str, str] = {}
    problems: dict[str, XapiError] = {}
    reserved: dict[str, int] = {}
    others = [h for h in store.all("host") if h != host]
    vms = store.all("VM")
    for vm in store.get("host", host)["resident_VMs"]:
        rec = vms.get(vm)
        if rec is None or rec["is_control_domain"] or rec["power_state"] not in ("Running", "Paused"):
            continue
        err = vm_error(store, vm, "pool_migrate", rec) if rec["power_state"] == "Running" else None
        if err is not None:
            problems[vm] = err
            continue
        needed = vm_target(rec) + (rec["memory_overhead"] or vm_overhead(rec))
        best: tuple[int, str] | None = None
        first_error: XapiError | None = None
        for other in others:
            err = boot_error(store, vm, other, memory=False)
            free = host_free_memory(store, other) - reserved.get(other, 0)
            if err is None and needed > free:
                err = XapiError("HOST_NOT_ENOUGH_FREE_MEMORY", needed, max(free, 0))
            if err is None:
                candidate = (free, other)
                if rec["affinity"] == other:
                    candidate = (1 << 62, other)
                best = max(best, candidate) if best else candidate
            elif first_error is None:
                first_error = err
        if best is None:
            problems[vm] = first_error or XapiError("NO_HOSTS_AVAILABLE")
        else:
            plan[vm] = best[1]
            reserved[best[1]] = reserved.get(best[1], 0) + needed
    return plan, problems


@implements("host.get_vms_which_prevent_evacuation")
async def get_vms_which_prevent_evacuation(call: Call, host: str) -> dict[str, list[str]]:
    _plan, problems = evacuation_plan(call.store, host)
    return {vm: err.description for vm, err in problems.items()}


@implements("host.assert_can_evacuate")
async def assert_can_evacuate(call: Call, host: str) -> None:
    _plan, problems = evacuation_plan(call.store, host)
    if problems:
        call.fail("CANNOT_EVACUATE_HOST", "|".join(",".join(e.description) for e in problems.values()))


@implements("host.evacuate")
async def evacuate(call: Call, host: str, network: str, evacuate_batch_size: int) -> None:
    store = call.store
    plan, problems = evacuation_plan(store, host)
    if problems:
        raise next(iter(problems.values()))
    async with in_progress(call, "host", host, "evacuate"):
        count = max(len(plan), 1)
        for done, (vm, target) in enumerate(plan.items()):
            if store.exists("VM", vm) and store.get("VM", vm)["resident_on"] == host:
                await migrate(call, vm, target, (done / count, (done + 1) / count), record=False)
