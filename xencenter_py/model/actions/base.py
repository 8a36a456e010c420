"""The shape every action shares: typed inputs, a progress callback, cancellation.

An action is a coroutine over a :class:`~xencenter_py.model.connection.Connection`.
Cancelling the asyncio task that awaits it cancels the server task it is following (the
client does that), so an action needs no cancel flag of its own; it only has to leave the
pool consistent when a ``CancelledError`` arrives between its steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

Progress = Callable[[float, str], None]
"""``progress(fraction, description)``: overall fraction 0..1 and the current step's
description in the active language (empty when unchanged)."""


def no_progress(fraction: float, description: str = "") -> None:
    """The progress callback of a caller that does not show progress."""


class ActionError(Exception):
    """A refusal found before or between the pool's calls, already in the user's language."""


@dataclass(frozen=True)
class Step:
    """One step of a multi-step action: its description and its share of the whole."""

    description: str
    weight: float = 1.0


class Steps:
    """Maps each step's own progress (0..1) onto the action's overall progress.

    ``with steps.step(i) as report`` gives a callback for the task that step follows;
    ``steps.done(i)`` moves to the end of step ``i``.
    """

    def __init__(self, steps: Sequence[Step], progress: Progress = no_progress) -> None:
        self._steps = list(steps)
        total = sum(s.weight for s in self._steps) or 1.0
        self._starts: list[float] = []
        acc = 0.0
        for s in self._steps:
            self._starts.append(acc / total)
            acc += s.weight
        self._shares = [s.weight / total for s in self._steps]
        self._progress = progress

    def __len__(self) -> int:
        return len(self._steps)

    def report(self, index: int) -> Callable[[float], None]:
        """A ``run_task`` progress callback for step ``index``; announces the step."""
        start, share, text = self._starts[index], self._shares[index], self._steps[index].description
        self._progress(start, text)
        return lambda fraction: self._progress(start + share * max(0.0, min(1.0, fraction)), "")

    def done(self, index: int) -> None:
        self._progress(self._starts[index] + self._shares[index], "")

    async def run(self, index: int, work: Callable[[Callable[[float], None]], Awaitable[T]]) -> T:
        """Run step ``index``: ``work(report)`` gets the step's own progress callback."""
        result = await work(self.report(index))
        self.done(index)
        return result


async def run_steps(
    steps: Sequence[tuple[Step, Callable[[Callable[[float], None]], Awaitable[Any]]]],
    progress: Progress = no_progress,
) -> list[Any]:
    """Run ``(step, work)`` pairs in order with one overall progress; returns their results."""
    tracker = Steps([s for s, _ in steps], progress)
    return [await tracker.run(i, work) for i, (_, work) in enumerate(steps)]
