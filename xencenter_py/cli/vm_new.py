"""``xencenter-py vm new``: a VM from a template, as the New VM wizard makes it (the
template's recommended vCPUs and memory, its provision disks on the chosen SR, one VIF
per network it would offer, an empty DVD drive or the ISO given)."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find, reported
from xencenter_py.cli.vm_lookup import progress_printer

MiB = 1024**2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument("--template", required=True, help="template name or uuid")
    parser.add_argument("--name", required=True, help="name of the new VM")
    parser.add_argument("--description", default="")
    parser.add_argument("--sr", help="SR for the disks (default: the pool's default SR)")
    parser.add_argument("--iso", help="ISO to insert in the DVD drive (name of an ISO in a library)")
    parser.add_argument("--home", help="home server name (default: none)")
    parser.add_argument("--vcpus", type=int, help="number of vCPUs (default: the template's)")
    parser.add_argument("--memory", type=int, metavar="MiB", help="memory in MiB (default: the template's)")
    parser.add_argument("--start", action="store_true", help="start the VM once created")
    parser.add_argument("--quiet", action="store_true", help="print only the new VM's uuid")


async def _new(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions.vm_lifecycle import NULL_REF, DiskSpec, InstallMedia, NewVm, create_vm
    from xencenter_py.model.templates import can_hold_disks, provision_disks

    template = find(conn, "VM", args.template, lambda v: v.is_template)
    pool = next(iter(conn.cache.all("pool")), None)
    sr = find(conn, "SR", args.sr, can_hold_disks) if args.sr else (pool.default_sr if pool else None)
    disks = [
        DiskSpec(d.size, sr.ref if sr is not None else NULL_REF, d.device, d.bootable, d.type)
        for d in provision_disks(template)
    ]
    media = InstallMedia()
    if args.iso:
        iso = find(conn, "VDI", args.iso, lambda v: v.sr is not None and v.sr.is_iso)
        media = InstallMedia("iso", iso.ref)
    vcpus = args.vcpus or max(int(template.get("VCPUs_max") or 1), 1)
    memory = args.memory * MiB if args.memory else int(template.get("memory_static_max") or 0)
    if template.vifs:
        networks = [v.get("network") for v in sorted(template.vifs, key=lambda v: v.get("device", ""))]
    else:
        networks = [
            n.ref
            for n in conn.cache.all("network")
            if n.pifs and not n.is_guest_installer and n.other_config.get("automatic", "true") != "false"
        ]
    spec = NewVm(
        template=template.ref,
        name=args.name,
        description=args.description,
        media=media,
        affinity=find(conn, "host", args.home).ref if args.home else NULL_REF,
        vcpus_max=vcpus,
        vcpus_at_startup=vcpus,
        cores_per_socket=1,
        memory_static_max=memory,
        memory_dynamic_min=args.memory * MiB if args.memory else int(template.get("memory_dynamic_min") or memory),
        memory_dynamic_max=memory,
        disks=disks,
        networks=networks,
        start=args.start,
    )
    ref = await reported(create_vm(conn, spec, progress_printer(args.quiet)))
    uuid = await conn.call("VM.get_uuid", ref)
    print(uuid)


def run(args: argparse.Namespace) -> int:
    return run_with_connection("vm new", args, lambda conn: _new(conn, args))
