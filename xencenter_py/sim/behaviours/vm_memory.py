"""VM memory and vCPU settings with xapi's checks (the calls XenCenter's memory dialog and
scripts use): static/dynamic ranges, limits in one go, live vCPU changes, ballooning.

A running VM may only change its dynamic range (the balloon target follows ``dynamic_max``
when the host has room); the static range and the combined limits need a halted VM.
"""

from __future__ import annotations

from xencenter_py.sim.behaviours.allowed_ops import assert_vm_op
from xencenter_py.sim.behaviours.placement import host_free_memory, refresh_host_memory, vm_overhead
from xencenter_py.sim.behaviours.runtime import ensure_vm_metrics
from xencenter_py.sim.operations import Call, implements

_ORDER = "Memory limits must satisfy: static_min <= dynamic_min <= dynamic_max <= static_max"


def _check(static_min: int, static_max: int, dynamic_min: int, dynamic_max: int) -> None:
    if not 0 <= static_min <= dynamic_min <= dynamic_max <= static_max:
        Call.fail("MEMORY_CONSTRAINT_VIOLATION", _ORDER)


def _balloon(call: Call, vm: str) -> None:
    """A running VM's memory follows its new dynamic_max, as far as the host has room."""
    store = call.store
    rec = store.get("VM", vm)
    if rec["power_state"] not in ("Running", "Paused") or rec["resident_on"] not in store.all("host"):
        return
    metrics = ensure_vm_metrics(store, vm)
    actual = store.get("VM_metrics", metrics)["memory_actual"]
    room = actual + max(host_free_memory(store, rec["resident_on"]), 0)
    target = max(rec["memory_dynamic_min"], min(rec["memory_dynamic_max"], room))
    store.set("VM", vm, "memory_target", target)
    store.set("VM_metrics", metrics, "memory_actual", target)
    refresh_host_memory(store, rec["resident_on"])


@implements("VM.set_memory_limits")
async def set_memory_limits(
    call: Call, vm: str, static_min: int, static_max: int, dynamic_min: int, dynamic_max: int
) -> str:
    assert_vm_op(call.store, vm, "changing_memory_limits")
    _check(static_min, static_max, dynamic_min, dynamic_max)
    call.store.update(
        "VM",
        vm,
        {
            "memory_static_min": static_min,
            "memory_static_max": static_max,
            "memory_dynamic_min": dynamic_min,
            "memory_dynamic_max": dynamic_max,
        },
    )
    return ""


@implements("VM.set_memory")
async def set_memory(call: Call, vm: str, value: int) -> str:
    """Static max, dynamic min and dynamic max all become ``value`` (a halted VM)."""
    rec = call.store.get("VM", vm)
    return await set_memory_limits(call, vm, min(rec["memory_static_min"], value), value, value, value)


@implements("VM.set_memory_static_range")
async def set_memory_static_range(call: Call, vm: str, low: int, high: int) -> str:
    assert_vm_op(call.store, vm, "changing_static_range")
    rec = call.store.get("VM", vm)
    _check(low, high, rec["memory_dynamic_min"], rec["memory_dynamic_max"])
    call.store.update("VM", vm, {"memory_static_min": low, "memory_static_max": high})
    return ""


@implements("VM.set_memory_dynamic_range")
async def set_memory_dynamic_range(call: Call, vm: str, low: int, high: int) -> str:
    return _set_dynamic_range(call, vm, "changing_dynamic_range", low, high)


@implements("VM.set_memory_target_live")
async def set_memory_target_live(call: Call, vm: str, target: int) -> str:
    return _set_dynamic_range(call, vm, "changing_memory_live", target, target)


def _set_dynamic_range(call: Call, vm: str, op: str, low: int, high: int) -> str:
    assert_vm_op(call.store, vm, op)
    rec = call.store.get("VM", vm)
    _check(rec["memory_static_min"], rec["memory_static_max"], low, high)
    call.store.update("VM", vm, {"memory_dynamic_min": low, "memory_dynamic_max": high})
    _balloon(call, vm)
    return ""


@implements("VM.wait_memory_target_live")
async def wait_memory_target_live(call: Call, vm: str) -> str:
    return ""  # ballooning is instantaneous here


@implements("VM.maximise_memory")
async def maximise_memory(call: Call, vm: str, total: int, approximate: bool) -> int:
    """The largest static max that fits in ``total`` bytes once the VM's overhead is paid."""
    rec = call.store.get("VM", vm)
    overhead = vm_overhead({**rec, "memory_static_max": total})
    best = max(total - overhead, 0)
    return best - best % (1024**2) if approximate else best


@implements("VM.set_VCPUs_number_live")
async def set_vcpus_number_live(call: Call, vm: str, nvcpu: int) -> str:
    store = call.store
    assert_vm_op(store, vm, "changing_VCPUs_live")
    rec = store.get("VM", vm)
    if not 0 < nvcpu <= rec["VCPUs_max"]:
        call.fail("INVALID_VALUE", "nvcpu", str(nvcpu))
    store.set("VM", vm, "VCPUs_at_startup", nvcpu)
    metrics = ensure_vm_metrics(store, vm)
    store.update("VM_metrics", metrics, {"VCPUs_number": nvcpu, "VCPUs_utilisation": dict.fromkeys(range(nvcpu), 0.0)})
    return ""


@implements("VM.add_to_VCPUs_params_live")
async def add_to_vcpus_params_live(call: Call, vm: str, key: str, value: str) -> str:
    assert_vm_op(call.store, vm, "changing_VCPUs_live")
    rec = call.store.get("VM", vm)
    call.store.set("VM", vm, "VCPUs_params", {**rec["VCPUs_params"], key: value})
    return ""


@implements("VM.set_shadow_multiplier_live")
async def set_shadow_multiplier_live(call: Call, vm: str, multiplier: float) -> str:
    assert_vm_op(call.store, vm, "changing_shadow_memory_live")
    if multiplier < 1.0:
        call.fail("MEMORY_CONSTRAINT_VIOLATION", "shadow multiplier must be at least 1.0")
    call.store.set("VM", vm, "HVM_shadow_multiplier", multiplier)
    return ""


_VCPU_ORDER = "VCPU values must satisfy: 0 < VCPUs_at_startup <= VCPUs_max"


@implements("VM.set_VCPUs_max")
async def set_vcpus_max(call: Call, vm: str, value: int) -> str:
    """A halted VM's vCPU maximum; it may not fall below the startup count."""
    assert_vm_op(call.store, vm, "changing_VCPUs")
    if not 0 < call.store.get("VM", vm)["VCPUs_at_startup"] <= value:
        call.fail("INVALID_VALUE", "VCPU values", _VCPU_ORDER)
    call.store.set("VM", vm, "VCPUs_max", value)
    return ""


@implements("VM.set_VCPUs_at_startup")
async def set_vcpus_at_startup(call: Call, vm: str, value: int) -> str:
    """A halted VM's vCPUs at start-up, within 1..VCPUs_max."""
    assert_vm_op(call.store, vm, "changing_VCPUs")
    if not 0 < value <= call.store.get("VM", vm)["VCPUs_max"]:
        call.fail("INVALID_VALUE", "VCPU values", _VCPU_ORDER)
    call.store.set("VM", vm, "VCPUs_at_startup", value)
    return ""
