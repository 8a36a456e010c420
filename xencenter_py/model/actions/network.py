"""Network actions of the Networking and NICs tabs: VIFs, networks (external, internal,
VLAN, bonded), bonds and NIC rescans."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions.base import ActionError, Progress, Step, no_progress, run_steps

NULL = "OpaqueRef:NULL"
BOND_MODES = ("active-backup", "balance-slb", "lacp")
_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


def valid_mac(mac: str) -> bool:
    return bool(_MAC.match(mac))


class NetworkKind(enum.Enum):
    """XenCenter's New Network choices. External and VLAN both tag a NIC (XAPI makes a
    NIC's own untagged network with the host); external also takes VLAN 0."""

    EXTERNAL = "external"
    INTERNAL = "internal"
    VLAN = "vlan"
    BONDED = "bonded"


@dataclass(frozen=True)
class NewNetwork:
    """What the New Network wizard collects."""

    kind: NetworkKind
    name: str
    description: str = ""
    mtu: int = 1500
    nic: str = ""  # device (eth4) for VLAN/external
    vlan: int = 0
    members: tuple[str, ...] = ()  # devices for a bond
    bond_mode: str = "balance-slb"
    auto_add: bool = True
    hosts: tuple[Any, ...] = field(default=())


def _check(spec: NewNetwork) -> None:
    if not spec.name.strip():
        raise ActionError(_("Enter a name for the network"))
    if not 68 <= spec.mtu <= 9216:
        raise ActionError(_("The MTU must be between 68 and 9216"))
    if spec.kind in (NetworkKind.VLAN, NetworkKind.EXTERNAL):
        if not spec.nic:
            raise ActionError(_("Choose a NIC"))
        if not (0 if spec.kind is NetworkKind.EXTERNAL else 1) <= spec.vlan <= 4094:
            raise ActionError(_("The VLAN number must be between 0 and 4094"))
    if spec.kind is NetworkKind.BONDED:
        if len(spec.members) < 2:
            raise ActionError(_("Choose at least two NICs for a bond"))
        if spec.bond_mode not in BOND_MODES:
            raise ActionError(_("Unknown bond mode"))


async def create_network(conn: Any, spec: NewNetwork, progress: Progress = no_progress) -> str:
    """Create a network and connect it as ``spec.kind`` asks, on every host of ``spec.hosts``.

    External networks are VLANs of the chosen NIC (a NIC's own untagged network exists
    already, as in XAPI); internal networks have no NIC; bonded ones bond the members.
    """
    _check(spec)
    record = {
        "name_label": spec.name.strip(),
        "name_description": spec.description,
        "MTU": spec.mtu,
        "other_config": {"automatic": "true" if spec.auto_add else "false"},
        "tags": [],
    }
    network = str(await conn.call("network.create", record))
    try:
        if spec.kind in (NetworkKind.VLAN, NetworkKind.EXTERNAL):
            await conn.run_task("pool.create_VLAN", spec.nic, network, spec.vlan, progress=lambda f: progress(f, ""))
        elif spec.kind is NetworkKind.BONDED:
            hosts = list(spec.hosts)
            for i, host in enumerate(hosts):
                members = [p.ref for p in host.pifs if p.get("device") in spec.members and p.get("VLAN", -1) < 0]
                await conn.run_task(
                    "Bond.create",
                    network,
                    members,
                    "",
                    spec.bond_mode,
                    {},
                    progress=lambda f, i=i: progress((i + f) / max(len(hosts), 1), ""),
                )
    except BaseException:
        # Leave nothing half made: the network goes when connecting it failed.
        await _destroy_network_quietly(conn, network)
        raise
    return network


async def _destroy_network_quietly(conn: Any, network: str) -> None:
    try:
        await conn.call("network.destroy", network)
    except Exception:  # the first failure is the one the user must see
        return


async def create_bond(
    conn: Any, host: Any, nics: list[Any], mode: str, name: str, progress: Progress = no_progress
) -> str:
    """Bond ``nics`` (PIFs of ``host``) on a new network named ``name`` (NICs tab: Create Bond)."""
    spec = NewNetwork(NetworkKind.BONDED, name, members=tuple(p.get("device") for p in nics), bond_mode=mode)
    _check(spec)
    if any(p.get("host") != host.ref for p in nics):
        raise ActionError(_("The NICs of a bond must belong to one server"))
    network = str(
        await conn.call("network.create", {"name_label": name, "name_description": "", "MTU": 1500, "other_config": {}})
    )
    try:
        return str(
            await conn.run_task(
                "Bond.create", network, [p.ref for p in nics], "", mode, {}, progress=lambda f: progress(f, "")
            )
        )
    except BaseException:
        await _destroy_network_quietly(conn, network)
        raise


async def delete_bond(conn: Any, master: Any, progress: Progress = no_progress) -> None:
    """Delete the bond whose master PIF is ``master``; its network goes when nothing else uses it."""
    bonds = master.get("bond_master_of") or []
    if not bonds:
        raise ActionError(_("This NIC is not a bond"))
    network = master.get("network")
    await conn.run_task("Bond.destroy", bonds[0], progress=lambda f: progress(f * 0.9, ""))
    net = master.resolve("network", network)
    if net is not None and not net.get("PIFs") and not net.get("VIFs"):
        await _destroy_network_quietly(conn, network)


async def remove_network(conn: Any, network: Any, progress: Progress = no_progress) -> None:
    """Remove a network: its VLANs and bonds first, then the network (Networking tab: Remove)."""
    steps = []
    for pif in network.pifs:
        vlan = pif.get("VLAN_master_of")
        bonds = pif.get("bond_master_of") or []
        if pif.get("management"):
            raise ActionError(_("The network carries a management interface and cannot be removed"))
        if vlan and vlan != NULL:

            async def drop_vlan(report: Any, vlan: str = vlan) -> None:
                await conn.call("VLAN.destroy", vlan)

            steps.append((Step(_("Removing VLAN"), 1), drop_vlan))
        elif bonds:

            async def drop_bond(report: Any, bond: str = bonds[0]) -> None:
                await conn.run_task("Bond.destroy", bond, progress=report)

            steps.append((Step(_("Removing bond"), 2), drop_bond))
        elif pif.get("physical"):
            raise ActionError(_("The network of a physical NIC cannot be removed"))

    async def drop(report: Any) -> None:
        await conn.call("network.destroy", network.ref)

    steps.append((Step(_("Removing network"), 1), drop))
    await run_steps(steps, progress)


async def add_vif(conn: Any, vm: Any, network: Any, mac: str = "", limit_kbps: int = 0) -> str:
    """Give ``vm`` a new virtual NIC on ``network``; plugged at once when the VM runs."""
    mac = mac.strip()
    if mac and not valid_mac(mac):
        raise ActionError(_("'{mac}' is not a valid MAC address").format(mac=mac))
    if limit_kbps < 0:
        raise ActionError(_("The limit cannot be negative"))
    devices = await conn.call("VM.get_allowed_VIF_devices", vm.ref)
    if not devices:
        raise ActionError(_("The VM has no free network interface position left"))
    record = {
        "VM": vm.ref,
        "network": network.ref,
        "device": str(sorted(devices, key=int)[0]),
        "MAC": mac,
        "MTU": int(network.get("MTU") or 1500),
        "other_config": {},
        "qos_algorithm_type": "ratelimit" if limit_kbps else "",
        "qos_algorithm_params": {"kbps": str(limit_kbps)} if limit_kbps else {},
    }
    vif = str(await conn.call("VIF.create", record))
    if vm.power_state == "Running":
        await conn.run_task("VIF.plug", vif)
    return vif


async def remove_vif(conn: Any, vif: Any, progress: Progress = no_progress) -> None:
    if vif.get("currently_attached"):
        await conn.run_task("VIF.unplug", vif.ref, progress=lambda f: progress(f * 0.8, ""))
    await conn.call("VIF.destroy", vif.ref)


async def rescan_nics(conn: Any, host: Any, progress: Progress = no_progress) -> None:
    await conn.run_task("PIF.scan", host.ref, progress=lambda f: progress(f, ""))
