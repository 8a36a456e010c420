"""The NICs tab of a server: its physical NICs and bonds; Create Bond, Delete Bond, Rescan."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from xencenter_py.i18n import N_, format_number
from xencenter_py.i18n import gettext as _
from xencenter_py.model import availability as av
from xencenter_py.model.actions import network
from xencenter_py.ui.aio import ask
from xencenter_py.ui.dialogs.form import Field, FormDialog
from xencenter_py.ui.tabs.base import TabPage
from xencenter_py.ui.tabs.grid import Column, GridPanel, TabAction, ask_form, start
from xencenter_py.ui.tabs.networking import BOND_MODE_TEXTS, free_nics


def _metrics(pif: Any) -> Any:
    return pif.resolve("PIF_metrics", pif.get("metrics"))


def _nic_label(pif: Any) -> str:
    device = pif.get("device", "")
    if pif.get("bond_master_of"):
        slaves = []
        for bond in pif.get("bond_master_of") or []:
            rec = pif.cache.record("Bond", bond) or {}
            slaves = sorted(
                pif.resolve("PIF", s).get("device", "").replace("eth", "")
                for s in rec.get("slaves", [])
                if pif.resolve("PIF", s)
            )
        return _("Bond {members}").format(members="+".join(slaves))
    return device.replace("eth", "NIC ")


def _link(pif: Any) -> str:
    m = _metrics(pif)
    up = bool(m.get("carrier")) if m is not None else bool(pif.get("currently_attached"))
    return _("Connected") if up else _("Disconnected")


def _speed(pif: Any) -> str:
    m = _metrics(pif)
    speed = int(m.get("speed") or 0) if m is not None else 0
    return _("{speed} Mbit/s").format(speed=format_number(speed)) if speed > 0 else _("Unknown")


def _duplex(pif: Any) -> str:
    m = _metrics(pif)
    if m is None:
        return _("Unknown")
    return _("Full") if m.get("duplex") else _("Half")


def _bond_mode(pif: Any) -> str:
    for bond in pif.get("bond_master_of") or []:
        mode = (pif.cache.record("Bond", bond) or {}).get("mode", "")
        return str(dict(BOND_MODE_TEXTS).get(mode, mode))
    return ""


NIC_COLUMNS = (
    Column(N_("NIC"), _nic_label),
    Column(N_("MAC"), lambda p: p.get("MAC", "")),
    Column(N_("Link Status"), _link),
    Column(N_("Speed"), _speed),
    Column(N_("Duplex"), _duplex),
    Column(N_("Vendor"), lambda p: _metrics(p).get("vendor_name", "") if _metrics(p) is not None else ""),
    Column(
        N_("Device"), lambda p: (_metrics(p).get("device_name", "") if _metrics(p) is not None else "") or _bond_mode(p)
    ),
    Column(N_("PCI Bus Path"), lambda p: _metrics(p).get("pci_bus_path", "") if _metrics(p) is not None else ""),
)


def nic_rows(host: Any) -> list[Any]:
    """Physical NICs and bond masters (VLAN interfaces are not NICs)."""
    pifs = [p for p in host.pifs if int(p.get("VLAN", -1)) < 0 and (p.get("physical") or p.get("bond_master_of"))]
    return sorted(pifs, key=lambda p: (bool(p.get("bond_master_of")), p.get("device", "")))


async def _create_bond(panel: GridPanel, rows: list[Any]) -> None:
    host = rows[0]
    nics = free_nics(host)
    fields = [
        Field(
            "name",
            N_("Name"),
            default=_("Bond {members}").format(
                members="+".join(p.get("device", "").replace("eth", "") for p in nics[:2])
            ),
        )
    ]
    unused = [p for p in nics if not p.get("management") and p.get("ip_configuration_mode") in ("None", "", None)]
    defaults = {p.ref for p in (unused or nics)[:2]}
    fields += [Field(f"nic_{p.get('device')}", _nic_label(p), "check", default=p.ref in defaults) for p in nics]
    fields.append(Field("mode", N_("Bond mode"), "choice", default="active-backup", options=BOND_MODE_TEXTS))

    def chosen(values: dict[str, Any]) -> list[Any]:
        return [p for p in nics if values.get(f"nic_{p.get('device')}")]

    def validate(values: dict[str, Any]) -> str:
        if not values["name"].strip():
            return _("Enter a name for the network")
        return "" if len(chosen(values)) >= 2 else _("Choose at least two NICs for a bond")

    values = await ask_form(panel, FormDialog(N_("Create Bond"), fields, validate, name="createBondDialog"))
    if values is None:
        return
    members = chosen(values)
    start(
        panel,
        _("Creating bond '{name}' on '{host}'").format(name=values["name"], host=host.name),
        host.connection,
        lambda p: network.create_bond(host.connection, host, members, values["mode"], values["name"].strip(), p),
    )


async def _delete_bond(panel: GridPanel, rows: list[Any]) -> None:
    master = rows[0]
    text = _("Are you sure you want to delete '{bond}'? Its NICs will be separate again.").format(
        bond=_nic_label(master)
    )
    if not await ask(panel, _("Delete Bond"), text, warning=True):
        return
    start(
        panel,
        _("Deleting '{bond}'").format(bond=_nic_label(master)),
        master.connection,
        lambda p: network.delete_bond(master.connection, master, p),
    )


async def _rescan(panel: GridPanel, rows: list[Any]) -> None:
    host = rows[0]
    start(
        panel,
        _("Rescanning the NICs of '{host}'").format(host=host.name),
        host.connection,
        lambda p: network.rescan_nics(host.connection, host, p),
    )


def _is_bond(rows: list[Any]) -> str:
    for pif in rows:
        if not pif.get("bond_master_of"):
            return _("Select a bond")
        if pif.get("management"):
            return _("The bond carries the management interface")
        if pif.get("VLAN_slave_of"):
            return _("The bond carries VLANs; remove them first")
    return ""


def _two_free(hosts: list[Any]) -> str:
    return "" if all(len(free_nics(h)) >= 2 for h in hosts) else _("The server has fewer than two free NICs")


NIC_ACTIONS = (
    TabAction(
        "createBond",
        N_("&Create Bond..."),
        lambda _h: [av.role("Bond.create", "network.create"), _two_free],
        _create_bond,
        on_owner=True,
    ),
    TabAction("deleteBond", N_("&Delete Bond"), lambda _h: [av.role("Bond.destroy"), _is_bond], _delete_bond),
    TabAction("rescanNics", N_("&Rescan"), lambda _h: [av.role("PIF.scan")], _rescan, on_owner=True),
)


class NicsTab(TabPage):
    key = "nics"
    watched_classes = frozenset({"PIF", "Bond", "PIF_metrics"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nicsTab")
        self.nics = GridPanel("nicList", None, NIC_COLUMNS, NIC_ACTIONS, nic_rows)
        layout = QVBoxLayout(self)
        layout.addWidget(self.nics)

    def title(self) -> str:
        return _("NICs")

    @classmethod
    def applies_to(cls, objects: list[Any]) -> bool:
        return len(objects) == 1 and objects[0].cls == "host" and objects[0].is_live

    def refresh(self) -> None:
        if len(self.objects) == 1:
            self.nics.set_owner(self.objects[0])
