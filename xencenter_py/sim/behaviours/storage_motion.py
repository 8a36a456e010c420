"""``VM.migrate_send`` inside the pool (storage motion): the VM's disks move to the SRs of
``vdi_map``, its VIFs to the networks of ``vif_map``, and a running VM to ``dest["host"]``.

XenCenter's migrate wizard asks ``host.migrate_receive`` for the destination token, checks
with ``VM.assert_can_migrate`` and then calls ``Async.VM.migrate_send``. A token naming a
host of another (simulated, loopback) pool is a cross-pool migration (:mod:`.cross_pool`).
"""

from __future__ import annotations

from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.allowed_ops import vm_error
from xencenter_py.sim.behaviours.common import GiB, in_progress, work
from xencenter_py.sim.behaviours.cross_pool import forget_migrated, is_remote, payload, peer_receive
from xencenter_py.sim.behaviours.migration import PHASE_KEY, live_copy, migrate, record_phase
from xencenter_py.sim.behaviours.placement import (
    host_free_memory,
    host_is_live,
    host_sees_network,
    host_sees_sr,
    vm_start_memory,
)
from xencenter_py.sim.behaviours.storage import account, sr_free
from xencenter_py.sim.operations import Call, implements

SECONDS_PER_DISK_GIB = 2.0


@implements("host.migrate_receive")
async def migrate_receive(call: Call, host: str, network: str, options: dict[str, str]) -> dict[str, str]:
    store = call.store
    if not host_sees_network(store, host, network):
        call.fail("HOST_CANNOT_ATTACH_NETWORK", host, network)
    master = store.get("pool", next(iter(store.all("pool"))))["master"]
    # The simulator's own URL, so that another simulator can reach it over loopback.
    base = getattr(call.sim, "url", "") or f"http://{store.get('host', master)['address'] or 'localhost'}"
    return {
        "host": host,
        "session_id": call.session,
        "SM": f"{base}/services/SM?session_id={call.session}",
        "xenops": f"{base}/services/xenops?session_id={call.session}",
        "master": f"{base}/",
    }


def _disks(call: Call, vm: str) -> list[tuple[str, dict[str, Any]]]:
    store = call.store
    out = []
    for vbd in store.get("VM", vm)["VBDs"]:
        rec = store.all("VBD").get(vbd)
        if rec and not rec["empty"] and rec["VDI"] in store.all("VDI"):
            out.append((rec["VDI"], store.get("VDI", rec["VDI"])))
    return out


def _check(call: Call, vm: str, dest: dict[str, str], vdi_map: dict[str, str], vif_map: dict[str, str]) -> str:
    """The destination host, after xapi's checks (power state, reachability, storage, memory)."""
    store = call.store
    host = dest.get("host", "")
    rec = store.get("VM", vm)
    if host not in store.all("host"):
        call.fail("VM_MIGRATE_FAILED", vm, rec["resident_on"], host, "the destination is not in this pool")
    err = vm_error(store, vm, "migrate_send")
    if err is not None:
        raise err
    needed: dict[str, int] = {}
    for vdi, vdi_rec in _disks(call, vm):
        target = vdi_map.get(vdi, vdi_rec["SR"])
        if not host_sees_sr(store, host, target):
            call.fail("VM_REQUIRES_SR", vm, target)
        if target != vdi_rec["SR"]:
            needed[target] = needed.get(target, 0) + vdi_rec["physical_utilisation"]
    for sr, size in needed.items():
        free = sr_free(store, sr)
        if free is not None and size > free:
            call.fail("SR_FULL", size, max(free, 0))
    for vif in rec["VIFs"]:
        vif_rec = store.all("VIF").get(vif)
        if vif_rec is None:
            continue
        network = vif_map.get(vif, vif_rec["network"])
        if not host_sees_network(store, host, network):
            call.fail("VM_REQUIRES_NETWORK", vm, network)
    if rec["power_state"] == "Running" and host != rec["resident_on"]:
        if not host_is_live(store, host) or not store.get("host", host)["enabled"]:
            call.fail("HOST_DISABLED" if host_is_live(store, host) else "HOST_OFFLINE", host)
        needed, free = vm_start_memory(rec), host_free_memory(store, host)
        if needed > free:  # storage and networks were checked against the maps above
            call.fail("HOST_NOT_ENOUGH_FREE_MEMORY", needed, free)
    return host


@implements("VM.assert_can_migrate")
async def assert_can_migrate(
    call: Call, vm: str, dest: dict[str, str], live: bool, vdi_map: dict[str, str], vif_map: dict[str, str], *_: object
) -> str:
    """``migrate_send``'s checks only (the options and vGPU map change nothing here); for
    another pool the destination checks its side too."""
    if is_remote(call.store, dest):
        err = vm_error(call.store, vm, "migrate_send")
        if err is not None:
            raise err
        await peer_receive(call, vm, dest, payload(call.store, vm, dest, vdi_map, vif_map), True)
        return ""
    _check(call, vm, dest, vdi_map, vif_map)
    return ""


@implements("VM.migrate_send")
async def migrate_send(
    call: Call,
    vm: str,
    dest: dict[str, str],
    live: bool,
    vdi_map: dict[str, str],
    vif_map: dict[str, str],
    options: dict[str, str],
    vgpu_map: dict[str, str],
) -> str:
    store = call.store
    if is_remote(store, dest):
        return await _migrate_to_other_pool(call, vm, dest, vdi_map, vif_map)
    host = _check(call, vm, dest, vdi_map, vif_map)
    moves = [(vdi, rec, vdi_map[vdi]) for vdi, rec in _disks(call, vm) if vdi_map.get(vdi, rec["SR"]) != rec["SR"]]
    rec = store.get("VM", vm)
    async with in_progress(call, "VM", vm, "migrate_send"):
        for i, (vdi, vdi_rec, target) in enumerate(moves):
            seconds = max(vdi_rec["physical_utilisation"] / GiB, 0.1) * SECONDS_PER_DISK_GIB
            await work(call, seconds, 0.8 * i / len(moves), 0.8 * (i + 1) / len(moves), 2)
            account(store, vdi_rec["SR"], -vdi_rec["physical_utilisation"], -vdi_rec["virtual_size"])
            account(store, target, vdi_rec["physical_utilisation"], vdi_rec["virtual_size"])
            store.update(
                "VDI", vdi, {"SR": target, "snapshot_of": NULL_REF} if vdi_rec["is_a_snapshot"] else {"SR": target}
            )
        for vif, network in vif_map.items():
            if vif in rec["VIFs"] and store.exists("network", network):
                store.set("VIF", vif, "network", network)
    if rec["power_state"] == "Running" and host != rec["resident_on"]:
        await migrate(call, vm, host, (0.8, 1.0))
    elif rec["power_state"] != "Running":
        store.set("VM", vm, "affinity", host)
    return vm


async def _migrate_to_other_pool(
    call: Call, vm: str, dest: dict[str, str], vdi_map: dict[str, str], vif_map: dict[str, str]
) -> str:
    """Copy the disks, live-copy the memory, hand the VM over; returns its ref there."""
    store = call.store
    err = vm_error(store, vm, "migrate_send")
    if err is not None:
        raise err
    if store.get("VM", vm)["power_state"] not in ("Running", "Halted"):
        call.fail("VM_BAD_POWER_STATE", vm, "running", store.get("VM", vm)["power_state"].lower())
    data = payload(store, vm, dest, vdi_map, vif_map)
    await peer_receive(call, vm, dest, data, True)
    disks = _disks(call, vm)
    running = store.get("VM", vm)["power_state"] == "Running"
    async with in_progress(call, "VM", vm, "migrate_send"):
        call.allow_cancel(True)
        share = 0.6 if running else 0.95
        for i, (_vdi, vdi_rec) in enumerate(disks):
            record_phase(call, {PHASE_KEY: f"storage:{i + 1}"})
            seconds = max(vdi_rec["physical_utilisation"] / GiB, 0.1) * SECONDS_PER_DISK_GIB
            await work(call, seconds, share * i / len(disks), share * (i + 1) / len(disks), 2)
        if running:
            await live_copy(call, vm, share, 0.97, True)
        call.allow_cancel(False)
        new_ref = await peer_receive(call, vm, dest, data, False)
    forget_migrated(store, vm)
    return new_ref


@implements("VDI.pool_migrate")
async def vdi_pool_migrate(call: Call, vdi: str, sr: str, options: dict[str, str]) -> str:
    """Live storage motion of one disk of a running VM to ``sr`` (the VM's host must see it);
    the VDI keeps its identity and moves, as XAPI's mirror-then-switch does."""
    store = call.store
    rec = store.get("VDI", vdi)
    vms = [store.get("VBD", b)["VM"] for b in rec["VBDs"] if store.exists("VBD", b)]
    running = [vm for vm in vms if store.get("VM", vm)["power_state"] == "Running"]
    if not running:
        call.fail("VM_BAD_POWER_STATE", vms[0] if vms else NULL_REF, "running", "halted")
    host = store.get("VM", running[0])["resident_on"]
    if not host_sees_sr(store, host, sr):
        call.fail("VM_REQUIRES_SR", running[0], sr)
    free = sr_free(store, sr)
    if free is not None and rec["physical_utilisation"] > free:
        call.fail("SR_FULL", rec["physical_utilisation"], max(free, 0))
    if sr == rec["SR"]:
        return vdi
    async with in_progress(call, "VDI", vdi, "mirror"):
        call.allow_cancel(True)
        seconds = max(rec["physical_utilisation"] / GiB, 0.1) * SECONDS_PER_DISK_GIB
        await work(call, seconds, 0.0, 0.95, 4)
        call.allow_cancel(False)
        account(store, rec["SR"], -rec["physical_utilisation"], -rec["virtual_size"])
        account(store, sr, rec["physical_utilisation"], rec["virtual_size"])
        store.set("VDI", vdi, "SR", sr)
    return vdi
