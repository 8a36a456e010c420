"""Finding the objects a verb names (by name, UUID or ref), and sizes like ``10G``."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any, TypeVar

from xencenter_py.cli.common import CommandError
from xencenter_py.i18n import gettext as _

T = TypeVar("T")
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$", re.IGNORECASE)


def size(text: str) -> int:
    """``10G``, ``512M``, ``1.5T`` or bytes → bytes."""
    m = _SIZE.match(text)
    if not m:
        raise CommandError(_("'{text}' is not a size (examples: 10G, 512M)").format(text=text))
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def find(conn: Any, cls: str, key: str, where: Any = None, what: str = "") -> Any:
    """The one object of ``cls`` whose name, UUID or ref is ``key`` (and that ``where`` accepts)."""
    objs = [o for o in conn.cache.all(cls) if where is None or where(o)]
    exact = [o for o in objs if key in (o.ref, o.uuid)]
    if exact:
        return exact[0]
    named = [o for o in objs if o.get("name_label") == key or o.name == key]
    if len(named) == 1:
        return named[0]
    label = what or cls
    if not named:
        raise CommandError(_("No {kind} named '{name}'").format(kind=label, name=key))
    raise CommandError(_("Several {kind}s are named '{name}'; use the UUID").format(kind=label, name=key))


def vm(conn: Any, key: str) -> Any:
    return find(conn, "VM", key, lambda v: v.is_real_vm, "VM")


async def reported(coro: Awaitable[T]) -> T:
    """Await an action; its refusals (ours or the pool's) become one translated line."""
    from xencenter_py.model.actions.base import ActionError
    from xencenter_py.xapi.errors import Failure

    try:
        return await coro
    except ActionError as exc:
        raise CommandError(str(exc)) from None
    except Failure as f:
        raise CommandError(f.message()) from None
