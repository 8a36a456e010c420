"""Hand-built XAPI records for rule tests (full records from the datamodel's defaults)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from xencenter_py.datamodel import NULL_REF
from xencenter_py.datamodel import load as load_datamodel
from xencenter_py.model.connection import Connection


class PoolBuilder:
    """Builds consistent tables (both sides of every relation filled in)."""

    def __init__(self, name: str = "") -> None:
        self.dm = load_datamodel()
        self.tables: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._n = 0
        self.pool = self.add("pool", name_label=name)

    def add(self, cls: str, **fields: Any) -> str:
        self._n += 1
        ref = f"OpaqueRef:{cls.lower()}-{self._n:04d}"
        rec = self.dm.default_record(cls)
        rec["uuid"] = f"uuid-{cls.lower()}-{self._n:04d}"
        rec.update(fields)
        self.tables[cls][ref] = rec
        return ref

    def rec(self, cls: str, ref: str) -> dict[str, Any]:
        return self.tables[cls][ref]

    def _link(self, cls: str, ref: str, field: str, other: str) -> None:
        self.rec(cls, ref)[field] = [*self.rec(cls, ref)[field], other]

    def host(self, name: str, *, live: bool = True, coordinator: bool = False, **fields: Any) -> str:
        metrics = self.add("host_metrics", live=live, memory_total=8 << 30, memory_free=4 << 30)
        host = self.add("host", name_label=name, metrics=metrics, enabled=True, **fields)
        if coordinator or self.rec("pool", self.pool)["master"] == NULL_REF:
            self.rec("pool", self.pool)["master"] = host
        dom0 = self.add(
            "VM",
            name_label=f"Control domain on host: {name}",
            is_control_domain=True,
            power_state="Running",
            resident_on=host,
        )
        self._link("host", host, "resident_VMs", dom0)
        return host

    def vm(self, name: str, power: str = "Halted", *, host: str | None = None, **fields: Any) -> str:
        ops = {
            "Halted": ["start", "start_on", "copy", "destroy"],
            "Running": ["clean_shutdown", "clean_reboot", "hard_shutdown", "hard_reboot", "suspend", "pause"],
            "Suspended": ["resume", "hard_shutdown"],
            "Paused": ["unpause", "hard_shutdown"],
        }[power]
        fields.setdefault("allowed_operations", ops)
        vm = self.add(
            "VM",
            name_label=name,
            power_state=power,
            resident_on=host if power in ("Running", "Paused") and host else NULL_REF,
            **fields,
        )
        if power in ("Running", "Paused") and host:
            self._link("host", host, "resident_VMs", vm)
        return vm

    def template(self, name: str, default: bool = False, **fields: Any) -> str:
        oc = {"default_template": "true"} if default else {}
        oc.update(fields.pop("other_config", {}))
        return self.add("VM", name_label=name, is_a_template=True, other_config=oc, **fields)

    def snapshot(self, of: str, name: str, **fields: Any) -> str:
        snap = self.add("VM", name_label=name, is_a_template=True, is_a_snapshot=True, snapshot_of=of, **fields)
        self._link("VM", of, "snapshots", snap)
        return snap

    def sr(self, name: str, type: str = "nfs", *, shared: bool = True, hosts: list[str] = (), **fields: Any) -> str:
        sr = self.add("SR", name_label=name, type=type, shared=shared, **fields)
        for h in hosts:
            pbd = self.add("PBD", SR=sr, host=h, currently_attached=True)
            self._link("SR", sr, "PBDs", pbd)
            self._link("host", h, "PBDs", pbd)
        return sr

    def disk(self, vm: str, sr: str, name: str = "disk") -> str:
        vdi = self.add("VDI", name_label=name, SR=sr, managed=True)
        self._link("SR", sr, "VDIs", vdi)
        vbd = self.add("VBD", VM=vm, VDI=vdi, type="Disk")
        self._link("VDI", vdi, "VBDs", vbd)
        self._link("VM", vm, "VBDs", vbd)
        return vdi

    def network(self, name: str, **fields: Any) -> str:
        return self.add("network", name_label=name, **fields)

    def connection(self, name: str = "test") -> Connection:
        return Connection.from_records(name, {c: dict(t) for c, t in self.tables.items()})
