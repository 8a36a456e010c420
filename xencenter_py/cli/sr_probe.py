"""``xencenter-py sr probe TYPE LOCATION``: what a storage location offers (NFS exports,
iSCSI IQNs and LUNs, HBA LUNs, and the SRs already there), as the New SR wizard shows it."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.i18n import format_bytes
from xencenter_py.i18n import gettext as _

KINDS = ("nfs", "iscsi", "hba", "smb", "nfs_iso", "cifs_iso")


def add_location_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("type", choices=KINDS)
    parser.add_argument("location", nargs="?", default="", help="server:/path, \\\\server\\share, or iSCSI portal")
    parser.add_argument("--iqn", default="", help="iSCSI target IQN")
    parser.add_argument("--scsi-id", default="", help="iSCSI or HBA LUN (SCSI id)")
    parser.add_argument("--username", default="", help="SMB user name")


def config(args: argparse.Namespace) -> dict[str, str]:
    from xencenter_py.model.actions import sr

    extra = {}
    if args.type == "iscsi":
        extra = {"target": args.location, "port": "3260", "targetIQN": args.iqn, "SCSIid": args.scsi_id}
        extra = {k: v for k, v in extra.items() if v}
        return extra
    if args.type == "hba":
        return {"SCSIid": args.scsi_id} if args.scsi_id else {}
    if args.username:
        extra["username"] = args.username
    return sr.device_config(args.type, args.location, **extra)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_location_arguments(parser)
    add_connection_arguments(parser)


async def _probe(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions import sr
    from xencenter_py.xapi.errors import Failure

    coordinator = conn.cache.pool.coordinator
    try:
        found = await sr.probe(conn, coordinator.ref, args.type, config(args))
    except Failure as failure:
        raise CommandError(failure.message()) from None
    for path in found.exports:
        print(_("export\t{path}").format(path=path))
    for iqn in found.iqns:
        print(_("target\t{iqn}").format(iqn=iqn))
    for scsi_id, label, size in found.luns:
        print(_("LUN\t{id}\t{label}\t{size}").format(id=scsi_id, label=label, size=format_bytes(size)))
    for existing in found.srs:
        print(_("SR\t{uuid}\t{name}").format(uuid=existing.uuid, name=existing.name))
    if not (found.exports or found.iqns or found.luns or found.srs):
        print(_("Nothing was found at this location."))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("sr probe", args, lambda conn: _probe(conn, args))
