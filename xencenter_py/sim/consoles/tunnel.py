"""XAPI's console handler: ``CONNECT /console?ref=...&session_id=...`` on the API port,
answered ``200 OK`` and then carrying an RFB stream both ways.

aiohttp cannot parse ``CONNECT`` with a path, so each accepted connection first goes to a
:class:`Sniffer` that looks at the request line: a ``CONNECT`` stays here, anything else
is handed to aiohttp unchanged. The checks and answers follow xapi's ``Console.handler``:

- the session comes from the ``session_id`` cookie, else the query; none, or one that does
  not exist, is ``401 Unauthorised``;
- ``ref`` (a console or a VM: its default RFB console) or ``uuid`` (of either) picks the
  console; a missing or unknown one, or a VM that is not running there, is ``500``;
- a control domain's console needs pool-admin, any other console vm-operator or better
  (``403 Forbidden`` otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from xencenter_py.sim import members
from xencenter_py.sim.consoles.hub import MAX_VIEWERS, ConsoleHub
from xencenter_py.sim.consoles.rfb import Viewer
from xencenter_py.sim.errors import XapiError

if TYPE_CHECKING:
    from xencenter_py.sim.simulator import Simulator

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024
"""Longest accepted request head; a longer one is answered 400."""
HEAD_TIMEOUT = 30.0
VM_CONSOLE_ROLES = frozenset({"pool-admin", "pool-operator", "vm-power-admin", "vm-admin", "vm-operator"})
HOST_CONSOLE_ROLES = frozenset({"pool-admin"})

REASONS = {
    400: "Bad Request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Error",
    503: "Service Unavailable",
}


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def http_answer(status: int, detail: str = "") -> bytes:
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nConnection: close\r\n"
    if status == 401:
        head += 'WWW-Authenticate: Basic realm="xapi"\r\n'
    if not detail:
        return (head + "\r\n").encode()
    body = f"<html><body><h1>HTTP {status}</h1>{detail}</body></html>".encode()
    return (head + f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


class TunnelRunner(web.AppRunner):
    """An ``AppRunner`` whose sites accept console tunnels beside aiohttp's requests."""

    def __init__(
        self, app: web.Application, hub: ConsoleHub, head_timeout: float = HEAD_TIMEOUT, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        self.hub = hub
        self.head_timeout = head_timeout  # the server's request timeout: a silent connection goes

    @property
    def server(self) -> Any:
        inner = super().server
        if inner is None:
            return None
        hub, timeout = self.hub, self.head_timeout
        return lambda: Sniffer(inner, hub, timeout)

    async def cleanup(self) -> None:
        self.hub.close()
        await super().cleanup()


class Sniffer(asyncio.Protocol):
    """The first protocol of every connection: keeps ``CONNECT`` requests, passes the rest."""

    def __init__(
        self, http_factory: Callable[[], asyncio.Protocol], hub: ConsoleHub, head_timeout: float = HEAD_TIMEOUT
    ) -> None:
        self.http_factory = http_factory
        self.hub = hub
        self.head_timeout = head_timeout
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.tunnel = False
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._timer = asyncio.get_running_loop().call_later(self.head_timeout, self._give_up)

    def _give_up(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        if not self.tunnel:
            if b"CONNECT "[: len(self.buffer)] == self.buffer[:8]:
                if len(self.buffer) < 8:
                    return
                self.tunnel = True
            else:
                self._hand_over()
                return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                self._refuse(400, "request head too long")
            return
        head, rest = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
        self.buffer = b""
        if self._timer is not None:
            self._timer.cancel()
        self._open(head, rest)

    def _hand_over(self) -> None:
        """Not a tunnel: aiohttp takes the connection as if it had accepted it."""
        assert self.transport is not None
        if self._timer is not None:
            self._timer.cancel()
        protocol = self.http_factory()
        self.transport.set_protocol(protocol)
        protocol.connection_made(self.transport)
        data, self.buffer = self.buffer, b""
        protocol.data_received(data)

    def eof_received(self) -> bool | None:
        if not self.tunnel and self.buffer:
            self._hand_over()
        return None

    def _refuse(self, status: int, detail: str) -> None:
        assert self.transport is not None
        self.transport.write(http_answer(status, detail))
        self.transport.close()

    def _open(self, head: str, rest: bytes) -> None:
        transport = self.transport
        assert transport is not None
        try:
            console = check(self.hub.sim, self.hub, head, transport)
        except Refused as e:
            self._refuse(e.status, str(e))
            return
        except ConnectionResetError:
            transport.abort()
            return
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_HEAD, loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if rest:
            reader.feed_data(rest)
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nCache-Control: no-cache, no-store\r\n\r\n")
        task = loop.create_task(_serve(self.hub, console, reader, writer))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)


_tasks: set[asyncio.Task[None]] = set()
"""Running tunnels (kept referenced until they end)."""


async def _serve(hub: ConsoleHub, console: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    hub.viewers += 1
    viewer = None
    try:
        display = hub.display(console)
        viewer = Viewer(display, reader, writer)
        display.viewers.add(viewer)
        await viewer.serve()
    except Exception:
        log.exception("console tunnel failed")
    finally:
        hub.viewers -= 1
        if viewer is not None:
            viewer.display.viewers.discard(viewer)
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def check(sim: Simulator, hub: ConsoleHub, head: str, transport: asyncio.BaseTransport) -> str:
    """The console a ``CONNECT`` request may open, or :class:`Refused` with xapi's answer."""
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise Refused(400, "malformed request line")
    url = urlsplit(parts[1])
    if url.path != "/console":
        raise Refused(404, "no such handler")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    cookies: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "cookie":
            jar: SimpleCookie = SimpleCookie()
            with contextlib.suppress(Exception):
                jar.load(value.strip())
            cookies.update({k: m.value for k, m in jar.items()})
    endpoint = None
    sockname = transport.get_extra_info("sockname")
    if sim.endpoints and sockname:
        endpoint = sim.endpoints.get(sockname[0])
        if endpoint is not None and not members.answers(sim, endpoint):
            raise ConnectionResetError  # a member that is down does not answer at all
    session = cookies.get("session_id") or query.get("session_id", "")
    try:
        info = sim.sessions.check(session)
    except XapiError:
        raise Refused(401, "a valid session_id is required") from None
    if info.local_host and endpoint is not None and info.local_host != endpoint:
        raise Refused(401, "the session belongs to another server")
    console = _console_of(sim, query)
    vm = sim.store.get("console", console)["VM"]
    vm_rec = sim.store.tables["VM"].get(vm)
    if vm_rec is None:
        raise Refused(500, "the console has no VM")
    allowed = HOST_CONSOLE_ROLES if vm_rec["is_control_domain"] else VM_CONSOLE_ROLES
    if info.role not in allowed:
        raise Refused(403, "RBAC_PERMISSION_DENIED: http/connect_console")
    if vm_rec["power_state"] not in ("Running", "Paused"):
        raise Refused(500, "the VM is not running")
    if endpoint is not None and hub.host_of(vm) != endpoint:
        raise Refused(500, "the VM is not running on this server")
    if hub.viewers >= MAX_VIEWERS:
        raise Refused(503, "too many console connections")
    return console


def _console_of(sim: Simulator, query: dict[str, str]) -> str:
    store = sim.store
    if "uuid" in query:
        uuid = query["uuid"]
        ref = store.ref_by_uuid("VM", uuid) or store.ref_by_uuid("console", uuid)
    elif "ref" in query:
        ref = query["ref"]
    else:
        raise Refused(500, "the request needs a ref or uuid parameter")
    cls = store.class_of(ref) if ref else None
    if cls == "console":
        return ref
    if cls == "VM":
        for console in store.get("VM", ref)["consoles"]:
            if store.exists("console", console) and store.get("console", console)["protocol"] == "rfb":
                return str(console)
        raise Refused(500, "the VM has no graphical console")
    raise Refused(500, "the ref is neither a VM nor a console")
