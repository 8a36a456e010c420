"""One connection to a pool: login, full cache load, event loop, reconnection and resync.

Flow (after XenCenter's ``XenConnection``): log in, read the roles and the session's RBAC
permissions, fill the cache with ``event.from(["*"], "", timeout)``, then long-poll
``event.from`` with the returned token on the session's own HTTP connection, applying one
batch per answer. When the connection drops, reconnect with backoff, trying the address
we used and then every known pool member (a new coordinator answers; supporters redirect
with ``HOST_IS_SLAVE``). When the session becomes invalid, the token cannot continue, or
the row counts show missed events, reload everything and swap the cache content in one
step, so the cache is never stale and never half-applied. No Qt here; many connections
share one asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from xencenter_py.datamodel import load as load_datamodel
from xencenter_py.i18n import gettext as _
from xencenter_py.model.cache import Cache, off_loop, tables_from_events
from xencenter_py.model.listeners import add_listener

log = logging.getLogger(__name__)

RESYNC_CODES = frozenset({"SESSION_INVALID", "EVENT_FROM_TOKEN_PARSE_FAILURE", "EVENTS_LOST"})
"""Event-stream failures answered by a full reload (a new login for an invalid session)."""


FREEZE_THRESHOLD = 10_000
"""Objects in a full load from which the loaded records are frozen out of the cyclic GC."""

RELEASE_SLICE = 2000
"""Old records freed between two yields to the event loop after a disconnect."""

MEMBER_SEARCH_AFTER = 3
"""Failed reconnection rounds on the last address before other pool members are tried."""


class ConnectionState(Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"
    FAILED = "failed"


StateCallback = Callable[["ConnectionState"], None]


def redirect_address(current: str, coordinator: str) -> str:
    """Where ``HOST_IS_SLAVE [coordinator]`` sends us: keep the scheme and port we used
    unless the coordinator address names its own."""
    if "://" in coordinator:
        return coordinator
    scheme, port = "", None
    if "://" in current:
        parts = urlsplit(current)
        scheme, port = parts.scheme, parts.port
    else:
        host, sep, p = current.rpartition(":")
        if sep and p.isdigit() and ":" not in host:
            port = int(p)
    ipv6 = coordinator.count(":") > 1 and not coordinator.startswith("[")
    has_port = not ipv6 and (coordinator.count(":") == 1 or "]:" in coordinator)
    host = f"[{coordinator}]" if ipv6 else coordinator
    if port and not has_port:
        host = f"{host}:{port}"
    return f"{scheme}://{host}" if scheme else host


class Connection:
    """A pool (or standalone server) the console talks to, with its live cache."""

    def __init__(
        self,
        address: str,
        user: str,
        password: str,
        *,
        trust: Any = None,
        name: str | None = None,
        protocol: str = "auto",
        event_timeout: float = 30.0,
        login_timeout: float = 30.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.address = address
        self.user = user
        self._password = password
        self.trust = trust
        self.name = name
        self.protocol = protocol
        self.event_timeout = event_timeout
        self.login_timeout = login_timeout
        self.max_backoff = max_backoff
        self.cache = Cache(self)
        self.session: Any = None
        self.state = ConnectionState.DISCONNECTED
        self.error: BaseException | None = None
        self.roles: dict[str, dict[str, Any]] = {}
        self.permissions: frozenset[str] | None = None
        self.resyncs = 0
        self.reconnects = 0
        self._token = ""
        self._callbacks: list[StateCallback] = []
        self._loop_task: asyncio.Task[None] | None = None
        self._counts_bad = False
        self._members: list[str] = []
        self._ha_enabled = False
        self._retiring: set[asyncio.Task[None]] = set()

    @classmethod
    def from_records(cls, name: str, tables: dict[str, dict[str, dict[str, Any]]]) -> Connection:
        """A connection showing a fixed set of records (a database dump, a saved state): it
        is connected from the start and never talks to a server."""
        conn = cls("", "", "", name=name)
        conn.cache.replace(tables)
        conn.state = ConnectionState.CONNECTED
        return conn

    # -- state ------------------------------------------------------------------------------
    def on_state(self, callback: StateCallback) -> Callable[[], None]:
        """Call ``callback(state)`` on every state change; returns an unsubscribe function."""
        return add_listener(self._callbacks, callback)

    def _set_state(self, state: ConnectionState, error: BaseException | None = None) -> None:
        self.error = error
        if state is self.state:
            return
        self.state = state
        for cb in list(self._callbacks):
            try:
                cb(state)
            except Exception:
                log.exception("connection state callback failed")

    @property
    def reason(self) -> str:
        """Why the connection failed or was lost, as translated text ("" when fine)."""
        err = self.error
        if err is None:
            return ""
        message = getattr(err, "message", None)
        if callable(message):
            return str(message())
        return str(err) or type(err).__name__

    @property
    def password(self) -> str:
        """The password of this connection's login (memory only): ``pool.join`` needs the
        coordinator's credentials, as XenCenter passes them."""
        return self._password

    @property
    def friendly_name(self) -> str:
        """Pool name, else the coordinator's name, else the name given or the address."""
        pool = self.cache.pool
        if pool is not None and self.cache.populated:
            if pool.get("name_label"):
                return pool["name_label"]
            coord = pool.coordinator
            if coord is not None and coord.name:
                return coord.name
        return self.name or _host_of(self.address)

    @property
    def is_connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED

    # -- connecting -------------------------------------------------------------------------
    async def connect(self, *, follow_coordinator: bool = False, others: Iterable[Connection] = ()) -> None:
        """Log in and load the whole pool; then keep the cache current in the background.

        Raises the client's errors for the UI: ``Failure`` (``HOST_IS_SLAVE`` with the
        coordinator address unless ``follow_coordinator``, ``SESSION_AUTHENTICATION_FAILED``...),
        ``CertificateUnknown``/``CertificateChanged``, ``ConnectionLost``; and
        ``AlreadyConnected`` when one of ``others`` already serves the pool (checked right
        after login, whose session is then logged out).
        """
        from xencenter_py.model.duplicates import refuse_duplicate

        await self._stop_loop()
        self._set_state(ConnectionState.CONNECTING)
        try:
            session = await self._login(self.address, follow_coordinator, self.login_timeout)
            await refuse_duplicate(session, others, self)
            await self._load(session)
        except BaseException as exc:
            self._set_state(ConnectionState.FAILED, exc)
            raise
        self._set_state(ConnectionState.CONNECTED)
        self._start_loop()

    async def refresh(self) -> None:
        """Reload every object on the current session now (F5), then follow events from the new
        snapshot; a failure is left to the event loop, which reconnects as after any loss."""
        if self.session is None or self.state is not ConnectionState.CONNECTED:
            return
        await self._stop_loop()
        try:
            await self._load(self.session)
        except Exception:
            log.info("refresh of %s failed", self.address, exc_info=True)
        finally:
            self._start_loop()

    def retarget(self, address: str) -> None:
        """Use another address for the next ``connect`` (e.g. the coordinator the user chose)."""
        self.address = address

    async def _login(self, address: str, follow: bool, timeout: float) -> Any:
        from xencenter_py.xapi.client import XapiSession
        from xencenter_py.xapi.errors import Failure

        for _hop in range(4):
            try:
                session = await XapiSession.login(
                    address, self.user, self._password, trust=self.trust, protocol=self.protocol, timeout=timeout
                )
            except Failure as f:
                if f.code == "HOST_IS_SLAVE" and follow and f.params:
                    address = redirect_address(address, f.params[0])
                    continue
                raise
            self.address = address
            return session
        raise Failure("HOST_IS_SLAVE", [address])

    async def _load(self, session: Any) -> None:
        """Roles, permissions and every object, swapped into the cache in one step."""
        from xencenter_py.xapi.errors import Failure

        old = self.session

        async def roles() -> dict[str, dict[str, Any]]:
            try:
                return dict(await session.call("role.get_all_records"))
            except Failure as f:
                log.info("role.get_all_records failed: %s", f)
                return {}

        async def permissions() -> frozenset[str] | None:
            try:
                return frozenset(
                    str(p).lower() for p in await session.call("session.get_rbac_permissions", session.ref)
                )
            except Failure as f:
                log.info("session.get_rbac_permissions failed: %s", f)
                return None

        try:
            # The full event.from runs on its own HTTP connection, alongside the two small calls.
            batch, role_records, perms = await asyncio.gather(
                session.event_from(["*"], "", self.event_timeout), roles(), permissions()
            )
            # Tens of thousands of events are sorted into tables on a worker thread, so the
            # event loop (and a window) keeps running; the cache compares them there too.
            tables = await off_loop(tables_from_events, batch.events)
        except BaseException:
            with contextlib.suppress(Exception):
                await session.logout()
            raise
        self.roles, self.permissions = role_records, perms
        self.session = session
        self._token = batch.token
        self._counts_bad = False
        await self.cache.load(tables)
        if len(batch.events) >= FREEZE_THRESHOLD:
            # A big cache is long-lived and acyclic: keep the cyclic collector from rescanning
            # tens of thousands of records on every collection (that is what stalls a UI).
            gc.freeze()
        self._members = self._member_addresses()
        pool = self.cache.pool
        self._ha_enabled = pool is not None and pool.ha_enabled
        if old is not None and old is not session:
            # The old coordinator may be gone: log out in the background, never wait for it.
            task = asyncio.get_running_loop().create_task(_quiet_logout(old))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    def _member_addresses(self) -> list[str]:
        """Where the coordinator search may look. A pool reached on a loopback address (a
        simulator, a tunnel) is searched only on loopback addresses: any other member
        address is not the same machine's, and must never be contacted from here."""
        local = is_loopback(_host_of(self.address))
        out = []
        for host in self.cache.all("host"):
            addr = host.address
            if addr and (is_loopback(addr) or not local):
                out.append(redirect_address(self.address, addr))
        return out

    # -- event loop -----------------------------------------------------------------------------
    def _start_loop(self) -> None:
        self._loop_task = asyncio.get_running_loop().create_task(self._run(), name=f"events {self.address}")

    async def _stop_loop(self) -> None:
        task, self._loop_task = self._loop_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        from xencenter_py.xapi.errors import Failure, XapiClientError

        while True:
            try:
                batch = await self.session.event_from(["*"], self._token, self.event_timeout)
            except asyncio.CancelledError:
                raise
            except Failure as f:
                if f.code in RESYNC_CODES:
                    ok = await self._resync(relogin=f.code == "SESSION_INVALID")
                else:
                    ok = await self._reconnect(f)
                if not ok:
                    return
                continue
            except (XapiClientError, OSError) as exc:
                if not await self._reconnect(exc):
                    return
                continue
            except Exception as exc:  # never let the loop die silently
                log.exception("event loop error")
                if not await self._reconnect(exc):
                    return
                continue
            self.cache.apply_events(batch.events)
            self._token = batch.token
            if batch.events and not self.cache.counts_match(batch.valid_ref_counts):
                if not self._counts_bad:
                    # Missed events (e.g. a collected delete): reload once, not in a loop.
                    self._counts_bad = True
                    log.warning("row counts differ from the server's: reloading")
                    if not await self._resync(relogin=False):
                        return
            else:
                self._counts_bad = False

    async def _resync(self, relogin: bool) -> bool:
        """Reload everything (with a new session when the old one is invalid)."""
        from xencenter_py.xapi.errors import XapiClientError

        self.resyncs += 1
        counts_bad = self._counts_bad
        try:
            session = self.session
            if relogin:
                session = await self._login(self.address, True, self.login_timeout)
            await self._load(session)
        except (XapiClientError, OSError) as exc:
            return await self._reconnect(exc)
        self._counts_bad = counts_bad
        return True

    async def _reconnect(self, cause: BaseException) -> bool:
        """Try the last address, then every known member, with growing pauses, until one
        answers; keeps the old cache until the new content replaces it in one step."""
        from xencenter_py.xapi.errors import CertificateProblem, Failure, XapiClientError

        log.info("connection to %s lost: %s", self.address, cause)
        self.reconnects += 1
        self._set_state(ConnectionState.RECONNECTING, cause)
        delay = 0.25
        rounds = 0
        while True:
            first = self.address
            candidates = [first]
            # Like XenCenter: search the other members when HA may have moved the coordinator,
            # or once the last address keeps failing.
            pool = self.cache.pool  # the last content seen: HA may have been enabled since the load
            if self._ha_enabled or (pool is not None and pool.ha_enabled) or rounds >= MEMBER_SEARCH_AFTER:
                candidates += [m for m in self._members if m != first]
            rounds += 1
            for address in candidates:
                # Other members may be unreachable addresses: do not wait long on them.
                timeout = self.login_timeout if address == first else min(self.login_timeout, 3.0)
                try:
                    session = await self._login(address, True, timeout)
                    await self._load(session)
                except Failure as f:
                    if f.code in ("SESSION_AUTHENTICATION_FAILED", "SESSION_AUTHORIZATION_FAILED"):
                        self._set_state(ConnectionState.FAILED, f)
                        return False
                    log.info("reconnect to %s: %s", address, f)
                    continue
                except CertificateProblem as exc:
                    # A new or changed certificate needs the user's decision: stop here.
                    self._set_state(ConnectionState.FAILED, exc)
                    return False
                except (XapiClientError, OSError) as exc:
                    log.info("reconnect to %s: %s", address, exc)
                    continue
                self._set_state(ConnectionState.CONNECTED)
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    # -- calls ----------------------------------------------------------------------------------
    def _require_session(self) -> Any:
        if self.session is None or self.state is not ConnectionState.CONNECTED:
            from xencenter_py.xapi.errors import ConnectionLost

            raise ConnectionLost(_("Not connected to {server}").format(server=self.friendly_name))
        return self.session

    async def call(self, method: str, *args: Any) -> Any:
        """Call an API method on this pool (the session is added for you)."""
        return await self._require_session().call(method, *args)

    async def run_task(
        self,
        method: str,
        *args: Any,
        progress: Callable[[float], None] | None = None,
        finished: Callable[[dict[str, Any]], None] | None = None,
    ) -> Any:
        """Run ``method`` as a task, reporting progress (and the final task record to
        ``finished``); cancelling the await cancels the task."""
        return await self._require_session().run_task(method, *args, progress=progress, finished=finished)

    def can_call(self, method: str) -> bool:
        """Whether the session's RBAC permissions allow ``method`` (e.g. ``VM.start``)."""
        if self.permissions is None:
            return True
        wire = method.removeprefix("Async.")
        if wire.lower() in self.permissions:
            return True
        # Some servers list only role names; fall back to the datamodel's role list.
        msg = load_datamodel().message(wire)
        if msg is None:
            return False
        return bool(msg.roles & self.permissions)

    async def disconnect(self) -> None:
        """Stop the event loop, log out and forget the cache."""
        await self._stop_loop()
        session, self.session = self.session, None
        if session is not None:
            await _quiet_logout(session)
        # Sessions of an old coordinator still logging out in the background: stop waiting
        # for them (their connections close), so nothing of this connection outlives it.
        retiring = list(self._retiring)
        for task in retiring:
            task.cancel()
        await asyncio.gather(*retiring, return_exceptions=True)
        released = await self.cache.clear()
        self._set_state(ConnectionState.DISCONNECTED)
        # The changes hold the last references to the old records: free them a slice at a
        # time rather than in one long deallocation.
        while released:
            del released[-RELEASE_SLICE:]
            await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"<Connection {self.address} {self.state.name}>"


LOGOUT_TIMEOUT = 5.0


async def _quiet_logout(session: Any) -> None:
    """Log out, giving up quietly after a few seconds (the server may be gone)."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(session.logout(), LOGOUT_TIMEOUT)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name, maybe with a port) is this machine's loopback."""
    text = host.strip()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    elif text.startswith("["):
        text = text[1 : text.find("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    if text.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def _host_of(address: str) -> str:
    if "://" in address:
        return urlsplit(address).hostname or address
    return address
