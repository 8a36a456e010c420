"""vApps (``VM_appliance``): start and shut down all their VMs as one operation, as XAPI does.

Start goes through the VMs by their ``order`` (lowest first), waiting each VM's
``start_delay`` seconds before the next; shut down goes the other way with
``shutdown_delay``. VMs already in the target state are left alone; the first VM that
cannot be started or stopped fails the whole call with its error.
"""

from __future__ import annotations

from typing import Any

from xencenter_py.sim.behaviours import vm_power
from xencenter_py.sim.behaviours.allowed_ops import has_pv_drivers
from xencenter_py.sim.operations import Call, implements


def _members(call: Call, appliance: str) -> list[tuple[str, dict[str, Any]]]:
    store = call.store
    refs = store.get("VM_appliance", appliance)["VMs"]
    vms = [(ref, store.get("VM", ref)) for ref in refs if store.exists("VM", ref)]
    return sorted(vms, key=lambda item: (item[1].get("order", 0), item[1].get("name_label", "")))


@implements("VM_appliance.start")
async def start(call: Call, appliance: str, paused: bool) -> None:
    members = _members(call, appliance)
    for i, (ref, rec) in enumerate(members):
        if rec["power_state"] == "Halted":
            await vm_power.start(call, ref, paused, False)
        elif rec["power_state"] == "Suspended":
            await vm_power.resume(call, ref, paused, False)
        if i < len(members) - 1:
            await call.step(float(rec.get("start_delay", 0)))


async def _shutdown(call: Call, appliance: str, how: str) -> None:
    members = list(reversed(_members(call, appliance)))
    for i, (ref, rec) in enumerate(members):
        state = call.store.get("VM", ref)["power_state"]
        if state == "Halted":
            continue
        clean = how == "clean" or (how == "auto" and state == "Running" and has_pv_drivers(call.store, rec))
        if clean:
            await vm_power.clean_shutdown(call, ref)
        else:
            await vm_power.hard_shutdown(call, ref)
        if i < len(members) - 1:
            await call.step(float(rec.get("shutdown_delay", 0)))


@implements("VM_appliance.clean_shutdown")
async def clean_shutdown(call: Call, appliance: str) -> None:
    await _shutdown(call, appliance, "clean")


@implements("VM_appliance.hard_shutdown")
async def hard_shutdown(call: Call, appliance: str) -> None:
    await _shutdown(call, appliance, "hard")


@implements("VM_appliance.shutdown")
async def shutdown(call: Call, appliance: str) -> None:
    await _shutdown(call, appliance, "auto")
