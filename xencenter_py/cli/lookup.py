"""Finding the object a command line names: by name label or uuid, one match only."""

from __future__ import annotations

from typing import Any

from xencenter_py.cli.common import CommandError
from xencenter_py.i18n import gettext as _


def find(conn: Any, cls: str, text: str, what: str) -> Any:
    """The one ``cls`` object named or identified by ``text``; a clear error otherwise."""
    objs = [
        o
        for o in conn.cache.all(cls)
        if text in (o.uuid, o.name, o.get("name_label")) and not getattr(o, "is_template", False)
    ]
    if not objs:
        raise CommandError(_("No {what} named '{name}'").format(what=what, name=text))
    if len(objs) > 1:
        raise CommandError(_("More than one {what} is named '{name}'; give its UUID").format(what=what, name=text))
    return objs[0]
