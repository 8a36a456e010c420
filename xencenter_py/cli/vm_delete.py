"""``xencenter-py vm delete``: delete VMs, templates or snapshots; their disks go too
unless ``--keep-disks``, their snapshots only with ``--snapshots``."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find, reported


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument("--vm", required=True, action="append", help="VM name or uuid (repeat for several)")
    parser.add_argument("--keep-disks", action="store_true", help="leave the virtual disks in place")
    parser.add_argument("--snapshots", action="store_true", help="delete the VMs' snapshots too")


async def _delete(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions.vm_lifecycle import Deletion, delete_vms
    from xencenter_py.model.templates import vm_disks

    vms = [find(conn, "VM", name, lambda v: not v.is_control_domain) for name in args.vm]
    deletions = [
        Deletion(
            vm.ref,
            disks=() if args.keep_disks else [d.ref for d in vm_disks(vm)],
            snapshots=[s.ref for s in vm.snapshots] if args.snapshots else (),
        )
        for vm in vms
    ]
    await reported(delete_vms(conn, deletions))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("vm delete", args, lambda conn: _delete(conn, args))
