"""The four resolutions of a host's or VM's performance history, kept in memory.

Each resolution is a ring of rows (timestamp in server epoch seconds + one value per
data source) that only ever grows forward in time; a source that appears later is
back-filled with NaN, a missing sample stays NaN, so a graph never draws a line across
a gap.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

NAN = math.nan

RESOLUTIONS = (5, 60, 3600, 86400)
"""Seconds per row of xapi's four archives (§6.1)."""

CAPACITY = {5: 124, 60: 120, 3600: 168, 86400: 366}
"""Rows kept per resolution (XenCenter's buffer sizes)."""


@dataclass
class Ring:
    """Rows of one resolution, ascending in time."""

    step: int
    capacity: int
    times: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)

    def merge(self, times: Sequence[int], series: Mapping[str, Sequence[float]]) -> int:
        """Add the rows newer than the last one kept (older or equal rows are already
        here); returns how many were added."""
        last = self.times[-1] if self.times else -1
        fresh = [i for i, t in enumerate(times) if t > last]
        if not fresh:
            return 0
        before = len(self.times)
        for name in series:
            if name not in self.values:
                self.values[name] = [NAN] * before
        self.times.extend(times[i] for i in fresh)
        for name, column in self.values.items():
            incoming = series.get(name)
            if incoming is None:
                column.extend([NAN] * len(fresh))
            else:
                column.extend(float(incoming[i]) for i in fresh)
        excess = len(self.times) - self.capacity
        if excess > 0:
            del self.times[:excess]
            for column in self.values.values():
                del column[:excess]
        return len(fresh)

    @property
    def first(self) -> int | None:
        return self.times[0] if self.times else None

    @property
    def last(self) -> int | None:
        return self.times[-1] if self.times else None


@dataclass(frozen=True)
class Window:
    """What a graph plots: ascending times and, per source, values (numpy arrays), with
    NaN inserted where consecutive rows are more than one step apart."""

    step: int
    times: np.ndarray
    series: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.times)


def with_gaps(step: int, times: Sequence[int], series: Mapping[str, Sequence[float]]) -> Window:
    """Arrays for plotting, with one NaN row in each hole longer than 1.5 steps."""
    import numpy as np  # only once graphs are shown: numpy is not needed to start the console

    t = np.asarray(times, dtype=np.float64)
    cols = {name: np.asarray(values, dtype=np.float64) for name, values in series.items()}
    if len(t) > 1:
        holes = np.nonzero(np.diff(t) > step * 1.5)[0]
        if len(holes):
            t = np.insert(t, holes + 1, t[holes] + step)
            cols = {name: np.insert(v, holes + 1, NAN) for name, v in cols.items()}
    return Window(step, t, cols)


def merge_windows(fine: Window, coarse: Window) -> Window:
    """``fine`` where it has rows, ``coarse`` before its first row (local 5-second history
    in front of the server's archives)."""
    import numpy as np

    if not len(fine.times):
        return coarse
    cut = int(np.searchsorted(coarse.times, fine.times[0]))
    names = list(dict.fromkeys([*fine.series, *coarse.series]))
    t = np.concatenate([coarse.times[:cut], fine.times])
    series = {}
    for n in names:
        head = coarse.series.get(n, np.full(len(coarse.times), NAN))[:cut]
        tail = fine.series.get(n, np.full(len(fine.times), NAN))
        series[n] = np.concatenate([head, tail])
    return Window(fine.step, t, series)


class ObjectArchive:
    """The in-memory history of one host or VM at the four resolutions."""

    def __init__(self) -> None:
        self.rings = {step: Ring(step, CAPACITY[step]) for step in RESOLUTIONS}

    def merge(self, step: int, times: Sequence[int], series: Mapping[str, Sequence[float]]) -> int:
        ring = self.rings.get(step)
        return ring.merge(times, series) if ring is not None else 0

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for ring in self.rings.values():
            seen.update(dict.fromkeys(ring.values))
        return list(seen)

    def ring_for(self, start: float) -> Ring:
        """The finest resolution whose rows reach back to ``start`` (else the coarsest with
        data): XenCenter's choice of archive for a zoom level."""
        for step in RESOLUTIONS:
            ring = self.rings[step]
            if ring.first is not None and ring.first <= start + step:
                return ring
        for step in reversed(RESOLUTIONS):
            if self.rings[step].times:
                return self.rings[step]
        return self.rings[RESOLUTIONS[0]]

    def window(self, start: float, end: float, names: Iterable[str] | None = None) -> Window:
        """Rows of the right resolution between ``start`` and ``end`` (server time)."""
        ring = self.ring_for(start)
        wanted = list(ring.values) if names is None else list(names)
        lo = bisect_left(ring.times, start - ring.step)
        hi = bisect_left(ring.times, end + 1)
        times = ring.times[lo:hi]
        empty = [NAN] * len(times)
        series = {n: (ring.values[n][lo:hi] if n in ring.values else empty) for n in wanted}
        return with_gaps(ring.step, times, series)

    def overview(self, name: str) -> Window:
        """The whole history of ``name``: each resolution where no finer one has rows
        (the navigator strip's curve)."""
        import numpy as np

        times: list[int] = []
        values: list[float] = []
        cutoff = math.inf
        for step in RESOLUTIONS:
            ring = self.rings[step]
            if not ring.times:
                continue
            column = ring.values.get(name, [NAN] * len(ring.times))
            part = [(t, v) for t, v in zip(ring.times, column, strict=True) if t < cutoff]
            times[:0] = [t for t, _v in part]
            values[:0] = [v for _t, v in part]
            cutoff = min(cutoff, ring.times[0])
        return Window(RESOLUTIONS[-1], np.asarray(times, dtype=np.float64), {name: np.asarray(values)})
