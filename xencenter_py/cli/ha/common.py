"""What the ``ha`` verbs share: finding objects by name or UUID, printing the state."""

from __future__ import annotations

from typing import Any

from xencenter_py.cli.common import CommandError
from xencenter_py.i18n import gettext as _


def find(conn: Any, cls: str, key: str, kind: str) -> Any:
    """The one object of ``cls`` whose UUID or name is ``key``."""
    by_uuid = conn.cache.find_by_uuid(cls, key)
    if by_uuid is not None:
        return by_uuid
    matches = [o for o in conn.cache.all(cls) if o.name == key]
    if cls == "VM":
        matches = [o for o in matches if o.is_real_vm]
    if not matches:
        raise CommandError(_("No {kind} is called {name}").format(kind=kind, name=key))
    if len(matches) > 1:
        raise CommandError(_("Several {kind}s are called {name}; use the UUID").format(kind=kind, name=key))
    return matches[0]


def pool_of(conn: Any) -> Any:
    pool = conn.cache.pool
    if pool is None:
        raise CommandError(_("The server has no pool record."))
    return pool


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")
