"""``xencenter-py ha disable``: turn HA off."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.ha.common import pool_of
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    async def work(conn: Any) -> None:
        from xencenter_py.xapi.errors import Failure

        if not pool_of(conn).ha_enabled:
            raise CommandError(_("HA is not enabled on this pool."))
        try:
            await ha.disable(conn)
        except Failure as f:
            raise CommandError(f.message()) from None
        print(_("HA is disabled."))

    return run_with_connection("ha disable", args, work)
