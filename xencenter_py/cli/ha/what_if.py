"""``xencenter-py ha what-if --fail SERVER ...``: before anything happens, which VMs of
those servers would restart where, which would not and why, and whether the plan holds."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.lookup import find
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.actions.base import ActionError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument(
        "--fail", action="append", required=True, metavar="SERVER", help="a server to fail (name or UUID); repeatable"
    )


def describe(conn: Any, result: ha.WhatIf) -> list[str]:
    """The planner's answer as lines (shared with the HA tab's wording)."""
    from xencenter_py.model.ha import agility_reason, priority_label

    out = []
    for r in result.restarts:
        vm = conn.cache.get("VM", r.vm)
        name = vm.name if vm is not None else r.vm
        if r.host:
            host = conn.cache.get("host", r.host)
            what = _("restarts on {server}").format(server=host.name if host is not None else r.host)
        elif not r.priority:
            what = _("not restarted: Do not restart")
        else:
            what = _("not restarted: {reason}").format(reason=agility_reason(r.error_code or "NO_HOSTS_AVAILABLE"))
        out.append(f"{name}\t{priority_label(r.priority)}\t{what}")
    if not result.restarts:
        out.append(_("No running VM would be affected."))
    out.append(
        _("The HA plan holds.") if result.plan_holds else _("The HA plan does not hold: protected VMs would stay down.")
    )
    return out


def run(args: argparse.Namespace) -> int:
    async def work(conn: Any) -> None:
        hosts = [find(conn, "host", key, what=_("server")).ref for key in args.fail]
        try:
            result = await ha.what_if(conn, hosts)
        except ActionError as exc:
            raise CommandError(str(exc)) from None
        print("\n".join(describe(conn, result)))

    return run_with_connection("ha what-if", args, work)
