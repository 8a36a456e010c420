"""``xencenter-py pool join --server SERVER --coordinator POOL``: the standalone server at
``--server`` joins the pool whose coordinator is at ``--coordinator`` (the same user and
password for both, as when XenCenter adds a server it is connected to)."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, connected, run_with_connection
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coordinator", required=True, metavar="URL", help="the pool coordinator's address")
    add_connection_arguments(parser)


async def _join(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions import pool
    from xencenter_py.model.actions.base import ActionError
    from xencenter_py.xapi.errors import Failure

    pool_args = argparse.Namespace(**{**vars(args), "server": args.coordinator})
    async with connected(pool_args) as coordinator:
        warning = pool.licence_warning(conn, coordinator)
        if warning:
            print(warning, flush=True)
        try:
            await pool.add_server(conn, coordinator)
        except (ActionError, Failure) as exc:
            raise CommandError(exc.message() if isinstance(exc, Failure) else str(exc)) from None
        print(
            _("'{server}' joined the pool '{pool}'").format(server=conn.friendly_name, pool=coordinator.friendly_name)
        )


def run(args: argparse.Namespace) -> int:
    return run_with_connection("pool join", args, lambda conn: _join(conn, args))
