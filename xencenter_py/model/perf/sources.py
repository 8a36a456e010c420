"""What a data source name means: its friendly name, its unit, and how a raw RRD value
becomes a value in that unit; plus XenCenter's default graphs for a host or a VM."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from xencenter_py.i18n import gettext as _

PERCENT, BYTES, BYTES_PER_SECOND, NUMBER = "percent", "bytes", "bytes/s", "number"


@dataclass(frozen=True)
class SourceInfo:
    """How to show one data source: ``scale`` turns the raw RRD value into ``unit``."""

    name: str
    unit: str
    scale: float = 1.0


_CPU = re.compile(r"^cpu(\d+)$")
_NET = re.compile(r"^(pif|vif)_(.+)_(rx|tx)$")
_DISK = re.compile(r"^vbd_(.+)_(read|write)$")
_LATENCY = re.compile(r"^vbd_(.+)_(read|write)_latency$")
_ERRORS = re.compile(r"^(pif|vif)_(.+)_(rx|tx)_errors$")


def info(name: str) -> SourceInfo:
    """The unit of a data source, from xapi's naming conventions (§6.4)."""
    if _CPU.match(name) or name in ("cpu_avg", "cpu_usage"):
        return SourceInfo(name, PERCENT, 100.0)
    if name.endswith("_kib") or name == "memory_internal_free":
        return SourceInfo(name, BYTES, 1024.0)
    if name in ("memory", "memory_target", "memory_reclaimed", "memory_reclaimed_max"):
        return SourceInfo(name, BYTES)
    if _NET.match(name) or _DISK.match(name) or name.startswith(("pif_aggr_", "read_", "write_")):
        return SourceInfo(name, BYTES_PER_SECOND)
    return SourceInfo(name, NUMBER)


def friendly_name(name: str) -> str:
    """The name XenCenter's legend shows for a data source."""
    if m := _CPU.match(name):
        return _("CPU {number}").format(number=m.group(1))
    fixed = {
        "cpu_avg": _("Average CPU"),
        "memory_total_kib": _("Total Memory"),
        "memory_free_kib": _("Free Memory"),
        "memory": _("Total Memory"),
        "memory_target": _("Memory target"),
        "memory_internal_free": _("Free Memory"),
        "loadavg": _("Control domain load"),
        "pif_aggr_rx": _("Network receive (all NICs)"),
        "pif_aggr_tx": _("Network send (all NICs)"),
        "xapi_memory_usage_kib": _("Toolstack memory used"),
    }
    if name in fixed:
        return fixed[name]
    if m := _NET.match(name):
        kind, dev, way = m.groups()
        if kind == "pif":
            label = _("NIC {device} Receive") if way == "rx" else _("NIC {device} Send")
        else:
            label = _("Network {device} Receive") if way == "rx" else _("Network {device} Send")
        return label.format(device=dev)
    if m := _DISK.match(name):
        dev, way = m.groups()
        label = _("Disk {device} Read") if way == "read" else _("Disk {device} Write")
        return label.format(device=dev)
    if m := _LATENCY.match(name):
        dev, way = m.groups()
        label = _("Disk {device} Read Latency (μs)") if way == "read" else _("Disk {device} Write Latency (μs)")
        return label.format(device=dev)
    if m := _ERRORS.match(name):
        kind, dev, way = m.groups()
        if kind == "pif":
            label = _("NIC {device} Receive Errors") if way == "rx" else _("NIC {device} Send Errors")
        else:
            label = _("Network {device} Receive Errors") if way == "rx" else _("Network {device} Send Errors")
        return label.format(device=dev)
    return name


@dataclass
class GraphDef:
    """One graph: its title and the data sources it plots, in order."""

    title: str
    sources: list[str]

    def layout_value(self) -> str:
        """XenCenter's ``GraphLayout`` value: comma-separated data source names."""
        return ",".join(self.sources)


def _device_of(userdevice: Any) -> str:
    """The device name of a VBD that has none yet (``xvd`` + the position's letter)."""
    try:
        return "xvd" + "abcdefghijklmnop"[int(str(userdevice or 0))]
    except (ValueError, IndexError):
        return "xvda"


def default_graphs(obj: Any) -> list[GraphDef]:
    """XenCenter's default graphs (``GraphList.LoadDefaultGraphs``)."""
    if obj.cls == "host":
        cpus = sorted(int(c.get("number", i)) for i, c in enumerate(obj.host_cpus)) or list(range(obj.cpu_count))
        network: list[str] = []
        for pif in obj.pifs:
            dev = pif.get("device", "")
            network += [f"pif_{dev}_tx", f"pif_{dev}_rx"]
        return [
            GraphDef(_("CPU"), [f"cpu{n}" for n in cpus]),
            GraphDef(_("Memory"), ["memory_total_kib", "memory_free_kib"]),
            GraphDef(_("Network"), list(dict.fromkeys(network))),  # VLANs share their NIC's device
        ]
    vcpus = int(obj.get("VCPUs_max") or obj.get("VCPUs_at_startup") or 1)
    network = []
    for vif in obj.resolve_all("VIF", obj.get("VIFs")):
        dev = vif.get("device", "")
        network += [f"vif_{dev}_tx", f"vif_{dev}_rx"]
    disk: list[str] = []
    for vbd in obj.vbds:
        if vbd.get("type") == "CD" or vbd.get("empty"):
            continue
        dev = vbd.get("device") or _device_of(vbd.get("userdevice"))
        disk += [f"vbd_{dev}_read", f"vbd_{dev}_write"]
    return [
        GraphDef(_("CPU"), [f"cpu{n}" for n in range(vcpus)]),
        GraphDef(_("Memory"), ["memory", "memory_internal_free"]),
        GraphDef(_("Network"), network),
        GraphDef(_("Disk"), disk),
    ]
