"""One live console: connects a :class:`ConsoleScreen` to a VM's or server's console
through the tunnel, says why when it cannot, and reconnects when the domain comes back
(reboot, migration, a lost connection)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from xencenter_py.i18n import gettext as _
from xencenter_py.ui.console.screen import ConsoleScreen
from xencenter_py.xapi import ConnectionLost, XapiClientError
from xencenter_py.xapi.console import ConsoleRefused, close_quietly, open_tunnel
from xencenter_py.xapi.rfb import RfbClient, RfbError

log = logging.getLogger(__name__)

WATCHED = frozenset({"VM", "console", "host", "host_metrics"})
"""Classes whose changes may start, move or end a console."""
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)
"""Seconds before each further reconnection attempt (the last repeats)."""


def console_domain(obj: Any) -> Any:
    """The VM whose console an object shows (a server shows its control domain)."""
    if getattr(obj, "cls", "") == "host":
        return obj.resolve("VM", obj.get("control_domain"))
    return obj


def unavailable_reason(obj: Any) -> str:
    """Why ``obj`` has no console to show now ("" when it has one)."""
    conn = obj.connection
    if conn is not None and not conn.is_connected:
        return _("The connection to the pool has been lost. The console will return when it is restored.")
    if getattr(obj, "cls", "") == "host" and not obj.is_live:
        return _("This server cannot be contacted.")
    vm = console_domain(obj)
    if vm is None or not vm.exists:
        return _("This console is no longer available.")
    state = vm.power_state
    if state == "Halted":
        return _("This VM is shut down. Start it to see its console.")
    if state == "Suspended":
        return _("This VM is suspended. Resume it to see its console.")
    if state != "Running" and state != "Paused":
        return _("This VM is not running.")
    if not console_location(vm):
        return _("This VM has no graphical console.")
    return ""


def console_location(vm: Any) -> str:
    for console in vm.resolve_all("console", vm.get("consoles")):
        if console.get("protocol") == "rfb" and console.get("location"):
            return str(console.get("location"))
    return ""


def failure_text(exc: BaseException) -> str:
    if isinstance(exc, ConsoleRefused):
        if exc.status == 403:
            return _("You do not have permission to open this console.")
        if exc.status == 401:
            return _("The server did not accept the session for this console.")
        return _("The server refused the console connection (HTTP {status}).").format(status=exc.status)
    if isinstance(exc, RfbError):
        return _("The console spoke a protocol this viewer does not understand: {error}").format(error=exc)
    return _("The console connection was lost: {error}").format(error=exc)


class ConsoleSession(QObject):
    """Keeps ``screen`` connected to ``obj``'s console until :meth:`stop`."""

    status_changed = Signal()

    def __init__(self, obj: Any, screen: ConsoleScreen, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.obj = obj
        self.screen = screen
        self.message = ""
        """Why nothing is shown ("" while the screen is live)."""
        self.connected = False
        self.location = ""
        self._changed = asyncio.Event()
        self._writer: Any = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: list[Any] = []

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        if not self._unsubscribe:
            self._unsubscribe.append(self.obj.cache.subscribe(self._cache_changed))
            conn = self.obj.connection
            if conn is not None:
                self._unsubscribe.append(conn.on_state(lambda *_: self.poke()))

    def stop(self) -> None:
        """Close the stream and stop (frees the connection)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._close()
        self.screen.detach()
        self.connected = False

    def _cache_changed(self, batch: list[Any]) -> None:
        if any(change.cls in WATCHED for change in batch):
            self.poke()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def poke(self) -> None:
        """Something about the object changed: reconnect at once if the console moved
        (migration, reboot on another host) or came back."""
        vm = console_domain(self.obj)
        location = console_location(vm) if vm is not None and vm.exists else ""
        if self.connected and location != self.location:
            self._close()
        self._changed.set()

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def _set(self, message: str, connected: bool = False) -> None:
        if (message, connected) != (self.message, self.connected):
            self.message, self.connected = message, connected
            try:
                self.status_changed.emit()
            except RuntimeError:  # the view went away without stopping us (window destroyed)
                self.stop()
                raise asyncio.CancelledError from None

    async def _wait_change(self, delay: float | None) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), delay)

    async def _run(self) -> None:
        attempt = 0
        while True:
            reason = unavailable_reason(self.obj)
            if reason:
                self._set(reason)
                attempt = 0
                await self._wait_change(None)
                continue
            vm = console_domain(self.obj)
            self.location = console_location(vm)
            self._set(_("Connecting to the console…") if attempt == 0 else _("Reconnecting to the console…"))
            problem = await self._show(self.obj.connection.session)
            if problem is not None and not unavailable_reason(self.obj):
                self._set(problem)
            attempt += 1
            await self._wait_change(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])

    async def _show(self, session: Any) -> str | None:
        """Connect and show the console until the stream ends; returns what went wrong."""
        writer = None
        try:
            reader, writer = await open_tunnel(self.location, session.ref, session.ssl_context)
            self._writer = writer
            client = RfbClient(reader, writer)
            await client.handshake()
            self.screen.attach(client)
            self._set("", connected=True)
            await client.run()
            return None
        except (XapiClientError, OSError) as e:
            if isinstance(e, ConnectionLost) and self._writer is None and writer is not None:
                return None  # closed on purpose (the console moved): reconnect quietly
            log.info("console of %s: %s", getattr(self.obj, "name", "?"), e)
            return failure_text(e)
        except Exception as e:  # a broken server must not end the session for good
            log.exception("console of %s failed", getattr(self.obj, "name", "?"))
            return failure_text(e)
        finally:
            self.screen.detach()
            if writer is not None:
                self._writer = None
                await close_quietly(writer)
