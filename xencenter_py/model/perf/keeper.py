"""Archive keepers: the performance history of each watched host or VM, kept current.

After XenCenter's ``ArchiveMaintainer``, done better: on first view the full history comes
from ``/host_rrds`` or ``/vm_rrds``; then every 5 s ``/rrd_updates`` (``cf=AVERAGE``) brings
the rows newer than the last one kept, and each coarser resolution is refreshed when its
interval has passed. Each host serves its own data and its resident VMs' data, so a
request goes to the host at its own address (:mod:`routes`); a VM is followed when it
migrates or restarts elsewhere. Times are the server's. Big answers are parsed in a
worker thread; a malformed or truncated answer is logged and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xencenter_py.model.listeners import add_listener
from xencenter_py.model.perf.archive import RESOLUTIONS, ObjectArchive
from xencenter_py.model.perf.routes import HostRoutes
from xencenter_py.xapi import rrd
from xencenter_py.xapi.errors import XapiClientError
from xencenter_py.xapi.transport import HttpChannel

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
PARSE_IN_THREAD = 64 * 1024
"""Answers bigger than this are parsed in a worker thread."""

LIFECYCLE_MESSAGES = {
    "VM_STARTED": "start",
    "VM_SHUTDOWN": "shutdown",
    "VM_REBOOTED": "reboot",
    "VM_RESUMED": "resume",
    "VM_SUSPENDED": "suspend",
    "VM_MIGRATED": "migrate",
    "VM_CRASHED": "crash",
}


@dataclass(frozen=True)
class LifecycleEvent:
    """A VM lifecycle event on the time axis: server epoch seconds and what happened
    (``start``, ``shutdown``, ``reboot``, ``suspend``, ``resume``, ``migrate``, ``crash``)."""

    time: float
    kind: str
    detail: str = ""


HistorySink = Callable[[str, str, list[int], dict[str, list[float]]], None]
"""Receives every batch of 5-second rows: (kind, uuid, times, series)."""


def _to_epoch(value: Any) -> float | None:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return value.timestamp()
    return None


class ArchiveKeeper:
    """The history of one host or VM of a connection, polled while someone watches it."""

    def __init__(self, connection: Any, obj: Any, history: HistorySink | None = None) -> None:
        self.connection = connection
        self.obj = obj
        self.kind = "host" if obj.cls == "host" else "vm"
        self.uuid: str = obj.uuid
        self.archive = ObjectArchive()
        self.events: list[LifecycleEvent] = []
        self.history = history
        self.poll_seconds = POLL_SECONDS
        self.loaded = False
        self.errors = 0
        self.last_error = ""
        self._listeners: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self.routes = HostRoutes(connection)
        self._last_poll: dict[int, float] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._state = self._vm_state()

    # -- watching -------------------------------------------------------------------------
    def on_update(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` after new rows or events arrive; returns an unsubscribe function."""
        return add_listener(self._listeners, callback)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._load_message_events()
        self._unsubscribe = self.connection.cache.subscribe(self._cache_changed)
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.routes.aclose()

    def server_now(self) -> float:
        session = getattr(self.connection, "session", None)
        if session is not None:
            return float(session.server_now())
        import time

        return time.time()

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:
                log.exception("performance listener failed")

    # -- where to ask -----------------------------------------------------------------------
    def _vm_state(self) -> tuple[str, str]:
        if self.kind != "vm":
            return ("", "")
        rec = self.obj.record
        return (str(rec.get("power_state", "")), str(rec.get("resident_on", "")))

    def serving_host(self) -> Any:
        """The host whose rrdd holds the data now (a VM's resident host; None: coordinator)."""
        if self.kind == "host":
            return self.obj
        return self.obj.resident_on if self.obj.get("power_state") in ("Running", "Paused") else None

    def is_live(self) -> bool:
        """Whether the object produces data now (a gap follows otherwise)."""
        if self.kind == "host":
            return bool(self.obj.exists and self.obj.is_live)
        return bool(self.obj.exists and self.obj.get("power_state") in ("Running", "Paused"))

    async def _ask(self, work: Any) -> Any:
        return await self.routes.ask(self.serving_host(), work)

    @property
    def requests(self) -> list[str]:
        """The last addresses asked (diagnostics and tests)."""
        return self.routes.requests

    # -- polling ----------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            session = getattr(self.connection, "session", None)
            if session is not None and self.connection.is_connected:
                try:
                    if not self.loaded:
                        await self._load_full()
                    elif self.is_live():
                        await self._poll()
                except asyncio.CancelledError:
                    raise
                except (XapiClientError, ValueError) as exc:
                    self.errors += 1
                    self.last_error = str(exc)
                    log.warning("performance data for %s %s skipped: %s", self.kind, self.uuid, exc)
                    self._notify()  # views say what went wrong
                except Exception as exc:
                    self.errors += 1
                    self.last_error = str(exc) or type(exc).__name__
                    log.exception("performance data for %s %s failed", self.kind, self.uuid)
                    self._notify()
            await asyncio.sleep(self.poll_seconds)

    async def update_once(self) -> None:
        """Load the full history if not done yet, else fetch what is new (one poll)."""
        if not self.loaded:
            await self._load_full()
        await self._poll()

    async def _parse(self, parse: Callable[[bytes], Any], body: bytes) -> Any:
        if len(body) > PARSE_IN_THREAD:
            return await asyncio.get_running_loop().run_in_executor(None, parse, body)
        return parse(body)

    async def _load_full(self) -> None:
        ref = self.connection.session.ref

        async def fetch(channel: HttpChannel, named: str | None) -> bytes:
            if self.kind == "vm":
                return await rrd.fetch_full_body(channel, ref, vm_uuid=self.uuid)
            return await rrd.fetch_full_body(channel, ref, host_uuid=named or self.uuid)

        body = await self._ask(fetch)
        full: rrd.FullArchive = await self._parse(rrd.parse_full, body)
        for step in RESOLUTIONS:
            if step in full.archives:
                times, series = full.archives[step]
                self.archive.merge(step, times, series)
        now = asyncio.get_running_loop().time()
        self._last_poll = dict.fromkeys(RESOLUTIONS, now)
        self.loaded = True
        self._notify()

    async def _poll(self) -> None:
        now = asyncio.get_running_loop().time()
        added = False
        for step in RESOLUTIONS:
            if step != RESOLUTIONS[0] and now - self._last_poll.get(step, 0.0) < step:
                continue
            added = await self._poll_one(step) or added
            self._last_poll[step] = now
        if added:
            self._notify()

    async def _poll_one(self, step: int) -> bool:
        ring = self.archive.rings[step]
        start = ring.last if ring.last is not None else int(self.server_now()) - 600
        ref = self.connection.session.ref

        async def fetch(channel: HttpChannel, named: str | None) -> tuple[bytes, str]:
            return await rrd.fetch_updates_body(
                channel,
                ref,
                start,
                host=self.kind == "host",
                vm_uuids=[self.uuid] if self.kind == "vm" else [],
                interval=step,
                host_uuid=named,
            )

        body, ctype = await self._ask(fetch)
        updates: rrd.RrdUpdates = await self._parse(lambda b: rrd.parse(b, ctype), body)
        series = updates.for_object(self.uuid)
        if not updates.timestamps or not series:
            return False
        target = updates.step if updates.step in self.archive.rings else step
        added = self.archive.merge(target, updates.timestamps, series)
        if added and target == RESOLUTIONS[0] and self.history is not None:
            n = len(updates.timestamps)
            try:
                self.history(
                    self.kind, self.uuid, updates.timestamps[-added:], {k: v[n - added :] for k, v in series.items()}
                )
            except Exception:
                log.exception("local performance history failed")
        return added > 0

    # -- lifecycle events ---------------------------------------------------------------
    def _load_message_events(self) -> None:
        if self.kind != "vm":
            return
        for message in self.connection.cache.all("message"):
            self._message_event(message.record)

    def _message_event(self, record: dict[str, Any]) -> bool:
        """Add the lifecycle event a pool message (``VM_STARTED``...) records, once."""
        kind = LIFECYCLE_MESSAGES.get(str(record.get("name", "")))
        when = _to_epoch(record.get("timestamp"))
        if not kind or when is None or record.get("obj_uuid") != self.uuid:
            return False
        if any(e.kind == kind and abs(e.time - when) < 30 for e in self.events):
            return False  # already seen as a power state change
        self.events.append(LifecycleEvent(when, kind))
        self.events.sort(key=lambda e: e.time)
        return True

    def _cache_changed(self, batch: list[Any]) -> None:
        if self.kind != "vm":
            return
        added = False
        for change in batch:
            if change.cls == "message" and change.op == "add":
                record = self.connection.cache.record("message", change.ref)
                added = (record is not None and self._message_event(record)) or added
        if added:
            self._notify()
        if not any(c.cls == "VM" and c.ref == self.obj.ref for c in batch):
            return
        before, self._state = self._state, self._vm_state()
        (old_power, old_host), (power, host) = before, self._state
        kind = ""
        if old_power != power:
            kind = {"Running": "resume" if old_power in ("Suspended", "Paused") else "start", "Halted": "shutdown"}.get(
                power, "suspend" if power == "Suspended" else ""
            )
        elif power == "Running" and old_host != host and host:
            kind = "migrate"
        now = self.server_now()
        if kind and not any(e.kind == kind and abs(e.time - now) < 30 for e in self.events):
            resident = self.obj.resident_on
            self.events.append(LifecycleEvent(now, kind, resident.name if resident is not None else ""))
            self._notify()


class KeeperRegistry:
    """One keeper per watched object, shared by every view that shows it; a keeper polls
    while at least one view holds it and stops when the last one lets go."""

    def __init__(self) -> None:
        self._keepers: dict[tuple[int, str], tuple[ArchiveKeeper, int]] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self.history: HistorySink | None = None

    def acquire(self, connection: Any, obj: Any) -> ArchiveKeeper:
        key = (id(connection), obj.uuid)
        keeper, count = self._keepers.get(key, (None, 0))
        if keeper is None:
            keeper = ArchiveKeeper(connection, obj, self.history)
        self._keepers[key] = (keeper, count + 1)
        keeper.start()
        return keeper

    def release(self, keeper: ArchiveKeeper) -> None:
        key = (id(keeper.connection), keeper.uuid)
        held = self._keepers.get(key)
        if held is None or held[0] is not keeper:
            return
        count = held[1] - 1
        if count > 0:
            self._keepers[key] = (keeper, count)
            return
        del self._keepers[key]
        task = asyncio.ensure_future(keeper.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def watched(self) -> list[ArchiveKeeper]:
        return [k for k, _n in self._keepers.values()]


registry = KeeperRegistry()
"""The console's keepers (the Performance tab, the Search tab's sparklines)."""
