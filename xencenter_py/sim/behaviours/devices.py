"""Network devices and small storage calls: VIF hot-plug and move, PIF plug and IP
configuration, SR types/probe/update, VDI update/forget/CBT, blobs on any object.

Each keeps the same fields a real pool changes (``currently_attached``, IP settings,
``blobs``) so clients that watch events see the result of what they asked for.
"""

from __future__ import annotations

from xencenter_py.sim.behaviours.allowed_ops import has_pv_drivers, vdi_in_use
from xencenter_py.sim.behaviours.common import in_progress, now, work
from xencenter_py.sim.operations import Call, implements


# ---------------------------------------------------------------------------- VIFs
def _vif_vm_running(call: Call, vif: str) -> str:
    """NICs are hot-plugged into a running VM by its PV drivers (an HVM guest needs tools)."""
    rec = call.store.get("VIF", vif)
    vm = call.store.get("VM", rec["VM"])
    if vm["power_state"] != "Running":
        call.fail("VM_BAD_POWER_STATE", rec["VM"], "running", vm["power_state"].lower())
    if not has_pv_drivers(call.store, vm):
        call.fail("VM_MISSING_PV_DRIVERS", rec["VM"])
    return rec["VM"]


@implements("VIF.plug")
async def vif_plug(call: Call, vif: str) -> str:
    _vif_vm_running(call, vif)
    if call.store.get("VIF", vif)["currently_attached"]:
        call.fail("DEVICE_ALREADY_ATTACHED", vif)
    async with in_progress(call, "VIF", vif, "plug"):
        await work(call, 0.5, 0.0, 0.9, 1)
        call.store.set("VIF", vif, "currently_attached", True)
    return ""


@implements("VIF.unplug", "VIF.unplug_force")
async def vif_unplug(call: Call, vif: str) -> str:
    _vif_vm_running(call, vif)
    if not call.store.get("VIF", vif)["currently_attached"]:
        call.fail("DEVICE_ALREADY_DETACHED", vif)
    async with in_progress(call, "VIF", vif, "unplug"):
        await work(call, 0.5, 0.0, 0.9, 1)
        call.store.set("VIF", vif, "currently_attached", False)
    return ""


@implements("VIF.move")
async def vif_move(call: Call, vif: str, network: str) -> str:
    call.store.get("network", network)
    call.store.set("VIF", vif, "network", network)
    return ""


@implements("VIF.configure_ipv4", "VIF.configure_ipv6")
async def configure_ip(call: Call, vif: str, mode: str, address: str, gateway: str) -> str:
    """The fields of the address family the message names (``ipv4`` or ``ipv6``)."""
    family = call.message.name.removeprefix("configure_")
    call.store.update(
        "VIF",
        vif,
        {
            f"{family}_configuration_mode": mode,
            f"{family}_addresses": [address] if address else [],
            f"{family}_gateway": gateway,
        },
    )
    return ""


# ---------------------------------------------------------------------------- PIFs
@implements("PIF.plug")
async def pif_plug(call: Call, pif: str) -> str:
    call.store.set("PIF", pif, "currently_attached", True)
    return ""


@implements("PIF.unplug")
async def pif_unplug(call: Call, pif: str) -> str:
    rec = call.store.get("PIF", pif)
    if rec["management"]:
        call.fail("PIF_IS_MANAGEMENT_INTERFACE", pif)
    if rec["disallow_unplug"]:
        call.fail("PIF_DOES_NOT_ALLOW_UNPLUG", pif)
    call.store.set("PIF", pif, "currently_attached", False)
    return ""


@implements("PIF.reconfigure_ip")
async def reconfigure_ip(call: Call, pif: str, mode: str, ip: str, netmask: str, gateway: str, dns: str) -> str:
    if mode == "Static" and not (ip and netmask):
        call.fail("INVALID_VALUE", "IP", ip)
    if mode != "Static":
        ip = netmask = gateway = dns = ""
    changes = {"ip_configuration_mode": mode, "IP": ip, "netmask": netmask, "gateway": gateway, "DNS": dns}
    call.store.update("PIF", pif, changes)
    return ""


# ---------------------------------------------------------------------------- storage
@implements("SR.get_supported_types")
async def get_supported_types(call: Call) -> list[str]:
    return sorted({rec["type"] for rec in call.store.all("SM").values()})


@implements("SR.update")
async def sr_update(call: Call, sr: str) -> str:
    async with in_progress(call, "SR", sr, "update"):
        await work(call, 0.5, 0.0, 0.9, 1)
    return ""


@implements("PIF.scan", "VDI.update")
async def rescan(call: Call, ref: str) -> str:
    """Nothing new is ever found on simulated hardware (the dispatcher checked ``ref``)."""
    return ""


@implements("VDI.forget")
async def vdi_forget(call: Call, vdi: str) -> str:
    if vdi_in_use(call.store, call.store.get("VDI", vdi)):
        call.fail("VDI_IN_USE", vdi, "forget")
    for vbd in call.store.get("VDI", vdi)["VBDs"]:
        if call.store.exists("VBD", vbd):
            call.store.delete("VBD", vbd)
    call.store.delete("VDI", vdi)
    return ""


@implements("VDI.enable_cbt", "VDI.disable_cbt")
async def vdi_cbt(call: Call, vdi: str) -> str:
    call.store.set("VDI", vdi, "cbt_enabled", call.message.name == "enable_cbt")
    return ""


@implements("VBD.assert_attachable")
async def vbd_assert_attachable(call: Call, vbd: str) -> str:
    call.store.get("VBD", vbd)
    return ""


# ---------------------------------------------------------------------------- blobs
@implements(
    "VM.create_new_blob",
    "host.create_new_blob",
    "pool.create_new_blob",
    "network.create_new_blob",
    "SR.create_new_blob",
)
async def create_new_blob(call: Call, ref: str, name: str, mime_type: str, public: bool) -> str:
    cls = call.message.cls
    rec = call.store.get(cls, ref)
    blob = call.store.add("blob", {"name_label": name, "mime_type": mime_type, "public": public, "last_updated": now()})
    call.store.set(cls, ref, "blobs", {**rec["blobs"], name: blob})
    return blob
