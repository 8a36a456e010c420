"""Cheap host operations: enable/disable, reboot/shutdown/power-on with XAPI's checks, clock.

A reboot takes the host off line (``host_metrics.live`` false) and brings it back enabled
a simulated minute later; a shutdown leaves it off until ``host.power_on``.
"""

from __future__ import annotations

import asyncio
import datetime as _dt

from xencenter_py.sim.behaviours.allowed_ops import host_error
from xencenter_py.sim.behaviours.common import in_progress, now, work
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call, implements
from xencenter_py.sim.store import Store

REBOOT_SECONDS = 60.0


def _metrics(store: Store, host: str) -> str:
    return store.get("host", host)["metrics"]


def _set_live(store: Store, host: str, live: bool) -> None:
    metrics = _metrics(store, host)
    if store.exists("host_metrics", metrics):
        store.update("host_metrics", metrics, {"live": live, "last_updated": now()})


def _assert(store: Store, host: str, op: str) -> None:
    err = host_error(store, host, op)
    if err is not None:
        raise err


def _assert_no_guests(store: Store, host: str) -> None:
    """XAPI's "bacon mode": the host must be disabled and run nothing but dom0."""
    vms = store.all("VM")
    for vm in store.get("host", host)["resident_VMs"]:
        rec = vms.get(vm)
        if rec and not rec["is_control_domain"] and rec["power_state"] in ("Running", "Paused"):
            raise XapiError("HOST_IN_USE", host, "VM", vm)


@implements("host.disable")
async def disable(call: Call, host: str) -> None:
    call.store.set("host", host, "enabled", False)


@implements("host.enable")
async def enable(call: Call, host: str) -> None:
    store = call.store
    metrics = store.all("host_metrics").get(_metrics(store, host))
    if not metrics or not metrics["live"]:
        call.fail("HOST_OFFLINE", host)
    store.set("host", host, "enabled", True)


async def _power_cycle(call: Call, host: str, op: str, back_after: float | None) -> None:
    store = call.store
    _assert(store, host, op)
    _assert_no_guests(store, host)
    async with in_progress(call, "host", host, op):
        await work(call, 5.0, 0.0, 0.99, 2)
        _set_live(store, host, False)
    if back_after is not None:
        loop = asyncio.get_running_loop()
        loop.call_later(back_after / max(call.sim.speed, 1e-9), _come_back, store, host)


def _come_back(store: Store, host: str) -> None:
    """The host has booted: live, enabled, and its boot and toolstack start times are now
    (consoles show uptime from them)."""
    if store.exists("host", host):
        _set_live(store, host, True)
        booted = now().timestamp()
        other = dict(store.get("host", host)["other_config"])
        other.update(boot_time=f"{booted:.0f}.", agent_start_time=f"{booted + 1:.0f}.")
        store.update("host", host, {"enabled": True, "other_config": other})


@implements("host.reboot")
async def reboot(call: Call, host: str) -> None:
    await _power_cycle(call, host, "reboot", REBOOT_SECONDS)


@implements("host.shutdown")
async def shutdown(call: Call, host: str) -> None:
    await _power_cycle(call, host, "shutdown", None)


@implements("host.power_on")
async def power_on(call: Call, host: str) -> None:
    store = call.store
    rec = store.get("host", host)
    if store.all("host_metrics").get(rec["metrics"], {}).get("live"):
        call.fail("OPERATION_NOT_ALLOWED", "The host is already running.")
    if not rec["power_on_mode"]:
        call.fail("HOST_POWER_ON_MODE_DISABLED")
    await work(call, REBOOT_SECONDS, 0.0, 0.99, 4)
    _come_back(store, host)


@implements("host.get_servertime")
async def get_servertime(call: Call, host: str) -> _dt.datetime:
    return now()


@implements("host.get_server_localtime")
async def get_server_localtime(call: Call, host: str) -> _dt.datetime:
    return now()
