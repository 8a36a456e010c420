"""The contract between the dispatcher and behaviour modules.

The dispatcher serves every generic message from the datamodel. A behaviour module adds
semantics by registering an async handler for a wire name (``VM.start``); a registered
handler wins over the generic one. Handlers receive a :class:`Call` and the call's
arguments, already checked and decoded by datamodel type (the session argument removed),
and return a plain Python value that the dispatcher encodes by the message's result type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from xencenter_py.datamodel import Message
from xencenter_py.sim.errors import XapiError

if TYPE_CHECKING:
    from xencenter_py.sim.store import Store

Handler = Callable[..., Awaitable[Any]]

_HANDLERS: dict[str, Handler] = {}


def implements(*wire_names: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for each wire name, e.g. ``@implements("VM.start")``."""

    def register(handler: Handler) -> Handler:
        for name in wire_names:
            if name in _HANDLERS and _HANDLERS[name] is not handler:
                raise RuntimeError(f"two handlers for {name}")
            _HANDLERS[name] = handler
        return handler

    return register


def handler_for(wire_name: str) -> Handler | None:
    """The registered handler for a wire name (``Async.`` prefix removed), if any."""
    if not _HANDLERS:
        import xencenter_py.sim.behaviours  # noqa: F401  (registers every module)
    return _HANDLERS.get(wire_name)


class SimulatorLike(Protocol):
    """What a handler may use of the simulator besides the store."""

    store: Store
    speed: float


@dataclass
class Call:
    """One API call in progress: who makes it, on what, and (for ``Async.*``) its task."""

    sim: SimulatorLike
    message: Message
    session: str
    user: str
    role: str
    task: str | None = None
    cancellable: bool = False
    cancel_requested: bool = False
    _progress: float = field(default=0.0, repr=False)

    @property
    def store(self) -> Store:
        return self.sim.store

    @staticmethod
    def fail(code: str, *params: Any) -> NoReturn:
        raise XapiError(code, *params)

    def allow_cancel(self, allowed: bool = True) -> None:
        """Declare whether ``task.cancel`` may interrupt this call from now on."""
        self.cancellable = allowed
        if self.task and self.store.exists("task", self.task):
            self.store.set("task", self.task, "allowed_operations", ["cancel"] if allowed else [])

    def check_cancelled(self) -> None:
        if self.cancel_requested and self.cancellable:
            raise XapiError("TASK_CANCELLED", self.task or "")

    async def step(self, seconds: float, progress: float | None = None) -> None:
        """Spend ``seconds`` of simulated work (scaled by the speed factor), then report
        ``progress`` (0..1) on the task; raise ``TASK_CANCELLED`` if a cancel arrived."""
        self.check_cancelled()
        delay = seconds / max(self.sim.speed, 1e-9)
        if delay > 0:
            await asyncio.sleep(delay)
        self.check_cancelled()
        if progress is not None:
            self.set_progress(progress)

    def set_progress(self, progress: float) -> None:
        self._progress = max(self._progress, min(progress, 1.0))
        if self.task and self.store.exists("task", self.task):
            self.store.set("task", self.task, "progress", round(self._progress, 3))
