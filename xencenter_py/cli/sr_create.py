"""``xencenter-py sr create TYPE LOCATION --name NAME [--reattach UUID]``: a new SR at the
location, or reattach the SR a probe found there."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.sr_probe import add_location_arguments, config
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_location_arguments(parser)
    parser.add_argument("--name", required=True, help="the SR's name")
    parser.add_argument("--description", default="", help="the SR's description")
    parser.add_argument("--reattach", metavar="UUID", help="reattach the existing SR with this UUID instead")
    add_connection_arguments(parser)


def _progress(fraction: float, text: str) -> None:
    if text:
        print(text, flush=True)


async def _create(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions import sr
    from xencenter_py.xapi.errors import Failure

    coordinator = conn.cache.pool.coordinator
    device = config(args)
    try:
        if args.reattach:
            found = await sr.probe(conn, coordinator.ref, args.type, device)
            match = next((s for s in found.srs if s.uuid == args.reattach), None)
            if match is None:
                raise CommandError(_("No SR with UUID {uuid} was found at this location").format(uuid=args.reattach))
            ref = await sr.reattach(conn, args.type, device, match, args.name, args.description, _progress)
        else:
            ref = await sr.create(conn, coordinator.ref, args.type, device, args.name, args.description, _progress)
    except Failure as failure:
        raise CommandError(failure.message()) from None
    print(await conn.call("SR.get_uuid", ref))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("sr create", args, lambda conn: _create(conn, args))
