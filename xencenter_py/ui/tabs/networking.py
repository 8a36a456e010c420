"""The Networking tab: a VM's virtual NICs, or a server's or pool's networks (with Add
Network: external, internal, VLAN or bonded) and management interfaces."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from xencenter_py.i18n import N_, format_number
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model.actions import network
from xencenter_py.model.actions.network import NetworkKind, NewNetwork
from xencenter_py.ui.aio import ask
from xencenter_py.ui.dialogs.form import Field, FormDialog
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.grid import Column, GridPanel, TabAction, ask_form, properties_action, start, yes_no

NULL = "OpaqueRef:NULL"


def guest_networks(obj: Any) -> list[Any]:
    """Networks a VM can use: visible, not bond slaves' own networks nor the internal HIMN."""
    return sorted((n for n in obj.cache.all("network") if n.show(False)), key=lambda n: n.name)


# ------------------------------------------------------------------------- VM VIFs
def _vif_network(vif: Any) -> Any:
    return vif.resolve("network", vif.get("network"))


def _vif_ips(vif: Any) -> str:
    vm = vif.resolve("VM", vif.get("VM"))
    gm = vm.guest_metrics if vm is not None else None
    nets = (gm.get("networks") or {}) if gm is not None else {}
    device = str(vif.get("device"))
    return ", ".join(v for k, v in sorted(nets.items()) if k.split("/")[0] == device and "/ip" in k)


def _vif_limit(vif: Any) -> str:
    kbps = (vif.get("qos_algorithm_params") or {}).get("kbps")
    if vif.get("qos_algorithm_type") == "ratelimit" and kbps:
        return _("{kbps} kbit/s").format(kbps=format_number(int(kbps)))
    return ""


VIF_COLUMNS = (
    Column(N_("Device"), lambda v: str(v.get("device"))),
    Column(N_("MAC"), lambda v: v.get("MAC", "")),
    Column(N_("Limit"), _vif_limit),
    Column(N_("Network"), lambda v: _vif_network(v).name),
    Column(N_("IP Address"), _vif_ips),
    Column(N_("Active"), lambda v: yes_no(bool(v.get("currently_attached")))),
)


def _vif_dialog(vm: Any, title: Any, vif: Any = None) -> FormDialog:
    nets = guest_networks(vm)
    options = [(n.ref, n.name) for n in nets]
    current = vif.get("network") if vif is not None else (options[0][0] if options else None)
    kbps = int((vif.get("qos_algorithm_params") or {}).get("kbps", 0) or 0) if vif is not None else 0
    fields = [Field("network", N_("Network"), "choice", default=current, options=options)]
    if vif is None:
        fields.append(Field("mac", N_("MAC address (empty: generated)")))
    fields.append(Field("limit", N_("QoS limit (kbit/s, 0: none)"), "number", default=kbps, maximum=10_000_000))

    def validate(values: dict[str, Any]) -> str:
        mac = values.get("mac", "").strip()
        if mac and not network.valid_mac(mac):
            return _("'{mac}' is not a valid MAC address").format(mac=mac)
        return "" if values["network"] else _("Choose a network")

    return FormDialog(title, fields, validate, name="vifDialog")


async def _add_vif(panel: GridPanel, rows: list[Any]) -> None:
    vm = rows[0]
    values = await ask_form(panel, _vif_dialog(vm, N_("Add Virtual Network Interface")))
    if values is None:
        return
    net = vm.cache.get("network", values["network"])

    async def work(progress: Any) -> None:
        await network.add_vif(vm.connection, vm, net, values["mac"], values["limit"])
        progress(1.0, "")

    start(panel, _("Adding a network interface to VM '{vm}'").format(vm=vm.name), vm.connection, work)


async def _remove_vif(panel: GridPanel, rows: list[Any]) -> None:
    if not await ask(
        panel, _("Remove Network Interface"), _("Are you sure you want to remove the selected network interfaces?")
    ):
        return
    for vif in rows:
        start(
            panel,
            _("Removing network interface {device}").format(device=vif.get("device")),
            vif.connection,
            lambda p, vif=vif: network.remove_vif(vif.connection, vif, p),
        )


async def _vif_properties(panel: GridPanel, rows: list[Any]) -> None:
    vif = rows[0]
    vm = vif.resolve("VM", vif.get("VM"))
    values = await ask_form(panel, _vif_dialog(vm, N_("Virtual Network Interface Properties"), vif))
    if values is None:
        return
    conn = vif.connection

    async def work(progress: Any) -> None:
        limit = int(values["limit"])
        await conn.call("VIF.set_qos_algorithm_type", vif.ref, "ratelimit" if limit else "")
        await conn.call("VIF.set_qos_algorithm_params", vif.ref, {"kbps": str(limit)} if limit else {})
        if values["network"] != vif.get("network"):
            await conn.call("VIF.move", vif.ref, values["network"])
        progress(1.0, "")

    start(panel, _("Changing network interface {device}").format(device=vif.get("device")), conn, work)


VIF_ACTIONS = (
    TabAction(
        "addVif",
        N_("&Add Interface..."),
        lambda vm: [
            av.role("VIF.create"),
            av.predicate(lambda v: not v.is_snapshot, lambda: _("This action is not available for snapshots")),
        ],
        _add_vif,
        on_owner=True,
    ),
    TabAction(
        "removeVif",
        N_("&Remove Interface"),
        lambda _vm: [av.role("VIF.destroy", "VIF.unplug"), _vif_removable],
        _remove_vif,
        many=True,
    ),
    TabAction("vifProperties", N_("&Properties"), lambda _vm: [av.role("VIF.set_qos_algorithm_type")], _vif_properties),
)


def _vif_removable(rows: list[Any]) -> str:
    for vif in rows:
        if vif.get("currently_attached") and "unplug" not in vif.allowed_operations:
            return _("The VM must be shut down, or have XenServer Tools, to remove this interface")
    return ""


# ------------------------------------------------------------------------- host/pool networks
def _pif_on(net: Any, owner: Any) -> Any:
    pifs = net.pifs
    if owner.cls == "host":
        pifs = [p for p in pifs if p.get("host") == owner.ref]
    else:
        coordinator = owner.coordinator
        pifs = [p for p in pifs if coordinator is None or p.get("host") == coordinator.ref] or pifs
    return pifs[0] if pifs else None


def _nic_name(net: Any, owner: Any) -> str:
    pif = _pif_on(net, owner)
    if pif is None:
        return _("None")
    device = pif.get("device", "")
    return device.replace("eth", "NIC ").replace("bond", "Bond ") if device else ""


def _link(net: Any, owner: Any) -> str:
    pif = _pif_on(net, owner)
    if pif is None:
        return _("<None>")
    metrics = pif.resolve("PIF_metrics", pif.get("metrics"))
    up = bool(metrics.get("carrier")) if metrics is not None else bool(pif.get("currently_attached"))
    return _("Connected") if up and pif.get("currently_attached") else _("Disconnected")


def _network_rows(owner: Any) -> list[Any]:
    nets = guest_networks(owner)
    if owner.cls == "host":
        nets = [n for n in nets if not n.pifs or any(p.get("host") == owner.ref for p in n.pifs)]
    return nets


def _network_columns(owner_of: Any) -> list[Column]:
    return [
        Column(N_("Name"), lambda n: n.name),
        Column(N_("Description"), lambda n: n.description),
        Column(N_("NIC"), lambda n: _nic_name(n, owner_of())),
        Column(
            N_("VLAN"),
            lambda n: (lambda p: str(p.get("VLAN")) if p is not None and int(p.get("VLAN", -1)) >= 0 else "-")(
                _pif_on(n, owner_of())
            ),
        ),
        Column(N_("Auto"), lambda n: yes_no(n.other_config.get("automatic", "true") != "false")),
        Column(N_("Link Status"), lambda n: _link(n, owner_of())),
        Column(N_("MAC"), lambda n: (lambda p: p.get("MAC", "") if p is not None else "-")(_pif_on(n, owner_of()))),
        Column(N_("MTU"), lambda n: str(n.get("MTU", ""))),
    ]


KIND_TEXTS = (
    (NetworkKind.EXTERNAL, N_("External Network")),
    (NetworkKind.INTERNAL, N_("Single-Server Private Network")),
    (NetworkKind.VLAN, N_("VLAN")),
    (NetworkKind.BONDED, N_("Bonded Network")),
)
BOND_MODE_TEXTS = (
    ("active-backup", N_("Active-backup")),
    ("balance-slb", N_("Active-active (balance-slb)")),
    ("lacp", N_("LACP with load balancing")),
)


def free_nics(host: Any) -> list[Any]:
    """Physical NICs of ``host`` not in a bond (the ones a bond or VLAN can use)."""
    return sorted(
        (
            p
            for p in host.pifs
            if p.get("physical") and p.get("bond_slave_of") in (None, "", NULL) and int(p.get("VLAN", -1)) < 0
        ),
        key=lambda p: p.get("device", ""),
    )


def _hosts(owner: Any) -> list[Any]:
    return [owner] if owner.cls == "host" else owner.cache.all("host")


def _new_network_dialog(owner: Any) -> FormDialog:
    hosts = _hosts(owner)
    coordinator = hosts[0] if owner.cls == "host" else (owner.coordinator or hosts[0])
    devices = [p.get("device") for p in free_nics(coordinator)]
    dev_options = [(d, d.replace("eth", "NIC ")) for d in devices]
    fields = [
        Field("kind", N_("Type"), "choice", default=NetworkKind.EXTERNAL, options=KIND_TEXTS),
        Field("name", N_("Name"), default=_("New Network")),
        Field("description", N_("Description")),
        Field("nic", N_("NIC"), "choice", default=devices[0] if devices else "", options=dev_options),
        Field("vlan", N_("VLAN"), "number", default=1, maximum=4094),
        Field(
            "second",
            N_("Second NIC (bond)"),
            "choice",
            default=devices[1] if len(devices) > 1 else "",
            options=dev_options,
        ),
        Field("mode", N_("Bond mode"), "choice", default="balance-slb", options=BOND_MODE_TEXTS),
        Field("mtu", N_("MTU"), "number", default=1500, minimum=68, maximum=9216),
        Field("auto", N_("Automatically add this network to new virtual machines"), "check", default=True),
    ]

    def validate(values: dict[str, Any]) -> str:
        if not values["name"].strip():
            return _("Enter a name for the network")
        kind = values["kind"]
        if kind in (NetworkKind.EXTERNAL, NetworkKind.VLAN, NetworkKind.BONDED) and not values["nic"]:
            return _("There is no free NIC on this server")
        if kind is NetworkKind.VLAN and values["vlan"] < 1:
            return _("The VLAN number must be between 1 and 4094")
        if kind is NetworkKind.BONDED and (not values["second"] or values["second"] == values["nic"]):
            return _("Choose two different NICs for a bond")
        return ""

    return FormDialog(N_("New Network"), fields, validate, name="newNetworkDialog")


async def _add_network(panel: GridPanel, rows: list[Any]) -> None:
    owner = rows[0]
    values = await ask_form(panel, _new_network_dialog(owner))
    if values is None:
        return
    kind = values["kind"]
    members = (values["nic"], values["second"]) if kind is NetworkKind.BONDED else ()
    spec = NewNetwork(
        kind,
        values["name"],
        values["description"],
        values["mtu"],
        nic=values["nic"] if kind in (NetworkKind.EXTERNAL, NetworkKind.VLAN) else "",
        vlan=values["vlan"] if kind is NetworkKind.VLAN else (values["vlan"] if kind is NetworkKind.EXTERNAL else 0),
        members=members,
        bond_mode=values["mode"],
        auto_add=values["auto"],
        hosts=tuple(_hosts(owner)),
    )
    conn = owner.connection
    start(
        panel,
        _("Creating network '{name}'").format(name=spec.name),
        conn,
        lambda p: network.create_network(conn, spec, p),
    )


async def _remove_network(panel: GridPanel, rows: list[Any]) -> None:
    net = rows[0]
    if not await ask(
        panel,
        _("Remove Network"),
        _("Are you sure you want to remove the network '{name}'?").format(name=net.name),
        warning=True,
    ):
        return
    start(
        panel,
        _("Removing network '{name}'").format(name=net.name),
        net.connection,
        lambda p: network.remove_network(net.connection, net, p),
    )


def _network_removable(rows: list[Any]) -> str:
    for net in rows:
        for pif in net.pifs:
            if pif.get("management"):
                return _("The network carries a management interface")
            if pif.get("physical") and pif.get("VLAN_master_of") in (None, "", NULL):
                return _("The network of a physical NIC cannot be removed")
        if any(v.get("currently_attached") for v in net.resolve_all("VIF", net.get("VIFs"))):
            return _("The network is in use by running VMs")
    return ""


def _network_actions() -> list[TabAction]:
    return [
        TabAction(
            "addNetwork", N_("&Add Network..."), lambda _o: [av.role("network.create")], _add_network, on_owner=True
        ),
        TabAction(
            "removeNetwork",
            N_("&Remove Network"),
            lambda _o: [av.role("network.destroy"), _network_removable],
            _remove_network,
        ),
        properties_action("networkProperties", "network", lambda n: n),
    ]


# ------------------------------------------------------------------------- management interfaces
def _management_rows(owner: Any) -> list[Any]:
    pifs = [p for h in _hosts(owner) for p in h.pifs if p.get("management") or p.other_config.get("management_purpose")]
    return sorted(pifs, key=lambda p: (p.resolve("host", p.get("host")).name, not p.get("management")))


MANAGEMENT_COLUMNS = (
    Column(N_("Server"), lambda p: p.resolve("host", p.get("host")).name),
    Column(
        N_("Interface"),
        lambda p: _("Management") if p.get("management") else p.other_config.get("management_purpose", ""),
    ),
    Column(N_("Network"), lambda p: p.resolve("network", p.get("network")).name),
    Column(N_("NIC"), lambda p: p.get("device", "")),
    Column(
        N_("IP Setup"),
        lambda p: {"DHCP": _("DHCP"), "Static": _("Static"), "None": _("None")}.get(p.get("ip_configuration_mode"), ""),
    ),
    Column(N_("IP Address"), lambda p: p.get("IP", "")),
    Column(N_("Subnet mask"), lambda p: p.get("netmask", "")),
    Column(N_("Gateway"), lambda p: p.get("gateway", "")),
    Column(N_("DNS"), lambda p: p.get("DNS", "")),
)


class NetworkingTab(TabPage):
    key = "networking"
    watched_classes = frozenset({"VIF", "network", "PIF", "Bond", "VLAN", "VM_guest_metrics"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkingTab")
        self.vifs = GridPanel(
            "vifList",
            N_("Virtual Network Interfaces"),
            VIF_COLUMNS,
            VIF_ACTIONS,
            lambda vm: sorted(vm.vifs, key=lambda v: int(v.get("device") or 0)),
        )
        self.networks = GridPanel(
            "networkList", N_("Networks"), _network_columns(self._owner), _network_actions(), _network_rows
        )
        self.management = GridPanel(
            "managementList", N_("IP Address Configuration"), MANAGEMENT_COLUMNS, [], _management_rows
        )
        host_page = QWidget()
        hl = QVBoxLayout(host_page)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(self.networks, 2)
        hl.addWidget(self.management, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.vifs)
        self.stack.addWidget(host_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

    def _owner(self) -> Any:
        return self.objects[0] if self.objects else None

    def title(self) -> str:
        return _("Networking")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        if len(objects) != 1:
            return False
        obj = objects[0]
        if obj.cls == "VM":
            return not obj.is_control_domain
        if obj.cls == "host":
            return obj.is_live
        return obj.cls == "pool"

    def refresh(self) -> None:
        obj = self._owner()
        if obj is None:
            return
        if obj.cls == "VM":
            self.stack.setCurrentIndex(0)
            self.vifs.set_owner(obj)
        else:
            self.stack.setCurrentIndex(1)
            self.networks.set_owner(obj)
            self.management.set_owner(obj)
