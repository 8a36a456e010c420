"""The time ranges a user can ask for (the tab's zoom, the CLI's ``--range``)."""

from __future__ import annotations

from dataclasses import dataclass

from xencenter_py.i18n import N_, LazyString

DAY = 86400


@dataclass(frozen=True)
class TimeRange:
    """``key`` as typed (``10m``...), its label, its length, and whether it is served at
    full resolution from the local history."""

    key: str
    label: LazyString
    seconds: int
    local: bool = False


RANGES: tuple[TimeRange, ...] = (
    TimeRange("10m", N_("10 minutes"), 600),
    TimeRange("1h", N_("1 hour"), 3600),
    TimeRange("6h", N_("6 hours (full resolution)"), 6 * 3600, True),
    TimeRange("12h", N_("12 hours (full resolution)"), 12 * 3600, True),
    TimeRange("24h", N_("24 hours (full resolution)"), DAY, True),
    TimeRange("48h", N_("48 hours (full resolution)"), 2 * DAY, True),
    TimeRange("1d", N_("1 day"), DAY),
    TimeRange("1w", N_("1 week"), 7 * DAY),
    TimeRange("1mo", N_("1 month"), 30 * DAY),
    TimeRange("1y", N_("1 year"), 366 * DAY),
)
BY_KEY = {r.key: r for r in RANGES}
