"""What the ``vm`` lifecycle verbs share: an action's refusal as the one-line error every verb
prints, and step descriptions as progress (objects are found with ``cli.lookup.find``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from xencenter_py.cli.common import CommandError


async def refusals(work: Awaitable[Any]) -> Any:
    """Await ``work``; an action's refusal becomes a :class:`CommandError`."""
    from xencenter_py.model.actions.base import ActionError

    try:
        return await work
    except ActionError as exc:
        raise CommandError(str(exc)) from None


def progress_printer(quiet: bool) -> Callable[[float, str], None]:
    """Print each step's description (not the fractions) unless ``quiet``."""

    def show(_fraction: float, text: str) -> None:
        if text and not quiet:
            print(text, flush=True)

    return show
