"""``xencenter-py vm snapshot``: the Snapshots tab's Take Snapshot."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vm", required=True, help="VM name or UUID")
    parser.add_argument("--name", required=True, help="snapshot name")
    parser.add_argument("--description", default="", help="snapshot description")
    parser.add_argument("--memory", action="store_true", help="also keep the memory of a running VM (checkpoint)")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions import snapshot

    async def work(conn: Any) -> None:
        vm = lookup.vm(conn, args.vm)
        await lookup.reported(snapshot.take(conn, vm, args.name, with_memory=args.memory, description=args.description))
        print(_("Took snapshot '{name}' of VM '{vm}'").format(name=args.name.strip(), vm=vm.name))

    return run_with_connection("vm snapshot", args, work)
