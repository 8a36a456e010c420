"""``xencenter-py ha plan``: every VM's restart priority, start order, delay and agility,
and the most server failures the pool could tolerate with them."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.ha import VmHaSettings, agility_reason, priority_label, protectable_vms


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    async def work(conn: Any) -> None:
        vms = protectable_vms(conn.cache)
        agile = await ha.agility(conn, [vm.ref for vm in vms])
        settings = {vm.ref: VmHaSettings.of(vm) for vm in vms}
        print("\t".join((_("VM"), _("Restart priority"), _("Start order"), _("Delay"), _("Agile"))))
        for vm in vms:
            s = settings[vm.ref]
            code = agile[vm.ref]
            agility = _("Yes") if not code else _("No: {reason}").format(reason=agility_reason(code))
            print("\t".join((vm.name, priority_label(s.priority), str(s.order), str(s.start_delay), agility)))
        most = await ha.max_failures(conn, settings)
        print(_("Maximum number of server failures the pool can tolerate: {n}").format(n=most))

    return run_with_connection("ha plan", args, work)
