"""Our async client against the official ``XenAPI`` SDK on the same simulated pool
(``--pool-size 64:5000``): simple calls per second and ``VM.get_all_records`` time, plus
the full initial load (``event.from(["*"], "")``) that the console actually does.

Runs of both clients are interleaved and the best of each kept, so load from other
processes on the (shared, 2-core) machine hits both alike. Ratios > 1 mean we are faster.
Target (ARCHITECTURE.md): a single simple call costs no more than the SDK's synchronous
call, i.e. a ratio of at least 1.0 for simple calls.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import start_sim
from xencenter_py.xapi import XapiSession

POOL_SIZE = "64:5000"
SIMPLE_CALLS = 1000
RUNS = 3


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    import XenAPI  # the official SDK (XML-RPC, synchronous)

    sim = start_sim("--pool-size", POOL_SIZE, "--speed", "50")
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, seconds), seconds)

    try:
        with asyncio.Runner() as runner:
            ours = {
                proto: runner.run(XapiSession.login(sim.url, "root", sim.password, protocol=proto, timeout=300))
                for proto in ("jsonrpc", "xmlrpc")
            }
            sdk = XenAPI.Session(sim.url)
            sdk.xenapi.login_with_password("root", sim.password, "1.0", "benchmark-sdk")
            pool = ours["jsonrpc"].pool

            async def simple(s: XapiSession) -> None:
                for _ in range(SIMPLE_CALLS):
                    await s.call("pool.get_name_label", pool)

            def sdk_simple() -> None:
                for _ in range(SIMPLE_CALLS):
                    sdk.xenapi.pool.get_name_label(pool)

            for _ in range(RUNS):
                for proto, s in ours.items():
                    keep(f"{proto} calls", _timed(lambda s=s: runner.run(simple(s))))
                    keep(f"{proto} records", _timed(lambda s=s: runner.run(s.call("VM.get_all_records"))))
                keep("sdk calls", _timed(sdk_simple))
                keep("sdk records", _timed(sdk.xenapi.VM.get_all_records))
            objects = 0
            for _ in range(RUNS):
                for proto, s in ours.items():
                    started = time.perf_counter()
                    batch = runner.run(s.event_from(["*"], "", 30.0))
                    keep(f"{proto} full load", time.perf_counter() - started)
                    objects = len(batch.events)
                    del batch
            sdk.xenapi.session.logout()
            for s in ours.values():
                runner.run(s.logout())
    finally:
        sim.stop()

    sdk_rate = SIMPLE_CALLS / best["sdk calls"]
    print(f"   pool {POOL_SIZE}: {objects} objects; best of {RUNS} interleaved runs")
    for proto in ("jsonrpc", "xmlrpc"):
        rate = SIMPLE_CALLS / best[f"{proto} calls"]
        records = best[f"{proto} records"]
        verdict = "holds" if rate >= sdk_rate else "MISSED"
        print(
            f"   simple calls/s   ours {proto}: {rate:6.0f}   SDK: {sdk_rate:6.0f}   ratio {rate / sdk_rate:.2f}x"
            f"   target >= 1.00x: {verdict}"
        )
        print(
            f"   VM.get_all_records ours {proto}: {records:6.3f} s   SDK: {best['sdk records']:6.3f} s"
            f"   ratio {best['sdk records'] / records:.2f}x"
        )
    print(
        f"   event.from(*) full load, decoded: jsonrpc {best['jsonrpc full load']:.3f} s, "
        f"xmlrpc {best['xmlrpc full load']:.3f} s (SDK's VM records alone: {best['sdk records']:.3f} s)"
    )


if __name__ == "__main__":
    main()
