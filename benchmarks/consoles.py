"""Simulator consoles: time to open a console (tunnel + RFB handshake + first full screen),
and the simulator's CPU per viewer while 20 viewers watch a dom0 shell scroll (updates
collapse, so the work per viewer stays bounded however fast the screen changes)."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import XenAPI

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import start_sim
from tests.consoles_support import RfbProbe

VIEWERS = 20
LINES = 200


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _main() -> None:
    sim = start_sim("--seed", "standalone", "--speed", "50")
    try:
        session = XenAPI.Session(sim.url)
        session.xenapi.login_with_password("root", sim.password, "2.21", "bench")
        x = session.xenapi
        host = x.host.get_all()[0]
        location = x.console.get_location(x.VM.get_consoles(x.host.get_control_domain(host))[0])
        windows = x.VM.get_by_name_label("Lab Windows Server")[0]
        win_location = x.console.get_location(x.VM.get_consoles(windows)[0])

        opens = []
        for _ in range(10):
            started = time.perf_counter()
            probe = await RfbProbe.open(win_location, session._session)
            probe.request(incremental=False)
            await probe.update()
            opens.append(time.perf_counter() - started)
            await probe.close()
        print(f"open console + first 800x600 screen: median {statistics.median(opens) * 1000:.0f} ms (target < 200 ms)")

        probes = await asyncio.gather(*(RfbProbe.open(location, session._session) for _ in range(VIEWERS)))
        for p in probes:
            p.request(incremental=False)
        await asyncio.gather(*(p.update() for p in probes))
        await probes[0].wait_for(r"(login:|\]#) _$")
        cpu = _cpu_seconds(sim.proc.pid)
        started = time.perf_counter()
        probes[0].type("\n" * LINES)

        async def follow(p: RfbProbe) -> int:
            updates = 0
            while True:
                p.request()
                try:
                    await asyncio.wait_for(p.update(), 1.0)
                except TimeoutError:
                    return updates
                updates += 1

        counts = await asyncio.gather(*(follow(p) for p in probes))
        elapsed = time.perf_counter() - started - 1.0
        used = _cpu_seconds(sim.proc.pid) - cpu
        print(
            f"{VIEWERS} viewers, {LINES} scrolled lines: simulator CPU {used / VIEWERS * 1000:.1f} ms per viewer"
            f" (target < 100 ms), {statistics.mean(counts):.0f} updates each in {elapsed:.1f} s"
        )
        await asyncio.gather(*(p.close() for p in probes))
        x.session.logout()
    finally:
        sim.stop()


if __name__ == "__main__":
    asyncio.run(_main())
