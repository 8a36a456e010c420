"""``xencenter-py vm revert``: the Snapshots tab's Revert To (optionally snapshotting first)."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vm", required=True, help="VM name or UUID")
    parser.add_argument("--snapshot", required=True, help="snapshot name or UUID")
    parser.add_argument("--snapshot-first", metavar="NAME", help="take a snapshot of the current state first")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions import snapshot

    async def work(conn: Any) -> None:
        vm = lookup.vm(conn, args.vm)
        snap = lookup.find(
            conn, "VM", args.snapshot, lambda s: s.is_snapshot and s.get("snapshot_of") == vm.ref, _("snapshot")
        )
        await lookup.reported(snapshot.revert(conn, snap, snapshot_first=args.snapshot_first))
        print(_("Reverted VM '{vm}' to snapshot '{snapshot}'").format(vm=vm.name, snapshot=snap.name))

    return run_with_connection("vm revert", args, work)
