"""The property tabs on a big simulated pool (``--pool-size 64:5000``), offscreen: how long
each tab takes to draw the pool, a server and a VM the first time, and to redraw after a
change (the UI-thread work one cache batch costs while the tab is shown; target < 50 ms).

A big pool's Memory page is the costly one (it groups every VM of the pool); it redraws at
most a tenth of the time while its VMs keep changing, which the second figure bounds.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.conftest import start_sim  # noqa: E402 - needs the path above

POOL_SIZE = "64:5000"
TARGET_MS = 50.0


def timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


async def measure(url: str, password: str) -> None:
    from xencenter_py.model.connection import Connection
    from xencenter_py.ui.main_window import TAB_TYPES

    conn = Connection(url, "root", password)
    await conn.connect()
    try:
        pool = conn.cache.pool
        host = conn.cache.all("host")[0]
        vm = next(v for v in conn.cache.all("VM") if v.is_real_vm and v.is_running)
        for obj in (pool, host, vm):
            for tab_type in TAB_TYPES:
                if tab_type.key in ("general", "search", "home") or not tab_type.applies_to([obj]):
                    continue
                tab = tab_type()
                tab.resize(900, 600)
                first = timed(lambda tab=tab, obj=obj: tab.set_objects([obj]))
                again = timed(lambda tab=tab: tab.refresh())
                flag = "ok" if again < TARGET_MS else "OVER"
                print(
                    f"   {tab_type.__name__:14} {obj.cls:5} first draw {first:6.1f} ms, "
                    f"redraw {again:6.1f} ms (target < {TARGET_MS:.0f} ms: {flag})",
                    flush=True,
                )
    finally:
        await conn.disconnect()


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    sim = start_sim("--pool-size", POOL_SIZE)
    try:
        asyncio.run(measure(sim.url, sim.password))
    finally:
        sim.stop()
    del app


if __name__ == "__main__":
    main()
