"""The VM power state machine (protocol notes §9): start, shut down, reboot, suspend, pause.

Each call checks the operation exactly as XAPI does (:func:`allowed_ops.vm_error`), marks
it in ``current_operations`` while it runs, takes a realistic time with rising task
progress, and can be cancelled during the phases XAPI can still undo.
"""

from __future__ import annotations

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.allowed_ops import assert_vm_op, has_pv_drivers
from xencenter_py.sim.behaviours.common import GiB, in_progress, is_null, pool_ref, work
from xencenter_py.sim.behaviours.placement import boot_error, choose_host, refresh_host_memory
from xencenter_py.sim.behaviours.runtime import domain_started, domain_stopped, rebooted
from xencenter_py.sim.behaviours.storage import new_vdi
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

# Seconds each operation takes at --speed 1 (a small Windows guest on 2009 hardware).
BOOT = 12.0
SHUTDOWN = 8.0
HARD_SHUTDOWN = 2.0
REBOOT = 14.0
HARD_REBOOT = 6.0
SUSPEND_PER_GIB = 4.0
RESUME_PER_GIB = 3.0
PAUSE = 0.5


async def _provision_on_first_boot(call: Call, vm: str) -> None:
    from xencenter_py.sim.behaviours.vm_lifecycle import provision_on_first_boot  # it imports this module

    await provision_on_first_boot(call, vm)


def _assert_host_ok(store: Store, vm: str, host: str) -> None:
    err = boot_error(store, vm, host)
    if err is not None:
        raise err


async def _boot(call: Call, vm: str, host: str, paused: bool, op: str, seconds: float) -> None:
    """Reserve memory on ``host``, spend the boot time (cancellable until the domain runs)."""
    store = call.store
    async with in_progress(call, "VM", vm, op):
        store.set("VM", vm, "scheduled_to_be_resident_on", host)
        refresh_host_memory(store, host)
        call.allow_cancel(True)
        try:
            await work(call, seconds * 0.6, 0.0, 0.6, 3)
        except XapiError:
            if store.exists("VM", vm):
                store.set("VM", vm, "scheduled_to_be_resident_on", NULL_REF)
            refresh_host_memory(store, host)
            raise
        call.allow_cancel(False)
        await work(call, seconds * 0.4, 0.6, 0.99, 2)
        domain_started(store, vm, host, paused)


@implements("VM.start")
async def start(call: Call, vm: str, start_paused: bool, force: bool) -> None:
    assert_vm_op(call.store, vm, "start")
    await _provision_on_first_boot(call, vm)
    host = choose_host(call.store, vm)
    await _boot(call, vm, host, start_paused, "start", BOOT)


@implements("VM.start_on")
async def start_on(call: Call, vm: str, host: str, start_paused: bool, force: bool) -> None:
    assert_vm_op(call.store, vm, "start_on")
    _assert_host_ok(call.store, vm, host)
    await _provision_on_first_boot(call, vm)
    await _boot(call, vm, host, start_paused, "start_on", BOOT)


def _resume_seconds(store: Store, vm: str) -> float:
    return max(store.get("VM", vm)["memory_static_max"] / GiB, 0.25) * RESUME_PER_GIB


async def _resume(call: Call, vm: str, host: str, paused: bool, op: str) -> None:
    store = call.store
    suspend_vdi = store.get("VM", vm)["suspend_VDI"]
    await _boot(call, vm, host, paused, op, _resume_seconds(store, vm))
    if store.exists("VDI", suspend_vdi):
        store.delete("VDI", suspend_vdi)


@implements("VM.resume")
async def resume(call: Call, vm: str, start_paused: bool, force: bool) -> None:
    assert_vm_op(call.store, vm, "resume")
    host = choose_host(call.store, vm)
    await _resume(call, vm, host, start_paused, "resume")


@implements("VM.resume_on")
async def resume_on(call: Call, vm: str, host: str, start_paused: bool, force: bool) -> None:
    assert_vm_op(call.store, vm, "resume_on")
    _assert_host_ok(call.store, vm, host)
    await _resume(call, vm, host, start_paused, "resume_on")


async def _clean_shutdown(call: Call, vm: str, op: str) -> None:
    store = call.store
    async with in_progress(call, "VM", vm, op):
        call.allow_cancel(True)
        await work(call, SHUTDOWN, 0.0, 0.9, 4)
        call.allow_cancel(False)
        domain_stopped(store, vm)


@implements("VM.clean_shutdown")
async def clean_shutdown(call: Call, vm: str) -> None:
    assert_vm_op(call.store, vm, "clean_shutdown")
    await _clean_shutdown(call, vm, "clean_shutdown")


async def _hard_shutdown(call: Call, vm: str, op: str) -> None:
    store = call.store
    state = store.get("VM", vm)["power_state"]
    suspend_vdi = store.get("VM", vm)["suspend_VDI"]
    async with in_progress(call, "VM", vm, op):
        await work(call, HARD_SHUTDOWN if state != "Suspended" else 0.5, 0.0, 0.9, 2)
        domain_stopped(store, vm)
    if state == "Suspended" and store.exists("VDI", suspend_vdi):
        store.delete("VDI", suspend_vdi)


@implements("VM.hard_shutdown")
async def hard_shutdown(call: Call, vm: str) -> None:
    assert_vm_op(call.store, vm, "hard_shutdown")
    await _hard_shutdown(call, vm, "hard_shutdown")


@implements("VM.shutdown")
async def shutdown(call: Call, vm: str) -> None:
    """Clean shutdown when the guest can cooperate, otherwise a hard one (as XAPI does)."""
    store = call.store
    assert_vm_op(store, vm, "shutdown")
    rec = store.get("VM", vm)
    if rec["power_state"] == "Running" and has_pv_drivers(store, rec):
        await _clean_shutdown(call, vm, "clean_shutdown")
    else:
        await _hard_shutdown(call, vm, "hard_shutdown")


@implements("VM.clean_reboot")
async def clean_reboot(call: Call, vm: str) -> None:
    assert_vm_op(call.store, vm, "clean_reboot")
    async with in_progress(call, "VM", vm, "clean_reboot"):
        call.allow_cancel(True)
        await work(call, REBOOT * 0.4, 0.0, 0.4, 2)
        call.allow_cancel(False)
        await work(call, REBOOT * 0.6, 0.4, 0.99, 3)
        rebooted(call.store, vm)


@implements("VM.hard_reboot")
async def hard_reboot(call: Call, vm: str) -> None:
    assert_vm_op(call.store, vm, "hard_reboot")
    async with in_progress(call, "VM", vm, "hard_reboot"):
        await work(call, HARD_REBOOT, 0.0, 0.99, 3)
        rebooted(call.store, vm)


def suspend_sr(store: Store, vm: str) -> str:
    """The VM's own suspend SR, else the pool's suspend image SR (``VM_NO_SUSPEND_SR``)."""
    sr = store.get("VM", vm)["suspend_SR"]
    if is_null(sr) or not store.exists("SR", sr):
        pool = pool_ref(store)
        sr = store.get("pool", pool)["suspend_image_SR"] if pool else NULL_REF
    if is_null(sr) or not store.exists("SR", sr):
        raise XapiError("VM_NO_SUSPEND_SR", vm)
    return sr


@implements("VM.suspend")
async def suspend(call: Call, vm: str) -> None:
    store = call.store
    assert_vm_op(store, vm, "suspend")
    sr = suspend_sr(store, vm)
    rec = store.get("VM", vm)
    size = rec["memory_static_max"] + 2 * 1024**2
    seconds = max(rec["memory_static_max"] / GiB, 0.25) * SUSPEND_PER_GIB
    async with in_progress(call, "VM", vm, "suspend"):
        call.allow_cancel(True)
        await work(call, seconds * 0.5, 0.0, 0.5, 2)
        call.allow_cancel(False)
        vdi = new_vdi(
            store,
            sr,
            f"Suspend image for {rec['name_label']}",
            size,
            type="suspend",
            description="Suspend image",
        )
        await work(call, seconds * 0.5, 0.5, 0.99, 2)
        domain_stopped(store, vm, "Suspended", suspend_vdi=vdi)


@implements("VM.pause", "VM.unpause")
async def pause_or_unpause(call: Call, vm: str) -> None:
    """Pause a running VM, or run a paused one again (the message names which)."""
    op = call.message.name
    paused = op == "pause"
    assert_vm_op(call.store, vm, op)
    async with in_progress(call, "VM", vm, op):
        await work(call, PAUSE, 0.0, 0.99, 1)
        call.store.set("VM", vm, "power_state", "Paused" if paused else "Running")
        _set_metrics_state(call.store, vm, ["paused"] if paused else [])


def _set_metrics_state(store: Store, vm: str, state: list[str]) -> None:
    metrics = store.get("VM", vm)["metrics"]
    if store.exists("VM_metrics", metrics):
        store.set("VM_metrics", metrics, "state", state)


@implements("VM.power_state_reset")
async def power_state_reset(call: Call, vm: str) -> None:
    """Forget the VM's domain in the database (any state → Halted); never for dom0."""
    store = call.store
    rec = store.get("VM", vm)
    if rec["is_control_domain"]:
        call.fail("CANNOT_RESET_CONTROL_DOMAIN", vm)
    suspend_vdi = rec["suspend_VDI"]
    domain_stopped(store, vm)
    if store.exists("VDI", suspend_vdi):
        store.delete("VDI", suspend_vdi)
    if rec["current_operations"]:
        store.set("VM", vm, "current_operations", {})
