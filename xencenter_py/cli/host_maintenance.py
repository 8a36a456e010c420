"""``xencenter-py host maintenance enter|exit HOST``: XenCenter's maintenance mode.

``enter`` lists the VMs that prevent evacuation with the pool's reason and stops unless
``--suspend-blockers`` or ``--shut-down-blockers`` says what to do with them; ``exit
--restore`` brings the VMs back as XenCenter offers.
"""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("mode", choices=("enter", "exit"))
    parser.add_argument("host", help="server name or UUID")
    blockers = parser.add_mutually_exclusive_group()
    blockers.add_argument("--suspend-blockers", action="store_true", help="suspend VMs that cannot be migrated")
    blockers.add_argument("--shut-down-blockers", action="store_true", help="shut down VMs that cannot be migrated")
    parser.add_argument("--restore", action="store_true", help="exit: bring the evacuated VMs back")
    add_connection_arguments(parser)


def _progress(fraction: float, text: str) -> None:
    if text:
        print(text, flush=True)


async def _run(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions import maintenance

    host = find(conn, "host", args.host, what=_("server"))
    if args.mode == "exit":
        await maintenance.exit_mode(conn, host, args.restore, _progress)
        print(_("'{name}' is out of maintenance mode").format(name=host.name))
        return
    plan = await maintenance.plan(conn, host)
    choices: dict[str, maintenance.Choice] = {}
    for blocker in plan.blockers:
        print(_("{vm}: {reason}").format(vm=blocker.name, reason=blocker.reason), flush=True)
        if args.suspend_blockers and blocker.can_suspend:
            choices[blocker.vm] = "suspend"
        elif args.suspend_blockers or args.shut_down_blockers:
            choices[blocker.vm] = "shutdown"
    if plan.blockers and not choices:
        raise CommandError(
            _("VMs prevent evacuation; use --suspend-blockers or --shut-down-blockers to stop them first")
        )
    new_coordinator = await maintenance.enter(conn, host, choices, _progress)
    print(_("'{name}' is in maintenance mode").format(name=host.name))
    if new_coordinator:
        name = conn.cache.get("host", new_coordinator).name
        print(_("The new pool coordinator is '{name}'").format(name=name))


def run(args: argparse.Namespace) -> int:
    return run_with_connection("host maintenance", args, lambda conn: _run(conn, args))
