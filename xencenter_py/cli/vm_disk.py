"""``xencenter-py vm disk add|resize|delete``: the VM Storage tab's disk actions."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli import lookup
from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="create a disk and attach it to the VM")
    add.add_argument("--vm", required=True, help="VM name or UUID")
    add.add_argument("--size", required=True, help="size, e.g. 10G")
    add.add_argument("--sr", help="storage repository (default: the pool's default SR)")
    add.add_argument("--name", default="", help="disk name (default: '<VM> disk <n>')")
    resize = sub.add_parser("resize", help="grow a disk of the VM")
    resize.add_argument("--vm", required=True, help="VM name or UUID")
    resize.add_argument("--disk", required=True, help="disk name, UUID or position")
    resize.add_argument("--size", required=True, help="new size, e.g. 20G")
    delete = sub.add_parser("delete", help="detach a disk from the VM and delete it")
    delete.add_argument("--vm", required=True, help="VM name or UUID")
    delete.add_argument("--disk", required=True, help="disk name, UUID or position")
    for p in (add, resize, delete):
        add_connection_arguments(p)


def _disk(vm: Any, key: str) -> Any:
    for vbd in vm.vbds:
        vdi = vbd.resolve("VDI", vbd.get("VDI"))
        if vbd.get("type") == "Disk" and vdi is not None and key in (vdi.name, vdi.uuid, str(vbd.get("userdevice"))):
            return vbd, vdi
    raise CommandError(_("The VM '{vm}' has no disk '{disk}'").format(vm=vm.name, disk=key))


def run(args: argparse.Namespace) -> int:
    from xencenter_py.model.actions import storage

    async def work(conn: Any) -> None:
        vm = lookup.vm(conn, args.vm)
        if args.action == "add":
            sr = lookup.find(conn, "SR", args.sr) if args.sr else conn.cache.pool.default_sr
            if sr is None:
                raise CommandError(_("The pool has no default SR; name one with --sr"))
            size = lookup.size(args.size)
            name = args.name or _("{vm} disk {n}").format(vm=vm.name, n=len(vm.vbds))
            await lookup.reported(storage.add_disk(conn, vm, storage.NewDisk(name, size, sr)))
            print(_("Added disk '{disk}' ({size}) on '{sr}'").format(disk=name, size=format_bytes(size), sr=sr.name))
        elif args.action == "resize":
            _vbd, vdi = _disk(vm, args.disk)
            size = lookup.size(args.size)
            await lookup.reported(storage.resize_vdi(conn, vdi, size))
            print(_("Resized disk '{disk}' to {size}").format(disk=vdi.name, size=format_bytes(size)))
        else:
            vbd, vdi = _disk(vm, args.disk)
            if vbd.get("currently_attached"):
                await lookup.reported(storage.set_active(conn, vbd, False))
            await lookup.reported(storage.delete_vdi(conn, vdi))
            print(_("Deleted disk '{disk}'").format(disk=vdi.name))

    return run_with_connection(f"vm disk {args.action}", args, work)
