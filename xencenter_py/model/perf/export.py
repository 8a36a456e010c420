"""CSV export of plotted series: one row per time (ISO 8601, UTC), one column per data
source, values in the source's unit as plotted (percent, bytes, bytes per second); an
empty cell where there is no data."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
from collections.abc import Sequence

from xencenter_py.model.perf import sources
from xencenter_py.model.perf.archive import Window


def iso_time(epoch: float) -> str:
    return _dt.datetime.fromtimestamp(epoch, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(epoch: float) -> str:
    """A row's time for people: local date and 24-hour time in the user's language."""
    from xencenter_py.i18n import format_skeleton

    when = _dt.datetime.fromtimestamp(epoch, _dt.UTC)
    return format_skeleton(when, "yMMMd") + " " + format_skeleton(when, "Hms")


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else repr(float(value))


def to_csv(window: Window, names: Sequence[str], start: float | None = None, end: float | None = None) -> str:
    """The rows of ``window`` between ``start`` and ``end`` (a gap's marker row included,
    with empty cells, as the graph shows it)."""
    import numpy as np

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", *names])
    columns = [(window.series.get(n, np.full(len(window.times), math.nan)) * sources.info(n).scale) for n in names]
    for i, t in enumerate(window.times):
        if (start is not None and t < start) or (end is not None and t > end):
            continue
        writer.writerow([iso_time(float(t)), *(_cell(float(c[i])) for c in columns)])
    return out.getvalue()
