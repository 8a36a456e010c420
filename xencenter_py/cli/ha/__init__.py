"""``xencenter-py ha``: high availability from the command line, through the same actions
as the Configure HA wizard and the HA tab (``model/actions/ha.py``)."""

from __future__ import annotations

VERBS: dict[str, tuple[str, str]] = {
    "status": ("xencenter_py.cli.ha.status", "show a pool's HA state, failure capacity and protected VMs"),
    "enable": (
        "xencenter_py.cli.ha.enable",
        "enable HA with a heartbeat SR, restart priorities and failures to tolerate",
    ),
    "disable": ("xencenter_py.cli.ha.disable", "disable HA"),
    "plan": ("xencenter_py.cli.ha.plan", "show every VM's restart priority, order, delay and agility"),
    "what-if": ("xencenter_py.cli.ha.what_if", "show where VMs would restart if some servers failed now"),
}
