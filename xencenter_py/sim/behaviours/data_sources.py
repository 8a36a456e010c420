"""``get_data_sources`` / ``query_data_source`` for hosts, VMs and SRs (protocol notes §6.4).

The sources are the ones ``/rrd_updates`` serves (:mod:`xencenter_py.sim.rrd`), so a client
that lists them first (XenCenter's graphs do) finds every series it then asks for. Only
running VMs have live sources, as in xapi; halted VMs report none.
"""

from __future__ import annotations

import math
import time
from typing import Any

from xencenter_py.sim import rrd
from xencenter_py.sim.operations import Call, implements

_UNITS = {"memory": "B", "memory_target": "B", "memory_internal_free": "KiB", "loadavg": "", "cpu_avg": "(fraction)"}


def _units(name: str) -> str:
    if name in _UNITS:
        return _UNITS[name]
    if name.endswith("_kib"):
        return "KiB"
    if name.startswith("cpu"):
        return "(fraction)"
    if name.endswith(("_rx", "_tx", "_read", "_write")):
        return "B/s"
    return ""


def _record(source: rrd.Source, now: float) -> dict[str, Any]:
    value = source.value(now)
    return {
        "name_label": source.name,
        "name_description": source.name.replace("_", " "),
        "enabled": True,
        "standard": True,
        "units": _units(source.name),
        "min": source.min,
        "max": source.max if math.isfinite(source.max) else float("inf"),
        "value": value,
    }


def _sources(call: Call, cls: str, ref: str) -> list[rrd.Source]:
    store = call.store
    if cls == "host":
        return rrd.host_sources(store, ref)
    if cls == "VM":
        if store.get("VM", ref)["power_state"] not in ("Running", "Paused"):
            return []
        return rrd.vm_sources(store, ref)
    return []


def _query(call: Call, cls: str, ref: str, name: str) -> float:
    for source in _sources(call, cls, ref):
        if source.name == name:
            return source.value(time.time())
    call.fail("INVALID_VALUE", "data_source", name)


@implements("host.get_data_sources", "VM.get_data_sources", "SR.get_data_sources")
async def get_data_sources(call: Call, ref: str) -> list[dict[str, Any]]:
    now = time.time()
    return [_record(s, now) for s in _sources(call, call.message.cls, ref)]


@implements("host.query_data_source", "VM.query_data_source", "SR.query_data_source")
async def query_data_source(call: Call, ref: str, name: str) -> float:
    return _query(call, call.message.cls, ref, name)


@implements(
    "host.record_data_source",
    "VM.record_data_source",
    "SR.record_data_source",
    "host.forget_data_source_archives",
    "VM.forget_data_source_archives",
    "SR.forget_data_source_archives",
)
async def keep_or_forget(call: Call, ref: str, name: str) -> str:
    """Every source is always recorded here, so both are accepted and change nothing."""
    return ""
