"""Lifecycle events as the graphs and the event list name them."""

from __future__ import annotations

from xencenter_py.i18n import gettext as _
from xencenter_py.model.perf.keeper import LifecycleEvent


def event_text(event: LifecycleEvent) -> str:
    names = {
        "start": _("Started"),
        "shutdown": _("Shut down"),
        "reboot": _("Rebooted"),
        "suspend": _("Suspended"),
        "resume": _("Resumed"),
        "migrate": _("Migrated"),
        "crash": _("Crashed"),
    }
    text = names.get(event.kind, event.kind)
    if event.kind == "migrate" and event.detail:
        text = _("Migrated to {server}").format(server=event.detail)
    return text
