"""``xencenter-py vm migrate VM (--to-host HOST [--to-sr SR] | --dest-server URL --to-host HOST --to-sr SR --to-network NET)``.

Within the pool: live migration (or storage XenMotion when ``--to-sr`` is given). To another
pool: cross-pool XenMotion with every disk to ``--to-sr`` and every VIF to ``--to-network``
of the destination. Prints the prediction first, then the measured figures.
"""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import CommandError, add_connection_arguments, connected, run_with_connection
from xencenter_py.cli.lookup import find
from xencenter_py.i18n import format_duration
from xencenter_py.i18n import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vm", help="VM name or UUID")
    parser.add_argument("--to-host", required=True, metavar="HOST", help="destination server (name or UUID)")
    parser.add_argument("--to-sr", metavar="SR", help="move the VM's disks to this SR (storage XenMotion)")
    parser.add_argument("--to-network", metavar="NET", help="cross-pool: put every VIF on this network")
    parser.add_argument("--dest-server", metavar="URL", help="cross-pool: the destination pool's address")
    add_connection_arguments(parser)


def _progress(fraction: float, text: str) -> None:
    if text:
        print(text, flush=True)


async def _migrate(conn: Any, args: argparse.Namespace) -> None:
    from xencenter_py.model.actions import migrate

    vm = find(conn, "VM", args.vm, lambda v: v.is_real_vm, _("VM"))
    load = await migrate.recent_cpu_load(vm)
    if vm.is_running:
        guess = migrate.predict(vm.memory_actual or vm.memory_static_max, vm.vcpus, load if load is not None else 0.3)
        print(
            _("Predicted: {duration}, downtime {downtime} ms, {rounds} pre-copy rounds").format(
                duration=format_duration(guess.seconds), downtime=guess.downtime_ms, rounds=guess.rounds
            ),
            flush=True,
        )
    if args.dest_server:
        dest_args = argparse.Namespace(**{**vars(args), "server": args.dest_server})
        async with connected(dest_args) as dest:
            host = find(dest, "host", args.to_host, what=_("server"))
            if not args.to_sr or not args.to_network:
                raise CommandError(_("Moving a VM to another pool needs --to-sr and --to-network"))
            sr = find(dest, "SR", args.to_sr, what=_("storage repository"))
            network = find(dest, "network", args.to_network, what=_("network"))
            token = await migrate.receive_token(dest, host.ref, network.ref)
            vdi_map = {vbd["VDI"]: sr.ref for vbd in vm.vbds if not vbd.get("empty")}
            vif_map = {vif.ref: network.ref for vif in vm.vifs}
            outcome = await migrate.migrate_send(conn, vm.ref, token, vdi_map, vif_map, vm.is_running, _progress)
    else:
        host = find(conn, "host", args.to_host, what=_("server"))
        if args.to_sr:
            sr = find(conn, "SR", args.to_sr, what=_("storage repository"))
            token = await migrate.receive_token(conn, host.ref, host.pifs[0]["network"] if host.pifs else "")
            vdi_map = {vbd["VDI"]: sr.ref for vbd in vm.vbds if not vbd.get("empty") and vbd.get("type") != "CD"}
            vif_map = {vif.ref: vif["network"] for vif in vm.vifs}
            outcome = await migrate.migrate_send(conn, vm.ref, token, vdi_map, vif_map, vm.is_running, _progress)
        else:
            outcome = await migrate.live_migrate(conn, vm.ref, host.ref, _progress)
    measured = _("Done in {duration}").format(duration=format_duration(outcome.seconds))
    if outcome.downtime_ms is not None:
        measured += _(", downtime {downtime} ms, {rounds} pre-copy rounds").format(
            downtime=outcome.downtime_ms, rounds=outcome.rounds
        )
    print(measured, flush=True)


def run(args: argparse.Namespace) -> int:
    return run_with_connection("vm migrate", args, lambda conn: _migrate(conn, args))
