"""A whole ``xencenter-py tree`` run against the official SDK doing the same job in its own
process: log in, fetch every object of the classes the console holds, print one line.

Both are timed as a user meets them, process start included, on the same simulated pool
(``--pool-size 64:5000``, about 40,000 objects). Runs are interleaved and the best of each
kept, so load from other processes on the shared machine hits both alike.
Target: ours at least 3x faster end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import start_sim
from xencenter_py.cli.common import PASSWORD_ENV

POOL_SIZE = "64:5000"
RUNS = 3
TARGET = 3.0

SDK_SCRIPT = """
import os, sys, XenAPI
session = XenAPI.Session(sys.argv[1])
session.xenapi.login_with_password("root", os.environ["PW"], "1.0", "benchmark-sdk")
count = 0
for cls in sys.argv[2:]:
    count += len(getattr(session.xenapi, cls).get_all_records())
session.xenapi.session.logout()
print(count)
"""

CLASSES = ("pool", "host", "host_metrics", "VM", "VM_metrics", "VM_guest_metrics", "SR", "PBD", "VDI", "VBD")
CLASSES += ("network", "PIF", "VIF", "message")


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed: {result.stderr[-500:]}")
    return elapsed


def main() -> None:
    sim = start_sim("--pool-size", POOL_SIZE, "--speed", "50")
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    ours_env = {**env, PASSWORD_ENV: sim.password}
    sdk_env = {**env, "PW": sim.password}
    ours_cmd = [sys.executable, "-m", "xencenter_py", "tree", "--server", sim.url]
    sdk_cmd = [sys.executable, "-c", SDK_SCRIPT, sim.url, *CLASSES]
    best = {"ours": float("inf"), "sdk": float("inf")}
    try:
        for _ in range(RUNS):
            best["ours"] = min(best["ours"], _timed(ours_cmd, ours_env))
            best["sdk"] = min(best["sdk"], _timed(sdk_cmd, sdk_env))
    finally:
        sim.stop()
    ratio = best["sdk"] / best["ours"]
    verdict = "holds" if ratio >= TARGET else "MISSED"
    print(f"   pool {POOL_SIZE}, process start included, best of {RUNS} interleaved runs")
    print(f"   xencenter-py tree: {best['ours']:.2f} s   SDK fetch of {len(CLASSES)} classes: {best['sdk']:.2f} s")
    print(f"   ratio {ratio:.2f}x   target >= {TARGET:.0f}x: {verdict}")


if __name__ == "__main__":
    main()
