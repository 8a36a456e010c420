"""``xencenter-py vm copy``: a fast clone where the disks' SRs can clone, or (with
``--sr``) a full copy onto that SR."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find, reported
from xencenter_py.cli.vm_lookup import progress_printer
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument("--vm", required=True, help="VM or template name or uuid")
    parser.add_argument("--name", required=True, help="name of the copy")
    parser.add_argument("--sr", help="make a full copy onto this SR (default: a fast clone)")
    parser.add_argument("--quiet", action="store_true")


async def _copy(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions.vm_lifecycle import copy_vm
    from xencenter_py.model.templates import can_fast_clone, can_hold_disks

    vm = find(conn, "VM", args.vm, lambda v: (v.is_real_vm or v.is_template) and not v.is_control_domain)
    if args.sr:
        sr = find(conn, "SR", args.sr, can_hold_disks)
        ref = await reported(copy_vm(conn, vm.ref, args.name, fast=False, sr=sr.ref, progress=progress_printer(True)))
    else:
        if not can_fast_clone(vm):
            raise CommandError(_("The storage of this VM's disks cannot make fast clones; give --sr for a full copy"))
        ref = await reported(copy_vm(conn, vm.ref, args.name))
    print(await conn.call("VM.get_uuid", ref))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("vm copy", args, lambda conn: _copy(conn, args))
