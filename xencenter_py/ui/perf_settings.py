"""The local performance history's settings (Tools ▸ Options): its size limit, kept in
the console's settings file, and turning the store on at start-up."""

from __future__ import annotations

from collections.abc import Callable

from xencenter_py.model.listeners import add_listener
from xencenter_py.model.perf import history
from xencenter_py.ui.config import ui_settings

KEY = "performance/history_limit_mb"
ALL_HOSTS_KEY = "performance/record_all_hosts"
MIN_MB, MAX_MB = 0, 100_000
"""0 turns the local history off."""

_listeners: list[Callable[[], None]] = []


def on_change(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback()`` after a setting changed; returns an unsubscribe function."""
    return add_listener(_listeners, callback)


def _changed() -> None:
    for callback in list(_listeners):
        callback()


def history_limit_mb() -> int:
    value = ui_settings().value(KEY, history.DEFAULT_LIMIT_MB)
    try:
        return max(MIN_MB, min(MAX_MB, int(value)))
    except (TypeError, ValueError):
        return history.DEFAULT_LIMIT_MB


def set_history_limit_mb(limit: int) -> None:
    settings = ui_settings()
    settings.setValue(KEY, int(limit))
    settings.sync()
    apply()
    _changed()


def record_all_hosts() -> bool:
    """Whether every server of the connected pools is recorded, graphs open or not."""
    return str(ui_settings().value(ALL_HOSTS_KEY, "false")).lower() == "true"


def set_record_all_hosts(on: bool) -> None:
    settings = ui_settings()
    settings.setValue(ALL_HOSTS_KEY, "true" if on else "false")
    settings.sync()
    _changed()


def apply() -> None:
    """Open (or resize, or close) the local history as the setting says."""
    limit = history_limit_mb()
    if limit > 0:
        history.enable(limit)
    else:
        history.disable()
