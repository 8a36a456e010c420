"""``xencenter-py pool eject HOST --server POOL``: remove a server from its pool. Its VMs on
local storage are lost and it restarts as a standalone server, as XenCenter warns."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help="server name or UUID")
    add_connection_arguments(parser)


async def _eject(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions import pool
    from xencenter_py.model.actions.base import ActionError
    from xencenter_py.xapi.errors import Failure

    host = find(conn, "host", args.host, what=_("server"))
    try:
        await pool.remove_server(conn, host)
    except (ActionError, Failure) as exc:
        raise CommandError(exc.message() if isinstance(exc, Failure) else str(exc)) from None
    print(_("'{server}' was removed from the pool").format(server=host.name))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("pool eject", args, lambda conn: _eject(conn, args))
