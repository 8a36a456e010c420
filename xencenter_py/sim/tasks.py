"""Tasks: ``Async.<Class>.<message>`` calls and the task records that follow them (§5).

An async call gets a ``task`` record at once (pending, on the coordinator); the handler
then runs in the background and the record ends in success (``result`` holds the value
as an XML-RPC ``<value>`` fragment, whatever protocol the caller used), failure
(``error_info``) or cancelled. Completed tasks are collected after ~65 minutes, and the
oldest completed ones first when there are more than 200.

Every task belongs to the session that made it, as in xapi: when the session goes (logout,
eviction, idle expiry) its tasks go too (a running one once it completes), and one user
keeps at most :data:`MAX_TASKS_PER_USER` tasks made with ``task.create`` (the oldest go
first), so no client can fill the pool with tasks every new console must download.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
from typing import TYPE_CHECKING, Any

from xencenter_py.datamodel import NULL_DATE, Type
from xencenter_py.sim import codec_xmlrpc
from xencenter_py.sim.dispatch import Handler, core
from xencenter_py.sim.errors import XapiError
from xencenter_py.sim.operations import Call

if TYPE_CHECKING:
    from xencenter_py.sim.simulator import Simulator

log = logging.getLogger(__name__)

COMPLETED_LIFETIME = 65 * 60.0
MAX_COMPLETED = 200
MAX_TASKS_PER_USER = 1000
"""``task.create`` tasks one user may keep; beyond it the user's oldest go."""


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


class Tasks:
    """Runs async calls and keeps their task records."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.running: dict[str, tuple[Call, asyncio.Task[None]]] = {}
        self.destroy_requested: set[str] = set()
        self.owners: dict[str, str] = {}
        """Task ref → the session that made it (tasks without a session have no entry)."""
        self.created: dict[str, dict[str, None]] = {}
        """User → their ``task.create`` tasks, oldest first."""

    def new_record(self, label: str, description: str = "", session: str = "") -> str:
        ref = self.sim.store.add(
            "task",
            {
                "name_label": label,
                "name_description": description,
                "status": "pending",
                "created": _now(),
                "finished": NULL_DATE,
                "progress": 0.0,
                "resident_on": self.sim.coordinator(),
                "type": "<none/>",
            },
        )
        if session:
            self.owners[ref] = session
        return ref

    def create(self, call: Call, label: str, description: str) -> str:
        """``task.create``: a task the caller drives itself, within the user's quota."""
        ref = self.new_record(label, description, call.session)
        mine = self.created.setdefault(call.user, {})
        mine[ref] = None
        store = self.sim.store
        while len(mine) > MAX_TASKS_PER_USER:
            oldest = next(iter(mine))
            del mine[oldest]
            if store.exists("task", oldest) and oldest not in self.running:
                store.delete("task", oldest)
                self.owners.pop(oldest, None)
        return ref

    def forget_session(self, session: str) -> None:
        """The session is gone: so are its tasks (running ones when they complete)."""
        store = self.sim.store
        for ref in [r for r, owner in self.owners.items() if owner == session]:
            if ref in self.running:
                self.destroy_requested.add(ref)
                continue
            del self.owners[ref]
            if store.exists("task", ref):
                store.delete("task", ref)
        for mine in self.created.values():
            for ref in [r for r in mine if r not in self.owners]:
                del mine[ref]

    def start(self, call: Call, handler: Handler, args: list[Any], result_type: Type, label: str) -> str:
        """Create the task record and run ``handler`` in the background; return the ref."""
        ref = self.new_record(label, session=call.session)
        call.task = ref
        runner = asyncio.get_running_loop().create_task(self._run(ref, call, handler, args, result_type))
        self.running[ref] = (call, runner)
        return ref

    async def _run(self, ref: str, call: Call, handler: Handler, args: list[Any], result_type: Type) -> None:
        changes: dict[str, Any]
        try:
            value = await handler(call, *args)
        except asyncio.CancelledError:  # the simulator is shutting down
            changes = {"status": "cancelled", "error_info": ["TASK_CANCELLED", ref]}
        except XapiError as e:
            status = "cancelled" if e.code == "TASK_CANCELLED" else "failure"
            changes = {"status": status, "error_info": e.description}
        except Exception as e:  # a bug in a handler must still end the task
            log.exception("task %s failed", ref)
            changes = {"status": "failure", "error_info": ["INTERNAL_ERROR", f"{type(e).__name__}: {e}"]}
        else:
            if isinstance(value, codec_xmlrpc.Typed):
                value, result_type = value.value, value.type
            changes = {"status": "success", "result": codec_xmlrpc.value_fragment(value, result_type)}
        finally:
            self.running.pop(ref, None)
        store = self.sim.store
        if not store.exists("task", ref):
            self.owners.pop(ref, None)
            return
        if ref in self.destroy_requested:
            self.destroy_requested.discard(ref)
            self.owners.pop(ref, None)
            store.delete("task", ref)
            return
        changes.update(progress=1.0, finished=_now(), allowed_operations=[], current_operations={})
        store.update("task", ref, changes)
        if len(store.tables["task"]) > MAX_COMPLETED:
            self.collect_garbage()
        self.sim.after_background_change()

    def cancel(self, ref: str) -> None:
        store = self.sim.store
        if not store.exists("task", ref):
            raise XapiError("HANDLE_INVALID", "task", ref)
        entry = self.running.get(ref)
        if entry is None or not entry[0].cancellable:
            raise XapiError("OPERATION_NOT_ALLOWED", "The task cannot be cancelled at this time.")
        # The handler stops at its next step with TASK_CANCELLED and undoes its work.
        entry[0].cancel_requested = True

    def destroy(self, ref: str) -> None:
        store = self.sim.store
        if not store.exists("task", ref):
            raise XapiError("HANDLE_INVALID", "task", ref)
        if ref in self.running:
            # xapi records the request and deletes the task when it completes.
            self.destroy_requested.add(ref)
            current = store.get("task", ref)["current_operations"]
            store.set("task", ref, "current_operations", {**current, f"OpaqueRef:destroy-{ref[10:]}": "destroy"})
        else:
            self.owners.pop(ref, None)
            store.delete("task", ref)

    def collect_garbage(self) -> None:
        """Delete completed tasks older than ~65 min, and the oldest beyond 200."""
        store = self.sim.store
        done = sorted(
            ((rec["finished"], ref) for ref, rec in store.tables["task"].items() if rec["status"] != "pending"),
            key=lambda x: x[0],
        )
        cutoff = _now() - _dt.timedelta(seconds=COMPLETED_LIFETIME)
        excess = len(done) - MAX_COMPLETED
        for i, (finished, ref) in enumerate(done):
            if i < excess or finished < cutoff:
                self.owners.pop(ref, None)
                store.delete("task", ref)


def _tasks(call: Call) -> Tasks:
    return call.sim.tasks  # type: ignore[attr-defined,no-any-return]


@core("task.cancel")
async def cancel(call: Call, ref: str) -> str:
    _tasks(call).cancel(ref)
    return ""


@core("task.destroy")
async def destroy(call: Call, ref: str) -> str:
    _tasks(call).destroy(ref)
    return ""


@core("task.create")
async def create(call: Call, label: str, description: str) -> str:
    return _tasks(call).create(call, label, description)
