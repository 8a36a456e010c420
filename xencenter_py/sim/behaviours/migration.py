"""Live migration inside the pool and host evacuation (protocol notes §8).

``VM.pool_migrate`` moves a running VM to a host that passes the boot checks; evacuation
plans a target for every guest of a host (memory reserved as the plan grows) and reports
the VMs that prevent it with XAPI's error codes, so maintenance mode behaves as in XenCenter.
"""

from __future__ import annotations

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.allowed_ops import vm_error
from xencenter_py.sim.behaviours.common import GiB, in_progress, work
from xencenter_py.sim.behaviours.placement import (
    boot_error,
    host_free_memory,
    refresh_host_memory,
    vm_overhead,
    vm_target,
)
from xencenter_py.sim.behaviours.runtime import next_domid
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

SECONDS_PER_GIB = 4.0


async def migrate(call: Call, vm: str, host: str, span: tuple[float, float] = (0.0, 1.0)) -> None:
    """Copy the memory over (cancellable), then switch the domain to ``host``; task progress
    moves through ``span``."""
    store = call.store
    rec = store.get("VM", vm)
    source = rec["resident_on"]
    seconds = max(rec["memory_static_max"] / GiB, 0.25) * SECONDS_PER_GIB
    lo, hi = span
    async with in_progress(call, "VM", vm, "pool_migrate"):
        if host != source:
            store.set("VM", vm, "scheduled_to_be_resident_on", host)
            refresh_host_memory(store, host)
        call.allow_cancel(True)
        try:
            await work(call, seconds * 0.9, lo, lo + (hi - lo) * 0.9, 4)
        except XapiError:
            store.set("VM", vm, "scheduled_to_be_resident_on", NULL_REF)
            refresh_host_memory(store, host)
            raise
        call.allow_cancel(False)
        await work(call, seconds * 0.1, lo + (hi - lo) * 0.9, lo + (hi - lo) * 0.99, 1)
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
                await migrate(call, vm, target, (done / count, (done + 1) / count))
