"""``xencenter-py ha enable --sr SR [--failures N] [--priority VM=restart|best-effort|none] ...``.

VMs not named keep their priority; when no VM has one yet (enabling for the first time)
each gets XenCenter's default: Restart if agile, else Restart if possible. Without
``--failures`` the pool tolerates as many failures as it can; asking for more is refused.
"""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, run_with_connection
from xencenter_py.cli.ha.common import pool_of
from xencenter_py.cli.lookup import find
from xencenter_py.i18n import gettext as _
from xencenter_py.model.actions import ha
from xencenter_py.model.actions.base import ActionError
from xencenter_py.model.ha import BEST_EFFORT, RESTART, VmHaSettings, protectable_vms

_PRIORITY_WORDS = {"restart": RESTART, "best-effort": BEST_EFFORT, "none": ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)
    parser.add_argument("--sr", required=True, help="the heartbeat SR (name or UUID)")
    parser.add_argument("--failures", type=int, help="server failures to tolerate (default: the most possible)")
    parser.add_argument(
        "--priority", action="append", default=[], metavar="VM=PRIORITY", help="restart, best-effort or none"
    )
    parser.add_argument("--order", action="append", default=[], metavar="VM=N", help="start order")
    parser.add_argument("--delay", action="append", default=[], metavar="VM=SECONDS", help="delay before the next VM")


def _pairs(specs: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for spec in specs:
        name, sep, value = spec.rpartition("=")
        if not sep or not name:
            raise CommandError(_("{option} {spec}: expected VM=VALUE").format(option=option, spec=spec))
        out.append((name, value))
    return out


def _number(value: str, option: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise CommandError(_("{option}: {value} is not a whole number of 0 or more").format(option=option, value=value))
    return n


async def settings_from(conn: Any, args: argparse.Namespace) -> dict[str, VmHaSettings]:
    vms = protectable_vms(conn.cache)
    settings = {vm.ref: VmHaSettings.of(vm) for vm in vms}
    agile = await ha.agility(conn, [vm.ref for vm in vms])
    if all(not vm.get("ha_restart_priority") for vm in vms):
        for vm in vms:
            first = RESTART if not agile[vm.ref] else BEST_EFFORT
            settings[vm.ref] = VmHaSettings(first, settings[vm.ref].order, settings[vm.ref].start_delay)
    for name, value in _pairs(args.priority, "--priority"):
        vm = find(conn, "VM", name, lambda v: v.is_real_vm, _("VM"))
        if value not in _PRIORITY_WORDS:
            raise CommandError(_("--priority {value}: choose restart, best-effort or none").format(value=value))
        if _PRIORITY_WORDS[value] == RESTART and agile.get(vm.ref):
            raise CommandError(_("{vm} is not agile: it can only be restarted if possible").format(vm=vm.name))
        s = settings[vm.ref]
        settings[vm.ref] = VmHaSettings(_PRIORITY_WORDS[value], s.order, s.start_delay)
    for name, value in _pairs(args.order, "--order"):
        vm = find(conn, "VM", name, lambda v: v.is_real_vm, _("VM"))
        s = settings[vm.ref]
        settings[vm.ref] = VmHaSettings(s.priority, _number(value, "--order"), s.start_delay)
    for name, value in _pairs(args.delay, "--delay"):
        vm = find(conn, "VM", name, lambda v: v.is_real_vm, _("VM"))
        s = settings[vm.ref]
        settings[vm.ref] = VmHaSettings(s.priority, s.order, _number(value, "--delay"))
    return settings


def run(args: argparse.Namespace) -> int:
    async def work(conn: Any) -> None:
        from xencenter_py.xapi.errors import Failure

        pool = pool_of(conn)
        if pool.ha_enabled:
            raise CommandError(_("HA is already enabled on this pool."))
        sr = find(conn, "SR", args.sr, what=_("SR"))
        settings = await settings_from(conn, args)
        most = await ha.max_failures(conn, settings)
        ntol = most if args.failures is None else args.failures
        if ntol > most:
            raise CommandError(
                _("The pool can tolerate at most {n} server failures with these priorities.").format(n=most)
            )
        try:
            await ha.enable(conn, sr.ref, settings, ntol)
        except ActionError as exc:
            raise CommandError(str(exc)) from None
        except Failure as f:
            raise CommandError(f.message()) from None
        print(_("HA is enabled; the pool tolerates {n} server failures.").format(n=ntol))

    return run_with_connection("ha enable", args, work)
