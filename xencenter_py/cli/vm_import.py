"""``xencenter-py vm import``: import an XVA file, its disks on an SR of the pool."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find, reported
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument("--file", required=True, help="the XVA file to read")
    parser.add_argument("--sr", help="SR for the disks (default: the pool's default SR)")
    parser.add_argument("--home", help="home server of the imported VM (default: none)")


async def _import(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions.vm_lifecycle import NULL_REF, import_vm
    from xencenter_py.model.templates import can_hold_disks

    pool = next(iter(conn.cache.all("pool")), None)
    sr = find(conn, "SR", args.sr, can_hold_disks) if args.sr else (pool.default_sr if pool else None)
    if sr is None:
        raise CommandError(_("The pool has no default SR; give --sr"))
    home = find(conn, "host", args.home).ref if args.home else NULL_REF
    for ref in await reported(import_vm(conn, args.file, sr.ref, home=home)):
        print(await conn.call("VM.get_uuid", ref))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("vm import", args, lambda conn: _import(conn, args))
