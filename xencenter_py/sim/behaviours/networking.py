"""Networks, bonds, VLANs and the VIF/VBD constructors, with XAPI's checks.

``network.create`` picks a free bridge name; ``Bond.create`` makes the bond's master PIF
on the members' host (and moves the management interface onto it, as xapi does);
``pool.create_VLAN(_from_PIF)`` makes one VLAN PIF per host; ``VIF.create`` and
``VBD.create`` refuse a device number already in use and generate what xapi generates
(MACs, metrics).
"""

from __future__ import annotations

import re
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.sim.behaviours.common import is_null, work
from xencenter_py.sim.behaviours.vm_lifecycle import random_mac
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

BOND_MODES = ("balance-slb", "active-backup", "lacp")
_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


def _free_bridge(store: Store, prefix: str = "xapi") -> str:
    used = {rec["bridge"] for rec in store.all("network").values()}
    n = 0
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


# ---------------------------------------------------------------------------- networks
@implements("network.create")
async def network_create(call: Call, args: dict[str, Any]) -> str:
    mtu = int(args.get("MTU", 1500) or 1500)
    if not 68 <= mtu <= 9216:
        call.fail("MTU_CHECK_FAILED", "", str(mtu), "68-9216")
    fields = {k: v for k, v in args.items() if k in ("name_label", "name_description", "other_config", "tags")}
    return call.store.add(
        "network",
        {**fields, "MTU": mtu, "bridge": args.get("bridge") or _free_bridge(call.store), "managed": True},
    )


@implements("network.destroy")
async def network_destroy(call: Call, network: str) -> str:
    store = call.store
    rec = store.get("network", network)
    if rec["PIFs"]:
        call.fail("NETWORK_CONTAINS_PIF", *rec["PIFs"])
    attached = [v for v in rec["VIFs"] if store.get("VIF", v)["currently_attached"]]
    if attached:
        call.fail("NETWORK_CONTAINS_VIF", *attached)
    for vif in list(rec["VIFs"]):
        store.delete("VIF", vif)
    store.delete("network", network)
    return ""


def _host_has_network(store: Store, host: str, network: str) -> str | None:
    return next((p for p in store.get("network", network)["PIFs"] if store.get("PIF", p)["host"] == host), None)


def _new_pif(store: Store, host: str, network: str, device: str, mac: str, **fields: Any) -> str:
    metrics = store.add("PIF_metrics", {"carrier": True, "speed": 1000, "duplex": True})
    return store.add(
        "PIF",
        {
            "host": host,
            "network": network,
            "device": device,
            "MAC": mac,
            "MTU": store.get("network", network)["MTU"],
            "physical": False,
            "VLAN": -1,
            "currently_attached": True,
            "ip_configuration_mode": "None",
            "metrics": metrics,
            "managed": True,
            **fields,
        },
    )


def _delete_pif(store: Store, pif: str) -> None:
    metrics = store.get("PIF", pif)["metrics"]
    store.delete("PIF", pif)
    if not is_null(metrics) and store.exists("PIF_metrics", metrics):
        store.delete("PIF_metrics", metrics)


# ---------------------------------------------------------------------------- bonds
@implements("Bond.create")
async def bond_create(
    call: Call, network: str, members: list[str], mac: str, mode: str, properties: dict[str, str]
) -> str:
    store = call.store
    store.get("network", network)
    if len(members) < 2:
        call.fail("PIF_BOND_NEEDS_MORE_MEMBERS")
    if mac and not _MAC.match(mac):
        call.fail("INVALID_VALUE", "MAC", mac)
    if mode and mode not in BOND_MODES:
        call.fail("INVALID_VALUE", "mode", mode)
    recs = [store.get("PIF", m) for m in members]
    host = recs[0]["host"]
    for ref, rec in zip(members, recs, strict=True):
        if rec["host"] != host:
            call.fail("PIF_CANNOT_BOND_CROSS_HOST")
        if not is_null(rec["bond_slave_of"]) or rec["bond_master_of"]:
            call.fail("PIF_ALREADY_BONDED", ref)
        if rec["VLAN"] >= 0 or not rec["physical"]:
            call.fail("PIF_IS_VLAN" if rec["VLAN"] >= 0 else "PIF_IS_NOT_PHYSICAL", ref)
        if rec["VLAN_slave_of"]:
            call.fail("PIF_VLAN_STILL_EXISTS", ref)
    if sum(1 for r in recs if r["ip_configuration_mode"] != "None") > 1:
        call.fail("PIF_BOND_MORE_THAN_ONE_IP")
    existing = _host_has_network(store, host, network)
    if existing is not None:
        call.fail("NETWORK_ALREADY_CONNECTED", network, existing)
    await work(call, 2.0, 0.0, 0.9, 2)
    used = {p["device"] for p in store.all("PIF").values() if p["host"] == host}
    n = 0
    while f"bond{n}" in used:
        n += 1
    # The member carrying an IP configuration (the management one first) hands it to the bond.
    carrier = next(
        (r for r in recs if r["management"]), next((r for r in recs if r["ip_configuration_mode"] != "None"), recs[0])
    )
    ip_fields = {k: carrier[k] for k in ("ip_configuration_mode", "IP", "netmask", "gateway", "DNS", "management")}
    master = _new_pif(store, host, network, f"bond{n}", mac or carrier["MAC"], **ip_fields)
    bond = store.add(
        "Bond",
        {
            "master": master,
            "primary_slave": members[recs.index(carrier)],
            "mode": mode or "balance-slb",
            "properties": dict(properties) if mode == "lacp" else {},
            "links_up": len(members),
        },
    )
    for ref in members:
        store.update(
            "PIF",
            ref,
            {"bond_slave_of": bond, "management": False, "ip_configuration_mode": "None", "IP": "", "netmask": ""},
        )
    return bond


@implements("Bond.destroy")
async def bond_destroy(call: Call, bond: str) -> str:
    store = call.store
    rec = store.get("Bond", bond)
    master = store.get("PIF", rec["master"])
    if master["VLAN_slave_of"]:
        call.fail("PIF_VLAN_STILL_EXISTS", rec["master"])
    await work(call, 1.5, 0.0, 0.9, 2)
    slaves = list(rec["slaves"])
    primary = rec["primary_slave"] if rec["primary_slave"] in slaves else (slaves[0] if slaves else NULL_REF)
    for ref in slaves:
        store.set("PIF", ref, "bond_slave_of", NULL_REF)
    if not is_null(primary):
        store.update(
            "PIF",
            primary,
            {k: master[k] for k in ("ip_configuration_mode", "IP", "netmask", "gateway", "DNS", "management")},
        )
    store.delete("Bond", bond)
    _delete_pif(store, rec["master"])
    return ""


# ---------------------------------------------------------------------------- VLANs
def _check_tag(call: Call, tag: int) -> None:
    if not 0 <= tag <= 4094:
        call.fail("VLAN_TAG_INVALID", tag)


def _vlan_on(call: Call, tagged: str, tag: int, network: str) -> str:
    store = call.store
    pif = store.get("PIF", tagged)
    _check_tag(call, tag)
    if pif["VLAN"] >= 0:
        call.fail("PIF_IS_VLAN", tagged)
    if not is_null(pif["bond_slave_of"]):
        call.fail("CANNOT_ADD_VLAN_TO_BOND_SLAVE", tagged)
    for v in pif["VLAN_slave_of"]:
        if store.exists("VLAN", v) and store.get("VLAN", v)["tag"] == tag:
            call.fail("PIF_VLAN_EXISTS", pif["device"])
    existing = _host_has_network(store, pif["host"], network)
    if existing is not None:
        call.fail("NETWORK_ALREADY_CONNECTED", network, existing)
    untagged = _new_pif(store, pif["host"], network, pif["device"], pif["MAC"], VLAN=tag)
    vlan = store.add("VLAN", {"tagged_PIF": tagged, "untagged_PIF": untagged, "tag": tag})
    store.set("PIF", untagged, "VLAN_master_of", vlan)
    return vlan


@implements("VLAN.create")
async def vlan_create(call: Call, tagged_pif: str, tag: int, network: str) -> str:
    return _vlan_on(call, tagged_pif, tag, network)


@implements("VLAN.destroy")
async def vlan_destroy(call: Call, vlan: str) -> str:
    store = call.store
    rec = store.get("VLAN", vlan)
    untagged = rec["untagged_PIF"]
    if store.exists("PIF", untagged) and store.get("PIF", untagged)["management"]:
        call.fail("PIF_IS_MANAGEMENT_INTERFACE", untagged)
    store.delete("VLAN", vlan)
    if store.exists("PIF", untagged):
        _delete_pif(store, untagged)
    return ""


@implements("pool.create_VLAN_from_PIF")
async def create_vlan_from_pif(call: Call, pif: str, network: str, tag: int) -> list[str]:
    """One VLAN PIF on every host that has a PIF with the same device (as xapi)."""
    store = call.store
    _check_tag(call, tag)
    device = store.get("PIF", pif)["device"]
    return await _vlans_on_device(call, device, network, tag)


@implements("pool.create_VLAN")
async def create_vlan(call: Call, device: str, network: str, tag: int) -> list[str]:
    _check_tag(call, tag)
    return await _vlans_on_device(call, device, network, tag)


async def _vlans_on_device(call: Call, device: str, network: str, tag: int) -> list[str]:
    store = call.store
    store.get("network", network)
    tagged = [
        ref
        for ref, p in store.all("PIF").items()
        if p["device"] == device and p["VLAN"] < 0 and is_null(p["bond_slave_of"])
    ]
    if not tagged:
        call.fail("INVALID_VALUE", "device", device)
    await work(call, 1.0, 0.0, 0.9, 1)
    vlans = [_vlan_on(call, ref, tag, network) for ref in tagged]
    return [store.get("VLAN", v)["untagged_PIF"] for v in vlans]


# ---------------------------------------------------------------------------- VIF / VBD
def _devices(store: Store, refs: list[str], cls: str, field: str) -> set[str]:
    return {store.get(cls, r)[field] for r in refs if store.exists(cls, r)}


@implements("VIF.create")
async def vif_create(call: Call, args: dict[str, Any]) -> str:
    store = call.store
    vm = args.get("VM", NULL_REF)
    network = args.get("network", NULL_REF)
    vm_rec = store.get("VM", vm)
    store.get("network", network)
    device = str(args.get("device", ""))
    if not device.isdigit():
        call.fail("INVALID_VALUE", "device", device)
    if device in _devices(store, vm_rec["VIFs"], "VIF", "device"):
        call.fail("DEVICE_ALREADY_EXISTS", device)
    mac = str(args.get("MAC", "") or "")
    if mac and not _MAC.match(mac):
        call.fail("INVALID_MAC", mac)
    keep = (
        "other_config",
        "qos_algorithm_type",
        "qos_algorithm_params",
        "locking_mode",
        "ipv4_allowed",
        "ipv6_allowed",
    )
    fields = {k: v for k, v in args.items() if k in keep}
    metrics = store.add("VIF_metrics", {}) if "VIF_metrics" in store.tables else NULL_REF
    return store.add(
        "VIF",
        {
            **fields,
            "VM": vm,
            "network": network,
            "device": device,
            "MAC": mac or random_mac(),
            "MAC_autogenerated": not mac,
            "MTU": store.get("network", network)["MTU"],
            "metrics": metrics,
        },
    )


@implements("VIF.destroy")
async def vif_destroy(call: Call, vif: str) -> str:
    store = call.store
    rec = store.get("VIF", vif)
    if rec["currently_attached"]:
        call.fail("OPERATION_NOT_ALLOWED", "VIF currently attached to a running VM")
    store.delete("VIF", vif)
    if not is_null(rec["metrics"]) and store.exists("VIF_metrics", rec["metrics"]):
        store.delete("VIF_metrics", rec["metrics"])
    return ""


@implements("VBD.create")
async def vbd_create(call: Call, args: dict[str, Any]) -> str:
    store = call.store
    vm = args.get("VM", NULL_REF)
    vm_rec = store.get("VM", vm)
    vdi = args.get("VDI", NULL_REF)
    vbd_type = args.get("type", "Disk")
    empty = bool(args.get("empty", False))
    if not is_null(vdi) and not store.exists("VDI", vdi):
        call.fail("HANDLE_INVALID", "VDI", vdi)
    if is_null(vdi) and not (vbd_type == "CD" and empty):
        call.fail("VDI_MISSING", vdi)  # only an empty CD drive may have no disk
    mode = args.get("mode", "RO" if vbd_type == "CD" else "RW")
    if vbd_type == "CD" and mode != "RO":
        call.fail("VBD_CDS_MUST_BE_READONLY")
    device = str(args.get("userdevice", "") or "autodetect")
    if device != "autodetect" and not device.isdigit():
        call.fail("INVALID_VALUE", "userdevice", device)
    used = _devices(store, vm_rec["VBDs"], "VBD", "userdevice")
    if device == "autodetect":
        device = str(next(n for n in range(64) if str(n) not in used))
    elif device in used:
        call.fail("DEVICE_ALREADY_EXISTS", device)
    if not is_null(vdi):
        vdi_rec = store.get("VDI", vdi)
        if vdi_rec["read_only"] and mode == "RW":
            call.fail("VDI_READONLY", vdi)
        others = [
            store.get("VBD", b)
            for b in vdi_rec["VBDs"]
            if store.exists("VBD", b) and store.get("VBD", b)["currently_attached"]
        ]
        if mode == "RW" and others and not vdi_rec["sharable"] and vbd_type == "Disk":
            call.fail("VDI_IN_USE", vdi, "attach")
    keep = ("bootable", "unpluggable", "other_config", "qos_algorithm_type", "qos_algorithm_params")
    fields = {k: v for k, v in args.items() if k in keep}
    metrics = store.add("VBD_metrics", {}) if "VBD_metrics" in store.tables else NULL_REF
    return store.add(
        "VBD",
        {
            **fields,
            "VM": vm,
            "VDI": NULL_REF if empty else vdi,
            "userdevice": device,
            "device": "",
            "mode": mode,
            "type": vbd_type,
            "empty": empty or is_null(vdi),
            "metrics": metrics,
        },
    )


@implements("VBD.destroy")
async def vbd_destroy(call: Call, vbd: str) -> str:
    store = call.store
    rec = store.get("VBD", vbd)
    if rec["currently_attached"]:
        call.fail("OPERATION_NOT_ALLOWED", "VBD currently attached to a running VM")
    store.delete("VBD", vbd)
    if not is_null(rec["metrics"]) and store.exists("VBD_metrics", rec["metrics"]):
        store.delete("VBD_metrics", rec["metrics"])
    return ""
