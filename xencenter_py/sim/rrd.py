"""Plausible performance data for the simulated pool (protocol notes §6).

Nothing is recorded: every value is a smooth, deterministic function of the object's
uuid, its current state (memory sizes, vCPUs, devices) and the time, so any window of
any archive can be produced on demand and graphs look alive. Output follows xapi's
``/rrd_updates`` (XML ``xport`` and the current JSON form) and the full rrdtool-style
archives of ``/host_rrd(s)`` and ``/vm_rrd(s)``.

Simulator extension: one address serves every host, so a request is answered as the
coordinator would answer it unless ``host_uuid=`` names the host it is meant for.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from xencenter_py.sim import workloads
from xencenter_py.sim.store import Store

STEP = 5
# (pdp_per_row, rows) of the four resolutions, finest first (§6.1).
ARCHIVES = ((1, 120), (12, 120), (720, 168), (17280, 366))
KIB = 1024


class BadRequest(ValueError):
    """A query xapi answers with HTTP 400."""


class NotFound(LookupError):
    """An unknown object uuid."""


@dataclass(frozen=True)
class Source:
    """One data source: its name, rrd type, bounds, and value at a time."""

    name: str
    kind: str  # GAUGE, DERIVE, ABSOLUTE
    min: float
    max: float
    value: Callable[[float], float]


def _seed(*parts: str) -> float:
    digest = hashlib.blake2b("/".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _noise(seed: float, t: float) -> float:
    """Deterministic noise in [-1, 1] that changes every step."""
    x = math.sin((t // STEP) * 12.9898 + seed * 78.233) * 43758.5453
    return 2.0 * (x - math.floor(x)) - 1.0


def _wave(seed: float, base: float, swing: float, period: float = 900.0) -> Callable[[float], float]:
    """A value around ``base`` (0..1 scale) with a slow wave and a little noise."""

    def value(t: float) -> float:
        v = base + swing * math.sin(2 * math.pi * t / period + seed * 6.283) + 0.05 * _noise(seed, t)
        return min(1.0, max(0.0, v))

    return value


def _scaled(f: Callable[[float], float], factor: float, offset: float = 0.0) -> Callable[[float], float]:
    return lambda t: offset + f(t) * factor


def _daily(f: Callable[[float], float]) -> Callable[[float], float]:
    """``f`` following office hours (day/night, weekday/weekend)."""
    return lambda t: min(1.0, f(t) * workloads.host_activity(t))


def host_sources(store: Store, ref: str) -> list[Source]:
    host = store.tables["host"][ref]
    uuid = host.get("uuid", ref)
    metrics = store.tables["host_metrics"].get(host.get("metrics", ""), {})
    total = int(metrics.get("memory_total") or 32 * 1024**3)
    resident = [store.tables["VM"][v] for v in host.get("resident_VMs", []) if v in store.tables["VM"]]
    used = sum(int(v.get("memory_target") or v.get("memory_dynamic_max") or 0) for v in resident)
    free_fraction = max(0.02, 1.0 - used / total) if total else 0.5
    ncpu = len(host.get("host_CPUs", [])) or int(str(host.get("cpu_info", {}).get("cpu_count", "4")) or 4)
    load = min(0.9, 0.05 + 0.04 * len(resident))
    out = [Source(f"cpu{i}", "DERIVE", 0.0, 1.0, _daily(_wave(_seed(uuid, f"cpu{i}"), load, 0.1))) for i in range(ncpu)]
    avg = _daily(_wave(_seed(uuid, "cpu"), load, 0.1))
    out.append(Source("cpu_avg", "GAUGE", 0.0, 1.0, avg))
    out.append(Source("loadavg", "GAUGE", 0.0, math.inf, _scaled(avg, ncpu)))
    out.append(Source("memory_total_kib", "GAUGE", 0.0, math.inf, lambda t: total / KIB))
    free = _wave(_seed(uuid, "mem"), free_fraction, 0.01, 3600.0)
    out.append(Source("memory_free_kib", "GAUGE", 0.0, math.inf, _scaled(free, total / KIB)))
    pifs = [store.tables["PIF"][p] for p in host.get("PIFs", []) if p in store.tables["PIF"]]
    for pif in pifs:
        dev = pif.get("device") or "eth0"
        for d in ("rx", "tx"):
            out.append(
                Source(f"pif_{dev}_{d}", "DERIVE", 0.0, math.inf, _scaled(_wave(_seed(uuid, dev, d), 0.2, 0.15), 5e6))
            )
    for d in ("rx", "tx"):
        out.append(
            Source(
                f"pif_aggr_{d}",
                "DERIVE",
                0.0,
                math.inf,
                _scaled(_wave(_seed(uuid, "aggr", d), 0.2, 0.15), 5e6 * max(1, len(pifs))),
            )
        )
    out.append(
        Source("xapi_memory_usage_kib", "GAUGE", 0.0, math.inf, _scaled(_wave(_seed(uuid, "xapi"), 0.5, 0.05), 200_000))
    )
    return out + _recorded_optional(store, "host", ref)


def _vbd_device(vbd: dict[str, object]) -> str:
    dev = str(vbd.get("device") or "")
    if dev:
        return dev
    try:
        return "xvd" + "abcdefghijklmnop"[int(str(vbd.get("userdevice") or 0))]
    except (ValueError, IndexError):
        return "xvda"


def _has_ept(store: Store, host_ref: str) -> bool:
    host = store.tables["host"].get(host_ref, {})
    flags = str(host.get("cpu_info", {}).get("flags", "")).split()
    return "ept" in flags or "npt" in flags


def _devices(store: Store, vm: dict[str, object]) -> tuple[list[str], list[str]]:
    """(VIF devices, disk VBD devices) of a VM, as its data sources name them."""
    vifs = [str(store.tables["VIF"][v].get("device") or "0") for v in vm.get("VIFs", []) if v in store.tables["VIF"]]
    disks = []
    for b in vm.get("VBDs", []):
        vbd = store.tables["VBD"].get(b)
        if vbd is not None and not vbd.get("empty") and vbd.get("type") != "CD":
            disks.append(_vbd_device(vbd))
    return vifs, disks


def vm_sources(store: Store, ref: str) -> list[Source]:
    vm = store.tables["VM"][ref]
    uuid = vm.get("uuid", ref)
    memory = int(vm.get("memory_target") or vm.get("memory_dynamic_max") or 1024**3)
    ncpu = int(vm.get("VCPUs_at_startup") or 1)
    vifs, disks = _devices(store, vm)
    workload = str(vm.get("other_config", {}).get(workloads.KEY, ""))
    funcs = (
        workloads.vm_values(workload, ncpu, memory, _has_ept(store, str(vm.get("resident_on", ""))))
        if workload
        else None
    )
    if funcs is not None:
        return _workload_sources(uuid, memory, ncpu, vifs, disks, funcs) + _recorded_optional(store, "VM", ref)
    busy = 0.1 + 0.6 * _seed(uuid, "busy")
    out = [Source(f"cpu{i}", "DERIVE", 0.0, 1.0, _wave(_seed(uuid, f"cpu{i}"), busy, 0.15, 600.0)) for i in range(ncpu)]
    out.append(Source("memory", "GAUGE", 0.0, math.inf, lambda t: float(memory)))
    out.append(Source("memory_target", "GAUGE", 0.0, math.inf, lambda t: float(memory)))
    free = _wave(_seed(uuid, "free"), 0.4, 0.1, 1800.0)
    out.append(Source("memory_internal_free", "GAUGE", 0.0, math.inf, _scaled(free, memory / KIB)))
    for dev in vifs:
        for d in ("rx", "tx"):
            out.append(
                Source(f"vif_{dev}_{d}", "DERIVE", 0.0, math.inf, _scaled(_wave(_seed(uuid, dev, d), 0.15, 0.1), 2e6))
            )
    for dev in disks:
        for d in ("read", "write"):
            out.append(
                Source(f"vbd_{dev}_{d}", "DERIVE", 0.0, math.inf, _scaled(_wave(_seed(uuid, dev, d), 0.1, 0.08), 4e6))
            )
    return out + _recorded_optional(store, "VM", ref)


# Which non-default sources each object records (xapi keeps this in rrdd, not in the
# database: it is forgotten when the simulator restarts, as xapi forgets it on a reboot).
_RECORDED: WeakKeyDictionary[Store, set[tuple[str, str]]] = WeakKeyDictionary()


def optional_sources(store: Store, cls: str, ref: str) -> list[Source]:
    """The non-default sources of a host or VM (§6.4): recorded only after
    ``record_data_source``: NIC errors, VIF errors, disk latencies."""
    table = store.tables["host" if cls == "host" else "VM"]
    rec = table[ref]
    uuid = rec.get("uuid", ref)
    out: list[Source] = []
    if cls == "host":
        devs = [
            str(store.tables["PIF"][p].get("device") or "eth0") for p in rec.get("PIFs", []) if p in store.tables["PIF"]
        ]
        for dev in devs:
            for d in ("rx", "tx"):
                f = _scaled(_wave(_seed(uuid, dev, d, "err"), 0.1, 0.1), 3.0)
                out.append(Source(f"pif_{dev}_{d}_errors", "DERIVE", 0.0, math.inf, f))
        return out
    vifs, disks = _devices(store, rec)
    for dev in vifs:
        for d in ("rx", "tx"):
            f = _scaled(_wave(_seed(uuid, dev, d, "err"), 0.1, 0.1), 2.0)
            out.append(Source(f"vif_{dev}_{d}_errors", "DERIVE", 0.0, math.inf, f))
    for dev in disks:
        for d in ("read", "write"):
            f = _scaled(_wave(_seed(uuid, dev, d, "lat"), 0.3, 0.2), 2000.0)
            out.append(Source(f"vbd_{dev}_{d}_latency", "GAUGE", 0.0, math.inf, f))
    return out


def recorded(store: Store, uuid: str) -> set[str]:
    """Names of the non-default sources ``uuid`` records now."""
    return {name for owner, name in _RECORDED.get(store, set()) if owner == uuid}


def set_recorded(store: Store, uuid: str, name: str, on: bool) -> None:
    names = _RECORDED.setdefault(store, set())
    if on:
        names.add((uuid, name))
    else:
        names.discard((uuid, name))


def _recorded_optional(store: Store, cls: str, ref: str) -> list[Source]:
    table = store.tables["host" if cls == "host" else "VM"]
    wanted = recorded(store, table[ref].get("uuid", ref))
    return [s for s in optional_sources(store, cls, ref) if s.name in wanted] if wanted else []


def _workload_sources(
    uuid: str,
    memory: int,
    ncpu: int,
    vifs: list[str],
    disks: list[str],
    funcs: dict[str, Callable[[float], float]],
) -> list[Source]:
    """The data sources of a VM running one of :mod:`workloads`."""

    def noise(name: str, t: float) -> float:
        return _noise(_seed(uuid, name), t)

    def share(f: Callable[[float], float], part: float) -> Callable[[float], float]:
        return lambda t: f(t) * part

    out = [
        Source(f"cpu{i}", "DERIVE", 0.0, 1.0, _clamped(workloads.with_noise(funcs["cpu"], noise, f"cpu{i}", 0.05)))
        for i in range(ncpu)
    ]
    out.append(Source("memory", "GAUGE", 0.0, math.inf, lambda t: float(memory)))
    out.append(Source("memory_target", "GAUGE", 0.0, math.inf, lambda t: float(memory)))
    used = workloads.with_noise(funcs["used_memory"], noise, "used", 0.01)
    out.append(Source("memory_internal_free", "GAUGE", 0.0, math.inf, lambda t: max(0.0, memory - used(t)) / KIB))
    for i, dev in enumerate(vifs):
        part = 1.0 if len(vifs) == 1 else (0.8 if i == 0 else 0.2 / (len(vifs) - 1))
        for d, ratio in (("rx", 0.25), ("tx", 0.75)):
            f = workloads.with_noise(share(funcs["net"], part * ratio), noise, f"vif{dev}{d}", 0.1)
            out.append(Source(f"vif_{dev}_{d}", "DERIVE", 0.0, math.inf, f))
    for dev in disks:
        for d in ("read", "write"):
            f = workloads.with_noise(share(funcs[f"disk_{d}"], 1.0 / len(disks)), noise, f"vbd{dev}{d}", 0.1)
            out.append(Source(f"vbd_{dev}_{d}", "DERIVE", 0.0, math.inf, f))
    return out


def _clamped(f: Callable[[float], float]) -> Callable[[float], float]:
    return lambda t: min(1.0, max(0.0, f(t)))


# ------------------------------------------------------------------ formatting
def fmt(v: float) -> str:
    """``%0.15g`` as xapi prints rrd values (``0.0`` for zero, ``NaN``, ``Infinity``)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "0.0"
    return f"{v:0.15g}"


def _cdp(source: Source, t: float, pdp: int, cf: str) -> float:
    """Consolidated value over the ``pdp`` steps ending at ``t`` (sampled, not exhaustive)."""
    if pdp == 1:
        return source.value(t)
    samples = [source.value(t - STEP * pdp * i / 8) for i in range(8)]
    if cf == "MIN":
        return min(samples)
    if cf == "MAX":
        return max(samples)
    return sum(samples) / len(samples)


def _choose_archive(start: int, interval: int, now: float) -> tuple[int, int]:
    for pdp, rows in ARCHIVES:
        if pdp >= interval / STEP and now - pdp * STEP * rows <= start:
            return pdp, rows
    return ARCHIVES[-1]


def _resolve(store: Store, query: Mapping[str, str], default_host: str) -> list[tuple[str, str, list[Source]]]:
    """(kind, uuid, sources) for every object the query asks about."""
    items: list[tuple[str, str, list[Source]]] = []
    target = default_host
    if query.get("host_uuid"):
        target = store.ref_by_uuid("host", query["host_uuid"]) or ""
        if not target:
            raise NotFound(f"no host with uuid {query['host_uuid']}")
    host = store.tables["host"].get(target)
    if host is not None and query.get("host", "").lower() == "true":
        items.append(("host", host.get("uuid", target), host_sources(store, target)))
    vm_uuids = _all(query, "vm_uuid")
    if vm_uuids:
        for u in vm_uuids:
            ref = store.ref_by_uuid("VM", u)
            if ref is not None:
                items.append(("vm", u, vm_sources(store, ref)))
    elif host is not None:
        # Every VM resident on the answering host, dom0 included.
        for ref in host.get("resident_VMs", []):
            if ref in store.tables["VM"]:
                items.append(("vm", store.tables["VM"][ref].get("uuid", ref), vm_sources(store, ref)))
    return items


def _all(query: Mapping[str, str], key: str) -> list[str]:
    getall = getattr(query, "getall", None)
    if getall is not None:
        return list(getall(key, []))
    value = query.get(key)
    return [value] if value else []


def _wants_json(query: Mapping[str, str], accept: str) -> bool:
    if "json" in query and query.get("json", "true").lower() not in ("false", "0"):
        return True
    return "application/json" in accept


def rrd_updates(
    store: Store, query: Mapping[str, str], default_host: str, accept: str = "", now: float | None = None
) -> tuple[bytes, str]:
    """The ``/rrd_updates`` answer: (body, content type)."""
    if "start" not in query:
        raise BadRequest("start parameter is required")
    try:
        start = int(float(query["start"]))
        interval = int(float(query.get("interval", "0") or 0))
    except ValueError:
        raise BadRequest("start and interval must be numbers") from None
    now = time.time() if now is None else now
    if start < 0:
        start = int(now) + start
    cf = query.get("cf") or "AVERAGE"
    if cf not in ("AVERAGE", "MIN", "MAX", "LAST"):
        raise BadRequest(f"unknown consolidation function {cf}")
    pdp, max_rows = _choose_archive(start, interval, now)
    step = pdp * STEP
    end = int(now) // step * step
    first = -(-start // step) * step
    nrows = 0 if start > end else min(max_rows, (end - first) // step + 1)
    times = [end - i * step for i in range(nrows)]
    items = _resolve(store, query, default_host)
    legend = [f"{cf}:{kind}:{uuid}:{s.name}" for kind, uuid, sources in items for s in sources]
    sources = [s for _, _, srcs in items for s in srcs]
    rows = [[fmt(_cdp(s, t, pdp, cf)) for s in sources] for t in times]
    if _wants_json(query, accept):
        doc = {
            "meta": {
                "start": str(first),
                "step": str(step),
                "end": str(end),
                "rows": str(nrows),
                "columns": str(len(legend)),
                "legend": legend,
            },
            "data": [{"t": str(t), "values": row} for t, row in zip(times, rows, strict=True)],
        }
        return json.dumps(doc).encode(), "application/json"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><xport><meta>',
        f"<start>{first}</start><step>{step}</step><end>{end}</end><rows>{nrows}</rows>",
        f"<columns>{len(legend)}</columns><legend>",
        *(f"<entry>{e}</entry>" for e in legend),
        "</legend></meta><data>",
    ]
    for t, row in zip(times, rows, strict=True):
        parts.append(f"<row><t>{t}</t>" + "".join(f"<v>{v}</v>" for v in row) + "</row>")
    parts.append("</data></xport>")
    return "".join(parts).encode(), "text/xml"


def _full_archive(
    sources: list[Source], rras: list[tuple[str, int, int]], as_json: bool, now: float
) -> tuple[bytes, str]:
    last = int(now)
    if as_json:
        doc = {
            "version": "0003",
            "step": str(STEP),
            "lastupdate": str(last),
            "ds": [
                {
                    "name": s.name,
                    "type": s.kind,
                    "minimal_heartbeat": "300.0",
                    "min": fmt(s.min),
                    "max": fmt(s.max),
                    "last_ds": fmt(s.value(last)),
                    "value": "0.0",
                    "unknown_sec": "0",
                }
                for s in sources
            ],
            "rra": [],
        }
        for cf, pdp, rows in rras:
            span = pdp * STEP
            top = last // span * span
            times = [top - (rows - 1 - i) * span for i in range(rows)]
            doc["rra"].append(  # type: ignore[attr-defined]
                {
                    "cf": cf,
                    "pdp_per_row": str(pdp),
                    "params": {"xff": "1.0" if cf in ("MIN", "MAX") else "0.5"},
                    "cdp_prep": {
                        "ds": [
                            {
                                "primary_value": "0.0",
                                "secondary_value": "0.0",
                                "value": "0.0",
                                "unknown_datapoints": "0",
                            }
                            for _ in sources
                        ]
                    },
                    "database": [[fmt(_cdp(s, t, pdp, cf)) for s in sources] for t in times],
                }
            )
        return json.dumps(doc).encode(), "application/json"
    parts = [f"<rrd><version>0003</version><step>{STEP}</step><lastupdate>{last}</lastupdate>"]
    for s in sources:
        parts.append(
            f"<ds><name>{s.name}</name><type>{s.kind}</type><minimal_heartbeat>300.0</minimal_heartbeat>"
            f"<min>{fmt(s.min)}</min><max>{fmt(s.max)}</max><last_ds>{fmt(s.value(last))}</last_ds>"
            "<value>0.0</value><unknown_sec>0</unknown_sec></ds>"
        )
    for cf, pdp, rows in rras:
        span = pdp * STEP
        top = last // span * span
        xff = "1.0" if cf in ("MIN", "MAX") else "0.5"
        parts.append(f"<rra><cf>{cf}</cf><pdp_per_row>{pdp}</pdp_per_row><params><xff>{xff}</xff></params><cdp_prep>")
        parts.extend(
            "<ds><primary_value>0.0</primary_value><secondary_value>0.0</secondary_value>"
            "<value>0.0</value><unknown_datapoints>0</unknown_datapoints></ds>"
            for _ in sources
        )
        parts.append("</cdp_prep><database>")
        for i in range(rows):
            t = top - (rows - 1 - i) * span
            parts.append("<row>" + "".join(f"<v>{fmt(_cdp(s, t, pdp, cf))}</v>" for s in sources) + "</row>")
        parts.append("</database></rra>")
    parts.append("</rrd>")
    return "".join(parts).encode(), "text/xml"


HOST_RRAS = [("AVERAGE", 1, 120)] + [(cf, pdp, rows) for pdp, rows in ARCHIVES[1:] for cf in ("AVERAGE", "MIN", "MAX")]
VM_RRAS = [("AVERAGE", pdp, rows) for pdp, rows in ARCHIVES]


def host_rrd(store: Store, query: Mapping[str, str], default_host: str, now: float | None = None) -> tuple[bytes, str]:
    """The full archive of one host (``uuid=`` extension, else the coordinator)."""
    ref = default_host
    if query.get("uuid"):
        ref = store.ref_by_uuid("host", query["uuid"]) or ""
    if ref not in store.tables["host"]:
        raise BadRequest("no such host")
    return _full_archive(
        host_sources(store, ref), HOST_RRAS, _wants_json(query, ""), time.time() if now is None else now
    )


def vm_rrd(store: Store, query: Mapping[str, str], now: float | None = None) -> tuple[bytes, str]:
    """The full archive of the VM ``uuid=``."""
    uuid = query.get("uuid")
    if not uuid:
        raise BadRequest("uuid parameter is required")
    ref = store.ref_by_uuid("VM", uuid)
    if ref is None:
        raise NotFound(f"no VM with uuid {uuid}")
    return _full_archive(vm_sources(store, ref), VM_RRAS, _wants_json(query, ""), time.time() if now is None else now)
