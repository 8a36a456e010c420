"""``xencenter-py ha status``: HA on or off, failure capacity, heartbeat, protected VMs."""

from __future__ import annotations

import argparse
from typing import Any

from xencenter_py.cli.common import add_connection_arguments, run_with_connection
from xencenter_py.cli.ha.common import pool_of, yes_no
from xencenter_py.i18n import gettext as _
from xencenter_py.model.ha import (
    PRIORITIES,
    can_protect,
    ha_restricted,
    heartbeat_srs,
    priority_label,
    priority_of,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_arguments(parser)


def lines(conn: Any) -> list[str]:
    pool = pool_of(conn)
    out = [_("Pool: {name}").format(name=pool.name)]
    if ha_restricted(pool):
        out.append(_("High availability is not available: the pool's license does not include it."))
        return out
    if not pool.ha_enabled:
        out.append(_("High availability: not configured"))
        return out
    out.append(_("High availability: enabled"))
    srs = ", ".join(sr.name for sr in heartbeat_srs(pool)) or "-"
    out.append(_("Heartbeat SR: {srs}").format(srs=srs))
    out.append(
        _("Server failures to tolerate: {ntol} (current capacity: {plan})").format(
            ntol=pool.get("ha_host_failures_to_tolerate"), plan=pool.get("ha_plan_exists_for")
        )
    )
    out.append(_("Overcommitted: {answer}").format(answer=yes_no(bool(pool.get("ha_overcommitted")))))
    for host in sorted(pool.hosts, key=lambda h: h.name.lower()):
        state = _("Heartbeating") if host.is_live else _("Not responding")
        out.append(f"  {host.name}\t{state}")
    vms = [vm for vm in conn.cache.all("VM") if can_protect(vm)]
    for priority in PRIORITIES:
        names = sorted(vm.name for vm in vms if priority_of(vm) == priority)
        out.append(f"{priority_label(priority)}: {len(names)}")
        out.extend(f"  {name}" for name in names)
    return out


def run(args: argparse.Namespace) -> int:
    async def work(conn: Any) -> None:
        print("\n".join(lines(conn)))

    return run_with_connection("ha status", args, work)
