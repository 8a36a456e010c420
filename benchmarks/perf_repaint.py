"""Repaint of the Performance tab's graphs: 8 graphs of 2,000 points (one series each, and
four series each), new data then a synchronous repaint, offscreen. Target: under 16 ms.

Both the CPU time of the UI thread (what the repaint costs) and the wall time (which also
counts waiting for a core on a shared machine) are printed.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from xencenter_py.model.perf.archive import Window
from xencenter_py.ui.graphs.plot import PerfGraph

GRAPHS, POINTS, RUNS = 8, 2000, 30


def _measure(app: QApplication, series: int) -> list[float]:
    area = QWidget()
    area.resize(1200, 8 * 190)
    layout = QVBoxLayout(area)
    graphs = []
    names = [f"cpu{i}" for i in range(series)]
    for _ in range(GRAPHS):
        g = PerfGraph()
        g.set_graph("CPU", names, {})
        layout.addWidget(g)
        graphs.append(g)
    for g in graphs:
        g.show_time_axis(g is graphs[-1])  # as the Performance tab lays them out
    area.show()
    app.processEvents()
    rng = np.random.default_rng(1)
    times = np.arange(POINTS, dtype=np.float64) * 5 + 1.7e9
    timings = []
    cpu = []
    for run in range(RUNS):
        window = Window(5, times + run * 5, {n: rng.random(POINTS) for n in names})
        started = time.perf_counter()
        started_cpu = time.thread_time()
        for g in graphs:
            g.set_window(window)
            g.plot.setXRange(float(window.times[0]), float(window.times[-1]), padding=0)
        for g in graphs:
            g.plot.viewport().repaint()
        timings.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    area.close()
    return cpu[3:], timings[3:]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    for series in (1, 4):
        cpu, wall = _measure(app, series)
        print(
            f"   update + repaint {GRAPHS} graphs x {POINTS} points x {series} series: "
            f"CPU median {statistics.median(cpu) * 1e3:.1f} ms, best {min(cpu) * 1e3:.1f} ms; "
            f"wall median {statistics.median(wall) * 1e3:.1f} ms (target < 16 ms)"
        )


if __name__ == "__main__":
    main()
