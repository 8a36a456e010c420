"""``get_data_sources`` / ``query_data_source`` for hosts, VMs and SRs (protocol notes §6.4).

The sources are the ones ``/rrd_updates`` serves (:mod:`xencenter_py.sim.rrd`), so a client
that lists them first (XenCenter's graphs do) finds every series it then asks for. Only
running VMs have live sources, as in xapi; halted VMs report none. The non-default ones
(NIC and VIF errors, disk latencies) are listed disabled until ``record_data_source``.
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
    if name.endswith("_latency"):
        return "μs"
    if name.endswith("_errors"):
        return "err/s"
    return ""


def _record(source: rrd.Source, now: float, enabled: bool = True, standard: bool = True) -> dict[str, Any]:
    value = source.value(now) if enabled else 0.0
    return {
        "name_label": source.name,
        "name_description": source.name.replace("_", " "),
        "enabled": enabled,
        "standard": standard,
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
    cls = call.message.cls
    standard = [_record(s, now) for s in _sources(call, cls, ref) if not _is_optional(call, cls, ref, s.name)]
    return standard + [
        _record(s, now, enabled=s.name in _recorded(call, cls, ref), standard=False) for s in _optional(call, cls, ref)
    ]


def _optional(call: Call, cls: str, ref: str) -> list[rrd.Source]:
    if cls == "host" or (cls == "VM" and call.store.get("VM", ref)["power_state"] in ("Running", "Paused")):
        return rrd.optional_sources(call.store, cls, ref)
    return []


def _is_optional(call: Call, cls: str, ref: str, name: str) -> bool:
    return cls in ("host", "VM") and name in {s.name for s in _optional(call, cls, ref)}


def _recorded(call: Call, cls: str, ref: str) -> set[str]:
    return rrd.recorded(call.store, call.store.get(cls, ref)["uuid"])


@implements("host.query_data_source", "VM.query_data_source", "SR.query_data_source")
async def query_data_source(call: Call, ref: str, name: str) -> float:
    return _query(call, call.message.cls, ref, name)


@implements("host.record_data_source", "VM.record_data_source", "SR.record_data_source")
async def record(call: Call, ref: str, name: str) -> str:
    """Start recording a source; the default ones always are."""
    cls = call.message.cls
    known = {s.name for s in _sources(call, cls, ref)} | {s.name for s in _optional(call, cls, ref)}
    if name not in known:
        call.fail("INVALID_VALUE", "data_source", name)
    if cls in ("host", "VM"):
        rrd.set_recorded(call.store, call.store.get(cls, ref)["uuid"], name, True)
    return ""


@implements("host.forget_data_source_archives", "VM.forget_data_source_archives", "SR.forget_data_source_archives")
async def forget(call: Call, ref: str, name: str) -> str:
    """Stop recording a non-default source and drop its history."""
    cls = call.message.cls
    if cls in ("host", "VM"):
        rrd.set_recorded(call.store, call.store.get(cls, ref)["uuid"], name, False)
    return ""
