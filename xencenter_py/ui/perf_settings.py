"""The local performance history's settings (Tools ▸ Options): its size limit, kept in
the console's settings file, and turning the store on at start-up."""

from __future__ import annotations

from xencenter_py.model.perf import history
from xencenter_py.ui.config import ui_settings

KEY = "performance/history_limit_mb"
MIN_MB, MAX_MB = 0, 100_000
"""0 turns the local history off."""


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


def apply() -> None:
    """Open (or resize, or close) the local history as the setting says."""
    limit = history_limit_mb()
    if limit > 0:
        history.enable(limit)
    else:
        history.disable()
