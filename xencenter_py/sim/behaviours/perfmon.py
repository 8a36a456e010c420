"""XAPI's perfmon: performance alarms from the thresholds in ``other_config["perfmon"]``.

Like the ``perfmon`` daemon of a XenServer host, the simulator reads each running VM's and
live host's perfmon XML and, when a variable stays past its ``alarm_trigger_level`` for
``alarm_trigger_period`` seconds, raises an ``ALARM`` message (priority 3) whose body is
perfmon's (``value: ...`` then the variable's configuration); it then stays quiet for
``alarm_auto_inhibit_period`` seconds. Values come from the simulator's data sources (the
ones ``/rrd_updates`` serves); periods are simulated seconds (``--speed`` applies).

Variables: VM ``cpu_usage`` (mean of the vCPUs, 0..1), ``network_usage`` and
``disk_usage`` (bytes/s, all VIFs / VBDs); host ``cpu_usage``, ``network_usage`` and
``memory_free_kib`` (an alarm when free memory falls *below* the level).

The monitor starts with the first perfmon configuration written, so a simulator nobody
configures does no work for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import xml.etree.ElementTree as ET
from typing import Any

from xencenter_py.sim import rrd
from xencenter_py.sim.behaviours.common import now

log = logging.getLogger(__name__)

CHECK_INTERVAL = 1.0
"""Real seconds between two looks at the values."""

ALARM_PRIORITY = 3
BELOW = frozenset({"memory_free_kib"})
"""Variables that alarm when the value falls under the level."""


def parse(xml: str) -> list[dict[str, Any]]:
    """The perfmon variables of one object (malformed ones are ignored, as perfmon does)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return []
    out = []
    for var in root.iter("variable"):
        values = {child.tag: child.get("value") for child in var}
        try:
            level = float(values.get("alarm_trigger_level") or "")
        except ValueError:
            continue
        name = values.get("name")
        if not name:
            continue
        try:
            period = float(values.get("alarm_trigger_period") or 60)
            inhibit = float(values.get("alarm_auto_inhibit_period") or 3600)
        except ValueError:
            period, inhibit = 60.0, 3600.0
        out.append({"name": name, "level": level, "period": period, "inhibit": inhibit, "raw": values})
    return out


def _value(sources: list[rrd.Source], cls: str, name: str, t: float) -> float | None:
    by_name = {s.name: s for s in sources}
    if name == "cpu_usage":
        if cls == "host" and "cpu_avg" in by_name:
            return by_name["cpu_avg"].value(t)
        cpus = [s.value(t) for s in sources if s.name.startswith("cpu") and s.name[3:].isdigit()]
        return sum(cpus) / len(cpus) if cpus else None
    if name == "network_usage":
        prefix = "vif_" if cls == "VM" else "pif_"
        return sum(s.value(t) for s in sources if s.name.startswith(prefix))
    if name == "disk_usage" and cls == "VM":
        return sum(s.value(t) for s in sources if s.name.startswith("vbd_"))
    if name in by_name:
        return by_name[name].value(t)
    return None


def body(value: float, variable: dict[str, Any]) -> str:
    """The message body perfmon writes."""
    raw = variable["raw"]
    lines = [f'\t<{k} value="{raw[k]}"/>' for k in raw if raw[k] is not None]
    return f"value: {value:.6f}\nconfig:\n<variable>\n" + "\n".join(lines) + "\n</variable>\n"


class Monitor:
    """Watches the perfmon thresholds of one simulator."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.task: asyncio.Task[None] | None = None
        self.since: dict[tuple[str, str], float] = {}  # (ref, variable) -> simulated time it went past
        self.quiet_until: dict[tuple[str, str], float] = {}
        self.started = time.monotonic()

    def simulated(self) -> float:
        return (time.monotonic() - self.started) * self.sim.speed

    def __call__(self, op: str, cls: str, ref: str) -> None:
        if self.task is not None or op == "del" or cls not in ("VM", "host"):
            return
        rec = self.sim.store.all(cls).get(ref) or {}
        if "perfmon" not in (rec.get("other_config") or {}):
            return
        with contextlib.suppress(RuntimeError):  # no loop: a store filled before serving
            self.task = asyncio.get_running_loop().create_task(self.run(), name="perfmon")

    async def run(self) -> None:
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            try:
                self.check()
            except Exception:
                log.exception("perfmon check failed")

    def check(self) -> None:
        store = self.sim.store
        t_sim, t_wall = self.simulated(), time.time()
        for cls, alive in (("VM", lambda r: r.get("power_state") == "Running"), ("host", lambda r: True)):
            for ref, rec in list(store.all(cls).items()):
                xml = (rec.get("other_config") or {}).get("perfmon")
                if not xml or not alive(rec) or rec.get("is_control_domain"):
                    continue
                sources = rrd.vm_sources(store, ref) if cls == "VM" else rrd.host_sources(store, ref)
                for variable in parse(xml):
                    self._evaluate(cls, ref, rec, sources, variable, t_sim, t_wall)

    def _evaluate(self, cls: str, ref: str, rec: dict[str, Any], sources: list[rrd.Source],
                  variable: dict[str, Any], t_sim: float, t_wall: float) -> None:  # fmt: skip
        key = (ref, variable["name"])
        value = _value(sources, cls, variable["name"], t_wall)
        if value is None:
            return
        past = value < variable["level"] if variable["name"] in BELOW else value > variable["level"]
        if not past:
            self.since.pop(key, None)
            return
        start = self.since.setdefault(key, t_sim)
        if t_sim - start < variable["period"] or t_sim < self.quiet_until.get(key, 0.0):
            return
        self.sim.store.add(
            "message",
            {
                "name": "ALARM",
                "priority": ALARM_PRIORITY,
                "cls": "VM" if cls == "VM" else "Host",
                "obj_uuid": rec.get("uuid", ""),
                "body": body(value, variable),
                "timestamp": now(),
            },
        )
        self.quiet_until[key] = t_sim + variable["inhibit"]
        self.since.pop(key, None)


def attach(sim: Any) -> None:
    """Simulator start-up hook: start watching once a perfmon configuration appears."""
    monitor = Monitor(sim)
    sim.store.subscribe(monitor)
    for cls in ("VM", "host"):
        for ref in list(sim.store.all(cls)):
            monitor("mod", cls, ref)
