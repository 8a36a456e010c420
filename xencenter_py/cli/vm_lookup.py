"""Finding what a ``vm`` verb names (VMs, templates, SRs, servers) by name or uuid, and
turning an action's refusal into the one-line error every verb prints."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from xencenter_py.cli.common import CommandError
from xencenter_py.i18n import gettext as _


def find(conn: Any, cls: str, name: str, accept: Callable[[Any], bool] = lambda _o: True) -> Any:
    """The one object of ``cls`` whose name or uuid is ``name`` (and that ``accept`` takes)."""
    matches = [o for o in conn.cache.all(cls) if accept(o) and name in (o.name, o.uuid)]
    if not matches:
        raise CommandError(_("No {kind} named {name}").format(kind=cls, name=name))
    if len(matches) > 1:
        raise CommandError(_("Several objects are named {name}; use its uuid").format(name=name))
    return matches[0]


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
