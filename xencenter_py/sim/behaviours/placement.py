"""Where a VM may run and where it goes: memory accounting per host and XAPI's boot checks.

A host's free memory is its total minus its own overhead minus, for every domain resident
on it (dom0 included) or scheduled to start there, the domain's overhead plus its actual
memory. ``host_metrics.memory_free`` is kept equal to that figure so clients see memory
move as VMs come and go.
"""

from __future__ import annotations

import math
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.common import MiB, is_null, pool_ref
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

_ACTIVE = ("Running", "Paused")


def vm_overhead(vm: dict[str, Any]) -> int:
    """Memory Xen needs besides the guest's own (page tables, shadow, device model)."""
    static_max_mib = vm["memory_static_max"] / MiB
    vcpus = max(vm["VCPUs_max"], 1)
    hvm = bool(vm["HVM_boot_policy"])
    per_mib = 1 / 128 * (max(vm["HVM_shadow_multiplier"], 1.0) if hvm else 1.0)
    mib = static_max_mib * per_mib + vcpus + (1 if hvm else 0) + 1
    return math.ceil(mib) * MiB


def vm_target(vm: dict[str, Any]) -> int:
    """The memory a started VM occupies (its dynamic maximum, as without ballooning pressure)."""
    return vm["memory_dynamic_max"] or vm["memory_static_max"]


def vm_start_memory(vm: dict[str, Any]) -> int:
    """Bytes a host must have free to start (or resume) ``vm``."""
    return vm_target(vm) + vm_overhead(vm)


def _actual(store: Store, vm: dict[str, Any]) -> int:
    metrics = store.all("VM_metrics").get(vm["metrics"])
    if metrics and metrics["memory_actual"] > 0:
        return int(metrics["memory_actual"])
    return vm_target(vm)


def host_total(store: Store, host: str) -> int:
    metrics = store.all("host_metrics").get(store.get("host", host)["metrics"])
    return int(metrics["memory_total"]) if metrics else 0


def host_free_memory(store: Store, host: str) -> int:
    """Free bytes on ``host`` counting running, paused and scheduled domains."""
    hrec = store.get("host", host)
    used = hrec["memory_overhead"]
    vms = store.all("VM")
    counted: set[str] = set()
    for ref in hrec["resident_VMs"]:
        vm = vms.get(ref)
        if vm and vm["power_state"] in _ACTIVE:
            used += vm["memory_overhead"] + _actual(store, vm)
            counted.add(ref)
    for ref, vm in vms.items():
        if vm["scheduled_to_be_resident_on"] == host and ref not in counted:
            used += vm["memory_overhead"] or vm_overhead(vm)
            used += vm_target(vm)
    return max(host_total(store, host) - used, 0)


def refresh_host_memory(store: Store, host: str) -> None:
    """Make ``host_metrics.memory_free`` agree with the accounting (no write if unchanged)."""
    metrics = store.get("host", host)["metrics"]
    if store.exists("host_metrics", metrics):
        store.set("host_metrics", metrics, "memory_free", host_free_memory(store, host))


def host_is_live(store: Store, host: str) -> bool:
    metrics = store.all("host_metrics").get(store.get("host", host)["metrics"])
    return bool(metrics and metrics["live"])


def required_srs(store: Store, vm: str) -> list[str]:
    """SRs holding the VM's disks (and the suspend image, when there is one)."""
    srs: list[str] = []
    vdis = store.all("VDI")
    vbds = store.all("VBD")
    rec = store.get("VM", vm)
    for vbd in rec["VBDs"]:
        vbd_rec = vbds.get(vbd)
        if not vbd_rec or vbd_rec["empty"]:
            continue
        vdi = vdis.get(vbd_rec["VDI"])
        if vdi and vdi["SR"] not in srs:
            srs.append(vdi["SR"])
    suspend = vdis.get(rec["suspend_VDI"])
    if suspend and suspend["SR"] not in srs:
        srs.append(suspend["SR"])
    return srs


def host_sees_sr(store: Store, host: str, sr: str) -> bool:
    pbds = store.all("PBD")
    sr_rec = store.all("SR").get(sr)
    if sr_rec is None:
        return False
    return any(
        (p := pbds.get(pbd)) is not None and p["host"] == host and p["currently_attached"] for pbd in sr_rec["PBDs"]
    )


def host_sees_network(store: Store, host: str, network: str) -> bool:
    """A network with no PIFs at all is internal (private to the host the VM runs on)."""
    net = store.all("network").get(network)
    if net is None:
        return False
    if not net["PIFs"]:
        return True
    pifs = store.all("PIF")
    return any((p := pifs.get(pif)) is not None and p["host"] == host for pif in net["PIFs"])


def boot_error(store: Store, vm: str, host: str, *, memory: bool = True) -> XapiError | None:
    """Why ``vm`` cannot start on ``host`` (XAPI's ``assert_can_boot_here``), or None."""
    hrec = store.get("host", host)
    if not host_is_live(store, host):
        return XapiError("HOST_OFFLINE", host)
    if not hrec["enabled"]:
        return XapiError("HOST_DISABLED", host)
    for sr in required_srs(store, vm):
        if not host_sees_sr(store, host, sr):
            return XapiError("VM_REQUIRES_SR", vm, sr)
    vifs = store.all("VIF")
    for vif in store.get("VM", vm)["VIFs"]:
        vif_rec = vifs.get(vif)
        if vif_rec and not host_sees_network(store, host, vif_rec["network"]):
            return XapiError("VM_REQUIRES_NETWORK", vm, vif_rec["network"])
    if memory:
        vm_rec = store.get("VM", vm)
        needed = vm_start_memory(vm_rec)
        free = host_free_memory(store, host)
        if vm_rec["resident_on"] == host and vm_rec["power_state"] in _ACTIVE:
            free += vm_rec["memory_overhead"] + _actual(store, vm_rec)
        if needed > free:
            return XapiError("HOST_NOT_ENOUGH_FREE_MEMORY", needed, free)
    return None


def choose_host(store: Store, vm: str) -> str:
    """The home server when the VM fits there, else the fitting host with most free memory.

    With one candidate host its own refusal is reported (as a standalone server does);
    in a pool where no host fits the answer is ``NO_HOSTS_AVAILABLE``.
    """
    hosts = list(store.all("host"))
    affinity = store.get("VM", vm)["affinity"]
    if affinity in store.all("host") and boot_error(store, vm, affinity) is None:
        return affinity
    errors: dict[str, XapiError] = {}
    fitting: list[tuple[int, str]] = []
    for host in hosts:
        err = boot_error(store, vm, host)
        if err is None:
            fitting.append((host_free_memory(store, host), host))
        else:
            errors[host] = err
    if fitting:
        return max(fitting)[1]
    if len(hosts) == 1:
        raise errors[hosts[0]]
    raise XapiError("NO_HOSTS_AVAILABLE")


def coordinator(store: Store) -> str:
    pool = pool_ref(store)
    master = store.get("pool", pool)["master"] if pool else NULL_REF
    return master if not is_null(master) else next(iter(store.all("host")))


@implements("VM.assert_can_boot_here")
async def assert_can_boot_here(call: Call, vm: str, host: str) -> None:
    rec = call.store.get("VM", vm)
    if rec["is_a_template"]:
        call.fail("VM_IS_TEMPLATE", vm)
    err = boot_error(call.store, vm, host)
    if err is not None:
        raise err


@implements("VM.get_possible_hosts")
async def get_possible_hosts(call: Call, vm: str) -> list[str]:
    return [h for h in call.store.all("host") if boot_error(call.store, vm, h) is None]


@implements("host.compute_free_memory")
async def compute_free_memory(call: Call, host: str) -> int:
    return host_free_memory(call.store, host)


@implements("host.compute_memory_overhead")
async def compute_memory_overhead(call: Call, host: str) -> int:
    return int(call.store.get("host", host)["memory_overhead"])


@implements("VM.compute_memory_overhead")
async def compute_vm_memory_overhead(call: Call, vm: str) -> int:
    return vm_overhead(call.store.get("VM", vm))
