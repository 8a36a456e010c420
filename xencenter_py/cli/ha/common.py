"""What the ``ha`` verbs share: the pool, and printing the state (objects are found with
``cli.lookup.find``)."""

from __future__ import annotations

from typing import Any

from xencenter_py.cli.common import CommandError
from xencenter_py.i18n import gettext as _


def pool_of(conn: Any) -> Any:
    pool = conn.cache.pool
    if pool is None:
        raise CommandError(_("The server has no pool record."))
    return pool


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")
