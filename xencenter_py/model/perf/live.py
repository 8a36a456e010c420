"""Live usage figures for many objects at once (the Search tab's CPU, memory, disk and
network columns): one ``/rrd_updates`` per host every 5 s brings the host's and all its
resident VMs' newest rows, so watching a whole pool costs one small request per host.

Per object the last rows are kept (for sparklines) and summed into four figures the way
XenCenter's search columns show them: CPU (mean over CPUs, %), used memory (bytes), disk
and network throughput (bytes per second).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from xencenter_py.model.listeners import add_listener
from xencenter_py.model.perf.archive import Ring
from xencenter_py.model.perf.routes import HostRoutes
from xencenter_py.xapi import rrd
from xencenter_py.xapi.errors import XapiClientError

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
ROWS = 24
"""Rows kept per object: two minutes of 5-second samples."""
FIGURES = ("cpu", "memory", "disk", "network")


def figures(kind: str, series: dict[str, list[float]], count: int) -> dict[str, list[float]]:
    """The four figures per row from an object's raw series."""
    out = {f: [math.nan] * count for f in FIGURES}
    for i in range(count):
        cpus = [v[i] for n, v in series.items() if n.startswith("cpu") and n[3:].isdigit() and math.isfinite(v[i])]
        out["cpu"][i] = 100.0 * sum(cpus) / len(cpus) if cpus else math.nan
        if kind == "host":
            total, free = series.get("memory_total_kib"), series.get("memory_free_kib")
            if total and free:
                out["memory"][i] = (total[i] - free[i]) * 1024.0
            nets = [v[i] for n, v in series.items() if n.startswith("pif_") and not n.startswith("pif_aggr_")]
        else:
            memory, free = series.get("memory"), series.get("memory_internal_free")
            if memory and free:
                out["memory"][i] = memory[i] - free[i] * 1024.0
            nets = [v[i] for n, v in series.items() if n.startswith("vif_") and n.endswith(("_rx", "_tx"))]
            disks = [v[i] for n, v in series.items() if n.startswith("vbd_") and n.endswith(("_read", "_write"))]
            out["disk"][i] = math.fsum(disks) if disks else math.nan
        nets = [v for v in nets if math.isfinite(v)]
        out["network"][i] = math.fsum(nets) if nets else math.nan
    return out


class LiveFeed:
    """Polls the hosts that serve the watched objects while someone watches."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.routes = HostRoutes(connection)
        self.rings: dict[str, Ring] = {}
        self.kinds: dict[str, str] = {}
        self.poll_seconds = POLL_SECONDS
        self.errors = 0
        self._objects: list[Any] = []
        self._last: dict[str, int] = {}
        self._listeners: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None

    def on_update(self, callback: Callable[[], None]) -> Callable[[], None]:
        return add_listener(self._listeners, callback)

    def watch(self, objects: Iterable[Any], *, start: bool = True) -> None:
        """Watch these hosts and VMs (replacing the previous set); polling starts unless
        ``start`` is false (then :meth:`poll_once` polls)."""
        self._objects = [o for o in objects if getattr(o, "cls", "") in ("host", "VM")]
        if start and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.routes.aclose()

    def hosts(self) -> list[Any]:
        """The live hosts serving the watched objects."""
        found: dict[str, Any] = {}
        for obj in self._objects:
            if not obj.exists:
                continue
            host = obj if obj.cls == "host" else (obj.resident_on if obj.get("power_state") == "Running" else None)
            if host is not None and host.is_live:
                found[host.ref] = host
        return list(found.values())

    def latest(self, uuid: str) -> dict[str, float]:
        """The newest value of each figure (NaN when unknown)."""
        ring = self.rings.get(uuid)
        out = dict.fromkeys(FIGURES, math.nan)
        if ring is None:
            return out
        for f in FIGURES:
            for v in reversed(ring.values.get(f, [])[-3:]):
                if math.isfinite(v):
                    out[f] = v
                    break
        return out

    def history(self, uuid: str, figure: str) -> list[float]:
        ring = self.rings.get(uuid)
        return list(ring.values.get(figure, [])) if ring is not None else []

    async def _run(self) -> None:
        while True:
            if self.connection.is_connected and self.connection.session is not None and await self.poll_once():
                for callback in list(self._listeners):
                    try:
                        callback()
                    except Exception:
                        log.exception("live performance listener failed")
            await asyncio.sleep(self.poll_seconds)

    async def poll_once(self) -> bool:
        """Ask every serving host once; True when new rows arrived. A host that fails is
        logged and skipped."""
        hosts = self.hosts()
        results = await asyncio.gather(*(self._poll(h) for h in hosts), return_exceptions=True)
        changed = False
        for host, result in zip(hosts, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                self.errors += 1
                log.warning("live performance data from %s skipped: %s", host.name, result)
            else:
                changed = result or changed
        return changed

    async def _poll(self, host: Any) -> bool:
        session = self.connection.session
        start = self._last.get(host.ref, int(session.server_now()) - ROWS * 5)

        async def fetch(channel: Any, named: str | None) -> tuple[bytes, str]:
            return await rrd.fetch_updates_body(channel, session.ref, start, host=True, host_uuid=named)

        body, ctype = await self.routes.ask(host, fetch)
        try:
            updates = await asyncio.get_running_loop().run_in_executor(None, rrd.parse, body, ctype)
        except (XapiClientError, ValueError) as exc:
            raise XapiClientError(f"malformed answer: {exc}") from None
        if not updates.timestamps:
            return False
        self._last[host.ref] = updates.timestamps[-1]
        per_object: dict[str, dict[str, list[float]]] = {}
        kinds: dict[str, str] = {}
        for name, legend in zip(updates.columns, updates.legends, strict=True):
            per_object.setdefault(legend.uuid, {})[legend.metric] = updates.series[name]
            kinds[legend.uuid] = legend.obj_type
        added = False
        for uuid, series in per_object.items():
            ring = self.rings.setdefault(uuid, Ring(updates.step, ROWS))
            self.kinds[uuid] = kinds[uuid]
            added = ring.merge(updates.timestamps, figures(kinds[uuid], series, len(updates.timestamps))) > 0 or added
        return added
