"""A rebooted or powered-on host reports a new boot time, so consoles' uptime starts again."""

from __future__ import annotations

from typing import Any

from tests.sim.behaviour_support import host_by_name, wait_until


def test_reboot_resets_boot_and_toolstack_times(x: Any) -> None:
    host = host_by_name(x, "xs-demo-03")
    before = x.host.get_other_config(host)
    x.host.disable(host)
    for vm in x.host.get_resident_VMs(host):
        if not x.VM.get_is_control_domain(vm):
            x.VM.hard_shutdown(vm)
    x.host.reboot(host)
    wait_until(x, "host", host, lambda r: r["enabled"] is True)
    after = x.host.get_other_config(host)
    assert float(after["boot_time"]) > float(before["boot_time"])
    assert float(after["agent_start_time"]) >= float(after["boot_time"])
    assert {k: v for k, v in after.items() if k not in ("boot_time", "agent_start_time")} == {
        k: v for k, v in before.items() if k not in ("boot_time", "agent_start_time")
    }
