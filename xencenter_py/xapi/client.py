"""An async session with one pool: login, typed calls, tasks followed through events,
event long-polls on their own connection, and logout.

Everything the console knows about a pool comes through here; values are decoded by
the datamodel type of each call (see :mod:`xencenter_py.xapi.codec`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from xencenter_py.datamodel import load
from xencenter_py.xapi import codec, rrd
from xencenter_py.xapi.codec import EventBatch
from xencenter_py.xapi.errors import ConnectionLost, Failure, ProtocolError, XapiClientError
from xencenter_py.xapi.transport import EndpointMissing, HttpChannel, JsonRpcTransport, Transport, XmlRpcTransport
from xencenter_py.xapi.trust import TrustStore, context_for, host_key

ProtocolChoice = Literal["auto", "jsonrpc", "xmlrpc"]
ProgressCallback = Callable[[float], Awaitable[None] | None]

DEFAULT_ORIGINATOR = "xencenter-py/0.1"
DEFAULT_TIMEOUT = 60.0
TASK_POLL_TIMEOUT = 30.0
EVENT_HTTP_MARGIN = 30.0
"""The HTTP timeout of a long-poll exceeds its event timeout by this much."""

_DM = load()
log = logging.getLogger(__name__)
_FINISHED = ("success", "failure", "cancelled")


class InvalidAddress(XapiClientError, ValueError):
    """The server address cannot be understood."""


@dataclass(frozen=True)
class ServerAddress:
    """Where a pool member listens."""

    scheme: str  # "http" or "https"
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def key(self) -> str:
        """The known-servers key (``host:port``)."""
        return host_key(self.host, self.port)

    def with_host(self, host: str) -> ServerAddress:
        """The same scheme and port on another member (used to follow ``HOST_IS_SLAVE``)."""
        return ServerAddress(self.scheme, host.strip("[]"), self.port)


def parse_address(address: str) -> ServerAddress:
    """``host`` (https:443), ``host:port`` (http for 80/8080, as XenCenter does, else https)
    or a full ``http(s)://host:port`` URL (any path is ignored)."""
    text = address.strip()
    has_scheme = "://" in text
    try:
        parts = urlsplit(text if has_scheme else "//" + text)
        port = parts.port
    except ValueError as exc:
        raise InvalidAddress(f"invalid server address {address!r}: {exc}") from None
    host = parts.hostname or ""
    if not host or (has_scheme and parts.scheme not in ("http", "https")):
        raise InvalidAddress(f"invalid server address {address!r}")
    if has_scheme:
        scheme = parts.scheme
        port = port or (443 if scheme == "https" else 80)
    else:
        port = port or 443
        scheme = "http" if port in (80, 8080) else "https"
    return ServerAddress(scheme, host, port)


def _needs_session(wire_name: str) -> bool:
    m = _DM.message(wire_name.removeprefix("Async."))
    return m is None or (bool(m.params) and m.params[0][0] == "session_id")


class XapiSession:
    """A logged-in session. Create with :meth:`login`; close with :meth:`logout`."""

    def __init__(
        self,
        address: ServerAddress,
        *,
        ref: str,
        protocol: str,
        ssl_context: Any,
        timeout: float,
        originator: str,
        owns_ref: bool = True,
    ) -> None:
        self.address = address
        self._ref = ref
        self._protocol = protocol
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._originator = originator
        self._owns_ref = owns_ref
        self._calls = self._make_transport()
        self._poll: Transport | None = None
        self._closed = False
        self.api_version: tuple[int, int] = (0, 0)
        self.pool = ""
        self.coordinator = ""
        self.server_time_offset = 0.0
        """Local clock minus the coordinator's clock, in seconds (as XenCenter keeps it)."""

    # --- construction ------------------------------------------------------------------

    def _make_transport(self, protocol: str | None = None) -> Transport:
        channel = HttpChannel(
            self.address.url,
            ssl_context=self._ssl_context,
            timeout=self._timeout,
            host_key=self.address.key,
            user_agent=self._originator,
        )
        return XmlRpcTransport(channel) if (protocol or self._protocol) == "xmlrpc" else JsonRpcTransport(channel)

    @classmethod
    async def login(
        cls,
        address: str,
        user: str,
        password: str,
        *,
        originator: str = DEFAULT_ORIGINATOR,
        trust: TrustStore | None = None,
        protocol: ProtocolChoice = "auto",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> XapiSession:
        """Log in and learn the pool, coordinator, API version and clock offset.

        Raises ``Failure`` (e.g. ``SESSION_AUTHENTICATION_FAILED``, or ``HOST_IS_SLAVE``
        with the coordinator's address — see :meth:`ServerAddress.with_host`),
        ``CertificateProblem``, ``ConnectionLost`` or ``ProtocolError``.
        """
        addr = parse_address(address)
        ctx = None
        if addr.scheme == "https":
            ctx = await context_for(addr.host, addr.port, trust, timeout=min(timeout, 30.0))
        first = "xmlrpc" if protocol == "xmlrpc" else "jsonrpc"
        session = cls(addr, ref="", protocol=first, ssl_context=ctx, timeout=timeout, originator=originator)
        try:
            try:
                session._ref = await session._login(user, password)
            except EndpointMissing:
                if protocol != "auto":
                    raise
                # A server from before JSON-RPC: speak XML-RPC at "/" instead (§1.6).
                await session._calls.channel.aclose()
                session._protocol = "xmlrpc"
                session._calls = session._make_transport()
                session._ref = await session._login(user, password)
            await session._learn_pool()
        except BaseException:
            await session._close_quietly()
            raise
        return session

    async def _login(self, user: str, password: str) -> str:
        """``login_with_password(user, pwd, version, originator)``; servers that take fewer
        parameters answer ``MESSAGE_PARAMETER_COUNT_MISMATCH`` and get 3, then 2 (as XenCenter)."""
        args: list[Any] = [user, password, "2.20", self._originator]
        while True:
            try:
                return await self._invoke("session.login_with_password", args)
            except Failure as f:
                if f.code != "MESSAGE_PARAMETER_COUNT_MISMATCH" or len(args) <= 2:
                    raise
                args = args[:-1]

    async def _learn_pool(self) -> None:
        pools = await self.call("pool.get_all_records")
        if not pools:
            raise ProtocolError("the server reports no pool object")
        self.pool, pool_record = next(iter(pools.items()))
        self.coordinator = pool_record["master"]
        host = await self.call("host.get_record", self.coordinator)
        self.api_version = (host["API_version_major"], host["API_version_minor"])
        before = time.time()
        try:
            server_now = await self.call("host.get_servertime", self.coordinator)
        except Failure as f:
            log.info("host.get_servertime failed (%s): assuming synchronised clocks", f.code)
            return
        after = time.time()
        # The answer was produced somewhere between sending and receiving: use the middle.
        self.server_time_offset = (before + after) / 2 - server_now.timestamp()

    def duplicate(self) -> XapiSession:
        """The same session on new HTTP connections (for long or blocking work); closing
        the duplicate never logs the session out."""
        dup = XapiSession(
            self.address,
            ref=self._ref,
            protocol=self._protocol,
            ssl_context=self._ssl_context,
            timeout=self._timeout,
            originator=self._originator,
            owns_ref=False,
        )
        dup.api_version, dup.pool, dup.coordinator = self.api_version, self.pool, self.coordinator
        dup.server_time_offset = self.server_time_offset
        return dup

    # --- properties --------------------------------------------------------------------

    @property
    def ref(self) -> str:
        return self._ref

    @property
    def url(self) -> str:
        return self.address.url

    @property
    def protocol(self) -> str:
        """``jsonrpc`` or ``xmlrpc``: what this server speaks."""
        return self._protocol

    @property
    def ssl_context(self) -> Any:
        """The TLS context in use (None over plain HTTP), e.g. for RRD downloads."""
        return self._ssl_context

    @property
    def closed(self) -> bool:
        return self._closed

    def server_now(self) -> float:
        """The coordinator's current time as epoch seconds."""
        return time.time() - self.server_time_offset

    # --- calls -------------------------------------------------------------------------

    async def _invoke(
        self, method: str, args: Sequence[Any], *, transport: Transport | None = None, timeout: float | None = None
    ) -> Any:
        if self._closed:
            raise ConnectionLost("the session is closed")
        t = transport or self._calls
        params = codec.encode_args(method, args, xml=t.name == "xmlrpc")
        return await t.call(method, params, lambda v: codec.decode_result(method, v), timeout=timeout)

    async def call(self, method: str, *args: Any, timeout: float | None = None) -> Any:
        """Call ``method`` (e.g. ``"VM.get_record"``) with the session added first; the
        result is decoded by the datamodel type. Raises ``Failure`` on an API failure."""
        full = [self._ref, *args] if _needs_session(method) else list(args)
        return await self._invoke(method, full, timeout=timeout)

    def _poller(self) -> Transport:
        """A second HTTP client for blocking long-polls, so they never delay calls."""
        if self._poll is None:
            self._poll = self._make_transport()
        return self._poll

    async def event_from(self, classes: Sequence[str], token: str, timeout: float) -> EventBatch:
        """``event.from`` on the long-poll connection; the HTTP timeout exceeds ``timeout``."""
        return await self._invoke(
            "event.from",
            [self._ref, list(classes), token, float(timeout)],
            transport=self._poller(),
            timeout=timeout + EVENT_HTTP_MARGIN,
        )

    async def run_task(
        self,
        method: str,
        *args: Any,
        progress: ProgressCallback | None = None,
        finished: Callable[[dict[str, Any]], None] | None = None,
    ) -> Any:
        """Run ``method`` as ``Async.<method>`` and follow its task through events.

        Reports ``progress(fraction)`` as it changes, returns the decoded result, raises
        ``Failure`` on failure (``TASK_CANCELLED`` when cancelled on the server). Cancelling
        the awaiting coroutine cancels the server task; the task is always destroyed, after
        ``finished(record)`` has seen its last record (e.g. its ``other_config``).
        """
        task = await self.call(f"Async.{method}", *args)
        cancelled = False
        try:
            record = await self._follow_task(task, progress)
            if finished is not None:
                finished(record)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            await asyncio.shield(self._end_task(task, cancel=cancelled))
        return self._task_outcome(method, task, record)

    async def _follow_task(self, task: str, progress: ProgressCallback | None) -> dict[str, Any]:
        classes = [f"task/{task}"]
        token = ""
        last_progress: float | None = None
        while True:
            try:
                batch = await self.event_from(classes, token, TASK_POLL_TIMEOUT)
            except Failure as f:
                if f.code == "EVENT_SUBSCRIPTION_PARSE_FAILURE" and classes != ["task"]:
                    classes, token = ["task"], ""  # a server without per-object subscriptions
                    continue
                raise
            token = batch.token
            record = None
            for ev in batch.events:
                if ev.ref != task:
                    continue
                if ev.operation == "del":
                    raise Failure("HANDLE_INVALID", ["task", task])
                record = ev.snapshot
            if record is None:
                continue
            if progress is not None and record["progress"] != last_progress:
                last_progress = record["progress"]
                result = progress(last_progress)
                if inspect.isawaitable(result):
                    await result
            if record["status"] in _FINISHED:
                return record

    def _task_outcome(self, method: str, task: str, record: dict[str, Any]) -> Any:
        if record["status"] == "success":
            return codec.decode_task_result(method, record["result"])
        info = record["error_info"] or (["TASK_CANCELLED", task] if record["status"] == "cancelled" else [])
        raise Failure.from_description(info)

    async def _end_task(self, task: str, *, cancel: bool) -> None:
        if cancel:
            await self._quietly("task.cancel", task)
        await self._quietly("task.destroy", task)

    async def _quietly(self, method: str, *args: Any) -> None:
        """Best-effort clean-up call: its failure must not hide the real outcome."""
        with contextlib.suppress(XapiClientError):
            await self.call(method, *args, timeout=min(self._timeout, 30.0))

    # --- RRD ---------------------------------------------------------------------------

    async def rrd_updates(self, start: int, **kwargs: Any) -> rrd.RrdUpdates:
        """``GET /rrd_updates`` parsed into :class:`~xencenter_py.xapi.rrd.RrdUpdates`
        (keyword arguments as :func:`xencenter_py.xapi.rrd.fetch_updates`)."""
        return await rrd.fetch_updates(self._calls.channel, self._ref, start, **kwargs)

    # --- closing -----------------------------------------------------------------------

    async def logout(self) -> None:
        """Log out (only the session that logged in does) and close the connections."""
        if self._closed:
            return
        try:
            if self._owns_ref and self._ref:
                with contextlib.suppress(XapiClientError):
                    await self._invoke("session.logout", [self._ref], timeout=min(self._timeout, 10.0))
        finally:  # a logout cut short (cancelled, timed out) still closes the connections
            await self._close_quietly()

    aclose = logout

    async def _close_quietly(self) -> None:
        self._closed = True
        for t in (self._calls, self._poll):
            if t is not None:
                with contextlib.suppress(Exception):
                    await t.channel.aclose()

    async def __aenter__(self) -> XapiSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.logout()
