"""Operations: user-started work followed in the status bar and Notifications > Events.

An :class:`Operation` wraps one coroutine (usually ``connection.run_task(...)``) with a
title, the object it applies to, progress, and a final state. Cancelling an operation
cancels its asyncio task; the client then cancels the server task.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from xencenter_py.i18n import N_
from xencenter_py.ui.aio import error_text


class OpState(enum.Enum):
    RUNNING = N_("In progress")
    SUCCEEDED = N_("Complete")
    FAILED = N_("Error")
    CANCELLED = N_("Canceled")

    @property
    def label(self) -> str:
        """The state's name in the active language."""
        return str(self.value)


class Operation(QObject):
    """One running or finished piece of work."""

    changed = Signal()

    def __init__(self, title: str, location: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.location = location  # server or pool name
        self.progress: float | None = None  # 0..1 when known
        self.state = OpState.RUNNING
        self.error = ""
        self.started = dt.datetime.now(dt.UTC)
        self.finished: dt.datetime | None = None
        self.task: asyncio.Task[Any] | None = None

    @property
    def running(self) -> bool:
        return self.state is OpState.RUNNING

    def set_progress(self, fraction: float) -> None:
        self.progress = max(0.0, min(1.0, float(fraction)))
        self.changed.emit()

    def cancel(self) -> None:
        """Ask the operation to stop (the server task is cancelled with it)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()

    def finish(self, state: OpState, error: str = "") -> None:
        self.state = state
        self.error = error
        self.finished = dt.datetime.now(dt.UTC)
        if state is OpState.SUCCEEDED:
            self.progress = 1.0
        self.changed.emit()


class OperationHistory(QObject):
    """Every operation of this session, newest last; the Events view and status bar watch it."""

    added = Signal(object)
    changed = Signal(object)
    removed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.operations: list[Operation] = []

    def start(
        self,
        title: str,
        location: str,
        work: Callable[[Callable[[float], None]], Awaitable[Any]],
    ) -> Operation:
        """Run ``work(progress_callback)`` as a new operation; failures end up in the operation."""
        op = Operation(title, location, self)
        op.changed.connect(lambda: self.changed.emit(op))
        self.operations.append(op)
        self.added.emit(op)

        async def runner() -> None:
            try:
                await work(op.set_progress)
            except asyncio.CancelledError:
                op.finish(OpState.CANCELLED)
            except Exception as exc:
                op.finish(OpState.FAILED, error_text(exc))
            else:
                op.finish(OpState.SUCCEEDED)

        op.task = asyncio.ensure_future(runner())

        def ended(task: asyncio.Task[Any]) -> None:
            # A task cancelled before its first step never runs runner()'s handlers.
            if task.cancelled() and op.running:
                op.finish(OpState.CANCELLED)

        op.task.add_done_callback(ended)
        return op

    def dismiss(self, op: Operation) -> None:
        """Forget a finished operation."""
        if op in self.operations and not op.running:
            self.operations.remove(op)
            self.removed.emit(op)

    def dismiss_finished(self) -> None:
        for op in [o for o in self.operations if not o.running]:
            self.dismiss(op)

    def running(self) -> list[Operation]:
        return [o for o in self.operations if o.running]
