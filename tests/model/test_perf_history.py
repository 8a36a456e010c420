"""The local full-resolution history: samples written off the caller's thread, read back
after a restart, kept under its size limit by dropping the oldest."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from xencenter_py.model.perf.archive import ObjectArchive, Window, merge_windows
from xencenter_py.model.perf.history import HistoryStore


async def test_samples_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    store = HistoryStore(path)
    store.append("vm", "u1", [100, 105, 110], {"cpu0": [0.1, math.nan, 0.3], "memory": [1.0, 2.0, 3.0]})
    store.append("vm", "u2", [100], {"cpu0": [0.9]})
    store.flush()
    store.close()
    again = HistoryStore(path)
    window = await again.window("vm", "u1", ["cpu0", "memory"], 0, 200)
    assert list(window.times) == [100, 105, 110]
    assert window.series["cpu0"][0] == 0.1 and math.isnan(window.series["cpu0"][1])
    assert list(window.series["memory"]) == [1.0, 2.0, 3.0]
    again.close()


async def test_the_file_stays_under_its_limit(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite", limit_mb=0.5)
    for batch in range(300):
        times = [batch * 600 + 5 * i for i in range(120)]
        store.append("host", "h", times, {f"cpu{c}": [0.5] * 120 for c in range(4)})
    store.set_limit(0.5)
    store.flush()
    assert store._worker.submit(store.size_bytes).result() <= 0.5 * 1024 * 1024
    window = await store.window("host", "h", ["cpu0"], 0, 10**9)
    assert window.times[-1] == 299 * 600 + 595  # the newest are kept
    assert window.times[0] > 0  # the oldest went
    store.close()


def test_local_rows_in_front_of_the_server_archive() -> None:
    archive = ObjectArchive()
    archive.merge(60, list(range(0, 7200, 60)), {"cpu0": [0.2] * 120})
    server = archive.window(0, 7200, ["cpu0"])
    local = Window(5, np.arange(3600, 7200, 5, dtype=float), {"cpu0": np.full(720, 0.7)})
    merged = merge_windows(local, server)
    assert merged.times[0] == 0 and merged.series["cpu0"][0] == 0.2
    assert merged.series["cpu0"][-1] == 0.7 and np.all(np.diff(merged.times) > 0)
    assert np.count_nonzero(merged.times >= 3600) == 720
