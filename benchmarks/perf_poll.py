"""Polling and parsing performance data for a pool of 64 hosts and 5,000 VMs (``sim
--pool-size 64:5000 --members``, every host at its own loopback address), measured as the
console's own CPU time (the simulator runs in another process):

- 8 open graphs: eight VMs on eight hosts, each polled every 5 s (target: the whole
  polling load under 5 % of one core);
- the Search tab's live columns over the whole pool: one ``/rrd_updates`` per host every
  5 s, host and resident VMs together (cost per host and for all 64).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

from tests.conftest import LISTENING, PASSWORD
from xencenter_py.model.connection import Connection
from xencenter_py.model.perf import live
from xencenter_py.model.perf.keeper import ArchiveKeeper

POOL_SIZE = "64:5000"
ROUNDS = 10
PERIOD = 5.0


def _start_sim() -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable,
        "-m",
        "xencenter_py",
        "sim",
        "--port",
        "0",
        "--password",
        PASSWORD,
        "--pool-size",
        POOL_SIZE,
        "--members",
    ]
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


async def _measure(url: str) -> None:
    conn = Connection(url, "root", PASSWORD, login_timeout=120.0)
    await conn.connect()
    try:
        hosts = sorted(conn.cache.all("host"), key=lambda h: h.name)
        vms = []
        for host in hosts[:8]:
            vm = next(v for v in host.resident_vms if v.is_real_vm)
            vms.append(vm)
        keepers = [ArchiveKeeper(conn, vm) for vm in vms]
        started = time.process_time()
        await asyncio.gather(*(k.update_once() for k in keepers))
        first = time.process_time() - started
        assert all(k.loaded for k in keepers)
        started = time.process_time()
        for _ in range(ROUNDS):
            await asyncio.gather(*(k.update_once() for k in keepers))
        per_round = (time.process_time() - started) / ROUNDS
        addresses = {k.requests[-1] for k in keepers}
        print(f"   8 open graphs: first view (full archives of 8 VMs) {first * 1e3:.0f} ms CPU, once")
        print(
            f"   8 open graphs: {per_round * 1e3:.1f} ms CPU per 5 s poll = {per_round / PERIOD * 100:.2f} % of one core "
            f"(target < 5 %), asked at {len(addresses)} host addresses"
        )

        feed = live.LiveFeed(conn)
        feed.watch(hosts, start=False)
        await feed.poll_once()
        started = time.process_time()
        for _ in range(ROUNDS):
            await feed.poll_once()
        per_round = (time.process_time() - started) / ROUNDS
        objects = len(feed.rings)
        print(
            f"   whole pool live (Search tab): {per_round / len(hosts) * 1e3:.1f} ms CPU per host per 5 s; "
            f"all {len(hosts)} hosts ({objects} objects) {per_round * 1e3:.0f} ms = {per_round / PERIOD * 100:.1f} % "
            "of one core"
        )
        await feed.stop()
        for k in keepers:
            await k.stop()
    finally:
        await conn.disconnect()


def main() -> None:
    proc, url = _start_sim()
    try:
        asyncio.run(_measure(url))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
