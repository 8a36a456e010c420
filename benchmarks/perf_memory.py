"""Memory of an open Performance tab showing a VM's whole year of history (the full
archive loaded, the 1-year range drawn, the navigator over it), as growth of the console's
resident set. Target: under 50 MB. The one-off cost of loading pyqtgraph and numpy is
printed apart.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.conftest import LISTENING, PASSWORD


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _start_sim() -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--password", PASSWORD, "--seed", "demo"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1")
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        match = LISTENING.search(line)
        if match:
            threading.Thread(target=lambda: proc.stdout and proc.stdout.read(), daemon=True).start()
            return proc, match.group(1)
    raise RuntimeError("the simulator exited before listening")


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from xencenter_py.model.connection import Connection

    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(2)  # parses big answers; stopped before Qt goes away
    loop.set_default_executor(executor)
    proc, url = _start_sim()
    try:
        before_import = _rss_mb()
        import xencenter_py.ui.graphs.navigator
        import xencenter_py.ui.graphs.plot  # noqa: F401 (loaded when the tab is first shown)
        from xencenter_py.ui.tabs.performance import PerformanceTab

        imported = _rss_mb()

        async def measure() -> None:
            conn = Connection(url, "root", PASSWORD)
            await conn.connect()
            vm = next(v for v in conn.cache.all("VM") if v.name == "SQL Database Server")
            gc.collect()
            start = _rss_mb()
            tab = PerformanceTab()
            tab.resize(1200, 900)
            tab.set_objects([vm])
            tab.show()
            while tab.keeper is None or not tab.keeper.loaded:
                await asyncio.sleep(0.05)
            tab.set_range("1y")
            for _ in range(20):
                app.processEvents()
                await asyncio.sleep(0.05)
            rows = sum(len(r.times) for r in tab.keeper.archive.rings.values())
            series = len(tab.keeper.archive.names())
            gc.collect()
            grown = _rss_mb() - start
            print(f"   loading pyqtgraph, numpy and the graph code: {imported - before_import:.1f} MB, once")
            print(
                f"   open Performance tab, 1 year of history ({rows} rows x {series} series, 4 graphs): "
                f"{grown:.1f} MB (target < 50 MB)"
            )
            tab.hide()
            await asyncio.sleep(0.2)
            await conn.disconnect()

        loop.run_until_complete(measure())
        executor.shutdown(wait=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
