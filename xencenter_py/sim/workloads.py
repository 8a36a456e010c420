"""Workloads from the seed deck, so the demo pool's graphs show something true.

A VM whose ``other_config:simulator-workload`` names a workload gets its CPU, memory,
network and disk data from it instead of plain noise (simulator extension, see
docs/SIMULATOR-EXTENSIONS.md):

- ``dbhammer``: the deck's DBHammer test (SQL server, 4 vCPU, 7 GB). The client count
  follows the working day; CPU follows the deck's table by client count and by whether the
  host's CPU has EPT (E5405 without EPT vs E5570 with it), so migrating the VM between the
  demo hosts changes its CPU graph as the deck says;
- ``xenapp``: a XenApp farm member whose user sessions follow a working day (the deck's
  75-user test, shared by four servers);
- ``web``: a web server behind a load balancer (the deck's SPECweb slide): the same offered
  load on 1, 2 and 4 vCPU servers, with the multi-processor overhead the slide measures.

Every value is a function of time (day/night and weekday/weekend in the simulator's local
time), so the 1-hour, 1-day and 1-year archives are "pre-filled" with a plausible history
from the first start.
"""

from __future__ import annotations

import time
from collections.abc import Callable

KEY = "simulator-workload"
"""VM ``other_config`` key naming the workload."""

DBHAMMER_CLIENTS = (200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400)
DBHAMMER_CPU_E5405 = (14.7, 29.7, 44.2, 56.7, 70.0, 79.1, 87.1, 95.0)
DBHAMMER_CPU_E5570 = (8.7, 17.5, 26.3, 33.7, 41.9, 49.0, 57.5, 64.8, 70.5, 78.6, 85.1, 90.2)
DBHAMMER_TPS_E5405 = (1831, 3647, 5420, 7218, 8932, 10852, 12615, 13708)
DBHAMMER_TPS_E5570 = (1832, 3654, 5453, 7176, 8972, 10874, 12678, 14392, 15898, 17625, 19433, 20978)
"""The deck's "EPT performance results" table (average % CPU, max transactions/s)."""

XENAPP_USERS = 75
XENAPP_SERVERS = 4
SPECWEB_EFFICIENCY = {1: 1.0, 2: 0.92, 4: 0.78}
"""Work done per vCPU relative to one vCPU (multi-processor overhead)."""

_OFFSET = -time.timezone


def local_hour(t: float) -> float:
    return ((t + _OFFSET) % 86400) / 3600.0


def is_weekend(t: float) -> bool:
    return (int((t + _OFFSET) // 86400) + 3) % 7 >= 5  # 1970-01-01 was a Thursday


def _ramp(hour: float, start: float, end: float) -> float:
    """0 before ``start``, 1 after ``end``, linear between."""
    if hour <= start:
        return 0.0
    if hour >= end:
        return 1.0
    return (hour - start) / (end - start)


def office_day(t: float) -> float:
    """Share of the working population busy (0..1): morning ramp, lunch dip, evening
    ramp down; weekends nearly idle."""
    h = local_hour(t)
    level = _ramp(h, 7.5, 9.5) - _ramp(h, 17.0, 19.5)
    if 12.0 <= h < 13.0:
        level *= 0.62
    return max(0.0, level) * (0.08 if is_weekend(t) else 1.0)


def web_day(t: float) -> float:
    """Public web traffic (0..1): low at night, busy in the day, peaking in the evening."""
    h = local_hour(t)
    level = 0.15 + 0.45 * _ramp(h, 6.0, 10.0) + 0.4 * _ramp(h, 18.0, 21.0) - 0.85 * _ramp(h, 22.5, 24.0)
    return max(0.1, level) * (1.15 if is_weekend(t) else 1.0)


def _interp(x: float, xs: tuple[int, ...], ys: tuple[float, ...]) -> float:
    """Piecewise-linear through the table, through the origin below it and flat (at
    saturation) beyond it."""
    if x <= xs[0]:
        return ys[0] * max(0.0, x) / xs[0]
    for i in range(1, len(ys)):
        if x <= xs[i]:
            f = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return ys[i - 1] + f * (ys[i] - ys[i - 1])
    return ys[len(ys) - 1]


def dbhammer_clients(t: float) -> float:
    """DBHammer clients: about 100 at night, 1,600 at the morning peak, 1,000 over lunch."""
    return 100.0 + 1500.0 * office_day(t)


def dbhammer_cpu(clients: float, ept: bool) -> float:
    """Average CPU utilisation (0..1) for ``clients`` on an E5570 (EPT) or E5405 host."""
    if ept:
        return min(1.0, _interp(clients, DBHAMMER_CLIENTS, DBHAMMER_CPU_E5570) / 100.0)
    over = max(0.0, clients - DBHAMMER_CLIENTS[7])
    base = _interp(clients, DBHAMMER_CLIENTS[:8], DBHAMMER_CPU_E5405)
    return min(1.0, (base + over * 0.025) / 100.0)  # saturates past 1,600 clients


def dbhammer_tps(clients: float, ept: bool) -> float:
    if ept:
        return _interp(clients, DBHAMMER_CLIENTS, DBHAMMER_TPS_E5570)
    return _interp(min(clients, 1600.0), DBHAMMER_CLIENTS[:8], DBHAMMER_TPS_E5405)


def xenapp_sessions(t: float) -> float:
    return XENAPP_USERS / XENAPP_SERVERS * office_day(t)


def web_cpu(t: float, vcpus: int) -> float:
    """Per-vCPU utilisation of a web server with ``vcpus`` serving a third of the load."""
    offered = 0.9 * web_day(t)  # what one vCPU alone would need at the evening peak
    efficiency = SPECWEB_EFFICIENCY.get(vcpus, max(0.6, 1.0 - 0.055 * (vcpus - 1)))
    return min(1.0, offered / (vcpus * efficiency))


Noise = Callable[[str, float], float]
"""``noise(series, t)`` in [-1, 1], deterministic per series and step."""


def vm_values(workload: str, vcpus: int, memory: float, ept: bool) -> dict[str, Callable[[float], float]] | None:
    """Value functions for a workload's series (``cpu``, ``used_memory`` in bytes, ``net``
    and ``disk_read``/``disk_write`` in bytes per second), or None for an unknown one."""
    if workload == "dbhammer":

        def cpu(t: float) -> float:
            return dbhammer_cpu(dbhammer_clients(t), ept)

        def used(t: float) -> float:
            return min(memory * 0.92, 1.5 * 1024**3 + dbhammer_clients(t) * 2.5 * 1024**2)

        def tps(t: float) -> float:
            return dbhammer_tps(dbhammer_clients(t), ept)

        return {
            "cpu": cpu,
            "used_memory": used,
            "net": lambda t: tps(t) * 2048,
            "disk_read": lambda t: tps(t) * 16384,
            "disk_write": lambda t: tps(t) * 8192,
        }
    if workload == "xenapp":
        return {
            "cpu": lambda t: min(1.0, 0.03 + 0.042 * xenapp_sessions(t) / max(1, vcpus / 2)),
            "used_memory": lambda t: min(memory * 0.95, 1.2 * 1024**3 + xenapp_sessions(t) * 100 * 1024**2),
            "net": lambda t: 2000 + xenapp_sessions(t) * 30_000,
            "disk_read": lambda t: 5000 + xenapp_sessions(t) * 40_000,
            "disk_write": lambda t: 3000 + xenapp_sessions(t) * 25_000,
        }
    if workload == "web":
        return {
            "cpu": lambda t: web_cpu(t, vcpus),
            "used_memory": lambda t: min(memory * 0.9, 300 * 1024**2 + web_day(t) * 0.4 * memory),
            "net": lambda t: web_day(t) * 6e6,
            "disk_read": lambda t: 20_000 + web_day(t) * 300_000,
            "disk_write": lambda t: 10_000 + web_day(t) * 50_000,
        }
    return None


def with_noise(
    f: Callable[[float], float], noise: Noise, name: str, amount: float, floor: float = 0.0
) -> Callable[[float], float]:
    """``f`` plus a little deterministic noise, never below ``floor``."""

    def value(t: float) -> float:
        v = f(t)
        return max(floor, v * (1.0 + amount * noise(name, t)))

    return value


def host_activity(t: float) -> float:
    """Factor on a host's own load: quieter at night and at weekends."""
    return 0.45 + 0.75 * office_day(t)
