"""``xencenter-py vm export``: write a halted VM, template or snapshot to an XVA file."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find, reported


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument("--vm", required=True, help="VM, template or snapshot name or uuid")
    parser.add_argument("--file", required=True, help="the XVA file to write")


async def _export(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions.vm_lifecycle import export_vm

    vm = find(conn, "VM", args.vm, lambda v: not v.is_control_domain)
    await reported(export_vm(conn, vm.ref, args.file))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("vm export", args, lambda conn: _export(conn, args))
