"""``xencenter-py network create``: Add Network (external/VLAN on a NIC, internal, bonded)."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="network name")
    parser.add_argument("--type", choices=("external", "internal", "vlan", "bonded"), default="internal")
    parser.add_argument("--nic", default="", help="NIC device for external/VLAN networks, e.g. eth4")
    parser.add_argument("--vlan", type=int, default=0, help="VLAN tag (external/VLAN)")
    parser.add_argument("--members", default="", help="NIC devices to bond, comma separated, e.g. eth4,eth5")
    parser.add_argument("--mode", choices=("active-backup", "balance-slb", "lacp"), default="balance-slb")
    parser.add_argument("--mtu", type=int, default=1500)
    parser.add_argument("--description", default="")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions.network import NetworkKind, NewNetwork, create_network

    async def work(conn: Any) -> None:
        spec = NewNetwork(
            NetworkKind(args.type),
            args.name,
            args.description,
            args.mtu,
            nic=args.nic,
            vlan=args.vlan,
            members=tuple(m.strip() for m in args.members.split(",") if m.strip()),
            bond_mode=args.mode,
            hosts=tuple(conn.cache.all("host")),
        )
        await lookup.reported(create_network(conn, spec))
        print(_("Created network '{name}'").format(name=args.name.strip()))

    return run_with_connection("network create", args, work)
