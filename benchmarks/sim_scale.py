"""A generated pool of ``--pool-size 64:5000``: time and peak memory until the simulator
serves it, then ``VM.get_all_records`` over JSON-RPC (targets: serving within 10 s, under
1.5 GB resident).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx

from benchmarks._verdict import check
from tests.conftest import LISTENING, PASSWORD

POOL_SIZE = "64:5000"
RUNS = 3


def _peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (VmHWM), in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rpc(client: httpx.Client, url: str, method: str, *params: object) -> object:
    answer = client.post(url, json={"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}).json()
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["result"]


def main() -> None:
    cmd = [sys.executable, "-m", "xencenter_py", "sim", "--port", "0", "--password", PASSWORD, "--pool-size", POOL_SIZE]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1")
    )
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            match = LISTENING.search(line)
            if match:
                url = match.group(1).rstrip("/") + "/jsonrpc"
                break
        if not url:
            raise RuntimeError("the simulator exited before listening")
        serving = time.perf_counter() - started
        threading.Thread(target=lambda: proc.stdout and proc.stdout.read(), daemon=True).start()
        check(f"generate and serve {POOL_SIZE}", serving, 10.0, " s")
        print(f"   peak RSS when serving: {_peak_rss_mb(proc.pid):.0f} MB")
        with httpx.Client(timeout=300) as client:
            session = _rpc(client, url, "session.login_with_password", "root", PASSWORD, "2.21", "benchmark")
            timings = []
            for _ in range(RUNS):
                t = time.perf_counter()
                records = _rpc(client, url, "VM.get_all_records", session)
                timings.append(time.perf_counter() - t)
            assert isinstance(records, dict)
            print(f"   VM.get_all_records over JSON-RPC ({len(records)} VMs): best {min(timings):.2f} s")
        check("peak RSS after the calls", _peak_rss_mb(proc.pid), 1500, " MB", digits=0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
