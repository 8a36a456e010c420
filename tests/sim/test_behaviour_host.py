"""Host operations: disable/enable, reboot with XAPI's checks, server time."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest
import XenAPI

from tests.sim.behaviour_support import details, host_by_name, vm_by_name, wait_until


def test_disabled_host_takes_no_new_vms(x: Any) -> None:
    host = host_by_name(x, "xs-demo-03")
    vm = vm_by_name(x, "経理システム")
    x.host.disable(host)
    assert x.host.get_enabled(host) is False
    assert "vm_start" not in x.host.get_allowed_operations(host)
    with pytest.raises(XenAPI.Failure) as err:
        x.VM.start_on(vm, host, False, False)
    assert details(err) == ["HOST_DISABLED", host]
    x.VM.start(vm, False, False)  # its home server is disabled: it goes elsewhere
    assert x.VM.get_resident_on(vm) not in ("OpaqueRef:NULL", host)
    x.VM.hard_shutdown(vm)
    x.host.enable(host)
    assert "vm_start" in x.host.get_allowed_operations(host)


def test_reboot_needs_a_disabled_empty_host(x: Any) -> None:
    host = host_by_name(x, "xs-demo-01")
    with pytest.raises(XenAPI.Failure) as err:
        x.host.reboot(host)
    assert details(err) == ["HOST_NOT_DISABLED"]
    x.host.disable(host)
    assert "reboot" in x.host.get_allowed_operations(host)
    with pytest.raises(XenAPI.Failure) as err:
        x.host.reboot(host)
    assert details(err)[0] == "HOST_IN_USE"
    for vm in x.host.get_resident_VMs(host):
        if not x.VM.get_is_control_domain(vm):
            x.VM.hard_shutdown(vm)
    x.host.reboot(host)
    metrics = x.host.get_metrics(host)
    wait_until(x, "host_metrics", metrics, lambda r: r["live"] is True)
    wait_until(x, "host", host, lambda r: r["enabled"] is True)


def test_server_time(x: Any) -> None:
    host = host_by_name(x, "xs-demo-02")
    server = _dt.datetime.strptime(x.host.get_servertime(host).value, "%Y%m%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)
    assert abs((server - _dt.datetime.now(_dt.UTC)).total_seconds()) < 60
