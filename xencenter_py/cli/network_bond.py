"""``xencenter-py network bond``: the NICs tab's Create Bond on one server."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", required=True, help="server name or UUID")
    parser.add_argument("--nics", required=True, help="NIC devices, comma separated, e.g. eth4,eth5")
    parser.add_argument("--mode", choices=("active-backup", "balance-slb", "lacp"), default="active-backup")
    parser.add_argument("--name", default="", help="name of the bond's network")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions.network import create_bond

    async def work(conn: Any) -> None:
        host = lookup.find(conn, "host", args.host, what=_("server"))
        devices = [d.strip() for d in args.nics.split(",") if d.strip()]
        nics = [p for p in host.pifs if p.get("device") in devices and int(p.get("VLAN", -1)) < 0]
        missing = set(devices) - {p.get("device") for p in nics}
        if missing:
            raise CommandError(_("The server has no NIC {nics}").format(nics=", ".join(sorted(missing))))
        name = args.name or _("Bond {members}").format(members="+".join(d.replace("eth", "") for d in devices))
        await lookup.reported(create_bond(conn, host, nics, args.mode, name))
        print(_("Created bond '{name}' on '{host}'").format(name=name, host=host.name))

    return run_with_connection("network bond", args, work)
