"""The simulated pool coordinator: one store, its sessions, events and tasks, and the
single entry point :meth:`Simulator.call` that every protocol front end uses.

A call is checked as xapi checks it (:mod:`xencenter_py.sim.dispatch`), then served by
the first of: a behaviour module's handler, a simulator-core handler (sessions, events,
tasks), or the generic datamodel implementation. With a persistence layer attached,
every change a call made is committed before the call returns, so before any reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import NULL_REF, Message, Type
from xencenter_py.sim import events as _events  # noqa: F401  (registers core handlers)
from xencenter_py.sim import generic, members
from xencenter_py.sim import sessions as _sessions
from xencenter_py.sim import tasks as _tasks  # noqa: F401  (registers core handlers)
from xencenter_py.sim.codec_xmlrpc import Typed
from xencenter_py.sim.dispatch import (
    Handler,
    check_encodable,
    core,
    core_handler,
    decode_arguments,
    fill_arguments,
    lookup,
    needs_session,
)
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.events import Events
from xencenter_py.sim.operations import Call, handler_for
from xencenter_py.sim.sessions import ROOT, Sessions, User
from xencenter_py.sim.store import NoSuchObject, Store
from xencenter_py.sim.tasks import Tasks

if TYPE_CHECKING:
    from xencenter_py.sim.persistence import Persistence

log = logging.getLogger(__name__)

TASK_REF = Type("ref", name="task")
HOUSEKEEPING_INTERVAL = 30.0
NOT_ASYNC_CLASSES = frozenset({"session", "event"})
MEMBER_CALLS = members.LOCAL_LOGINS | {"simulator.leave_pool", "session.logout"}
"""What a simulator that joined another pool still answers itself."""


class Simulator:
    """A XAPI pool coordinator over a :class:`Store`.

    ``users`` maps user names to ``(password, role)``; ``root`` (pool-admin) must be
    among them to log in as root.
    """

    def __init__(self, store: Store, *, speed: float = 1.0, users: dict[str, tuple[str, str]] | None = None) -> None:
        self.store = store
        self.speed = speed
        self.persistence: Persistence | None = None
        self.sync_database_hooks: list[Callable[[], None]] = []
        self.sessions = Sessions(self, {name: User(name, pw, role) for name, (pw, role) in (users or {}).items()})
        self.extra_tables: dict[str, dict[str, dict[str, Any]]] = {
            "session": self.sessions.records,
            "role": _sessions.role_records(),
            "secret": {},
            "user": {},
        }
        self.events = Events(self)
        self.tasks = Tasks(self)
        self.endpoints: dict[str, str] = {}
        self.url = ""
        self.member_of = ""
        """The coordinator's address once this simulator has joined another pool (``pool.join``)."""
        """The URL the simulator serves (set once it listens), for other pools to reach it."""
        """Address → host ref of every member answering on its own address (``--members``)."""
        self.down_hosts: set[str] = set()
        """Hosts made to fail (``simulator.fail_host``): their addresses answer nothing."""
        self._handlers: dict[str, Handler | None] = {}
        self._flush_scheduled = False
        self._housekeeper: asyncio.Task[None] | None = None
        store.subscribe(self._on_change)
        self.sessions.ensure_subjects()
        self._attach_behaviours()

    def _attach_behaviours(self) -> None:
        """Call ``attach(sim)`` of every behaviour module that defines it."""
        import xencenter_py.sim.behaviours as package

        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            attach = getattr(module, "attach", None)
            if callable(attach):
                attach(self)

    # ------------------------------------------------------------------ facts
    def coordinator(self) -> str:
        """The pool master's host ref (``OpaqueRef:NULL`` in an empty store)."""
        for rec in self.store.tables["pool"].values():
            return str(rec.get("master", NULL_REF))
        return next(iter(self.store.tables["host"]), NULL_REF)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._housekeeper = asyncio.get_running_loop().create_task(self._housekeeping())

    async def stop(self) -> None:
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeper
        for _, runner in list(self.tasks.running.values()):
            runner.cancel()
        self.commit()

    async def _housekeeping(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL)
            try:
                self.tasks.collect_garbage()
                self.sessions.expire_idle(loop.time())
                self.commit()
            except Exception:
                log.exception("housekeeping failed")

    # ------------------------------------------------------------------ persistence
    def commit(self) -> None:
        """Write every pending change to the state file (no-op without ``--state``)."""
        if not (self.store.dirty or self.store.pending_changed):
            return
        if self.persistence is None:
            self.store.dirty.clear()  # nothing to write; do not let the set grow forever
            self.store.pending_changed = False
        else:
            self.persistence.flush()

    def _on_change(self, op: str, cls: str, ref: str) -> None:
        # Background changes (running tasks, behaviour timers) are committed at the next
        # loop iteration: before any event.from reply can report them.
        if self.persistence is None or self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._flush_scheduled = True
        loop.call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        try:
            self.commit()
        except Exception:
            log.exception("could not write the state file")

    def after_background_change(self) -> None:
        """Commit now (called when a task completes, before anyone can see it)."""
        self.commit()

    # ------------------------------------------------------------------ dispatch
    def handler(self, m: Message) -> Handler | None:
        """Behaviour handler, else core handler, else the generic implementation."""
        wire = m.wire_name
        if wire not in self._handlers:
            self._handlers[wire] = handler_for(wire) or core_handler(wire) or generic.handler_for(m)
        return self._handlers[wire]

    async def call(self, method: str, params: list[Any], endpoint: str | None = None) -> tuple[Any, Type]:
        """Run one API call; return the result and the type to encode it with, or raise
        :class:`XapiError`. ``endpoint`` is the host whose address received the call
        (``None``: the coordinator, whichever it is)."""
        try:
            return await self._call(method, params, endpoint)
        finally:
            self.commit()

    async def _call(self, method: str, params: list[Any], endpoint: str | None) -> tuple[Any, Type]:
        is_async = method.startswith("Async.")
        wire = method[6:] if is_async else method
        m = lookup(wire)
        if m is None or (is_async and m.cls in NOT_ASYNC_CLASSES):
            raise XapiError("MESSAGE_METHOD_UNKNOWN", method)
        if self.member_of and m.wire_name not in MEMBER_CALLS:
            raise XapiError("HOST_IS_SLAVE", self.member_of)
        params = fill_arguments(m, method, params)
        check_encodable(m, params)
        session = user = role = ""
        info = None
        if needs_session(m):
            info = self.sessions.check(params[0])
            session, user, role = info.ref, info.user, info.role
        if endpoint is not None:
            members.admit(self, endpoint, m.wire_name, info)
        args = decode_arguments(m, params)
        if session:
            args = args[1:]
            # Messages the datamodel gives no role are xapi's "local root only"
            # (session.change_password...): the local superuser may call them.
            if role not in m.roles and not (not m.roles and user == ROOT):
                raise _sessions.denied(m.wire_name, m.roles)
        handler = self.handler(m)
        if handler is None:
            raise XapiError("NOT_IMPLEMENTED", m.wire_name)
        call = Call(self, m, session, user, role)
        if is_async:
            # As in xapi, only errors found before the task exists come back directly.
            checked = self._checked(handler, has_session=bool(session))
            return self.tasks.start(call, checked, args, m.result, f"Async.{m.wire_name}"), TASK_REF
        self._check_refs(m, args, has_session=bool(session))
        polling = info is not None and m.wire_name in members.LONG_POLLS
        if polling:
            info.polls += 1  # (so session eviction can spare it)
        try:
            with self.store.atomic():
                value = await _invoke(handler, call, args)
        finally:
            if polling:
                info.polls -= 1
        if endpoint is not None:
            if m.wire_name in members.LOCAL_LOGINS:
                members.make_local(self, str(value), endpoint)
            elif m.wire_name in members.LONG_POLLS:
                members.admit(self, endpoint, m.wire_name, info)  # the coordinator may have moved
        if isinstance(value, Typed):
            return value.value, value.type
        return value, m.result

    def _checked(self, handler: Handler, *, has_session: bool) -> Handler:
        async def run(call: Call, *args: Any) -> Any:
            self._check_refs(call.message, list(args), has_session=has_session)
            with self.store.atomic():
                return await _invoke(handler, call, list(args))

        return run

    def _check_refs(self, m: Message, args: list[Any], *, has_session: bool) -> None:
        """``HANDLE_INVALID [class, ref]`` for a ref argument that does not exist."""
        params = m.params[1:] if has_session else m.params
        tables = self.store.tables
        for i, (value, (_, t)) in enumerate(zip(args, params, strict=False)):
            # A null ref is fine where an argument is optional, never as the object a
            # message is about (its first argument, of its own class).
            missing = t.kind == "ref" and t.name in tables and value not in tables[t.name]
            if missing and (value != NULL_REF or (i == 0 and t.name == m.cls)):
                raise XapiError("HANDLE_INVALID", t.name, value)

    async def login(self, user: str = ROOT, password: str = "") -> str:
        """Log in without a protocol (used by in-process tools and benchmarks)."""
        ref, _ = await self.call("session.login_with_password", [user, password, "1.0", "in-process"])
        return str(ref)


async def _invoke(handler: Handler, call: Call, args: list[Any]) -> Any:
    """Run a handler; a store lookup of a missing object is xapi's ``HANDLE_INVALID``."""
    try:
        return await handler(call, *args)
    except NoSuchObject as e:
        raise XapiError("HANDLE_INVALID", e.cls, e.ref) from None


@core("pool.sync_database")
async def sync_database(call: Call, *_: Any) -> str:
    """Run the simulator's sync hooks (``--dump-db`` writes the pool here)."""
    sim: Simulator = call.sim  # type: ignore[assignment]
    sim.commit()
    for hook in sim.sync_database_hooks:
        hook()
    return ""
