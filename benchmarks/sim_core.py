"""Simulator core: simple calls per second, 100 woken event.from waiters, durable writes,
and the big pool's initial load (``get_all_records`` and ``event.from`` with token "")."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._verdict import check
from tests.conftest import PASSWORD, SimProcess, start_sim

CLIENTS = 8
CALLS_PER_CLIENT = 1500
WAITERS = 100


async def _rpc(client: httpx.AsyncClient, url: str, method: str, *params: object) -> object:
    r = await client.post(url, json={"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1})
    body = r.json()
    if "error" in body:
        raise RuntimeError(body["error"])
    return body["result"]


async def _login(client: httpx.AsyncClient, url: str) -> str:
    return str(await _rpc(client, url, "session.login_with_password", "root", PASSWORD, "1.0", "bench"))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def calls_per_second(sim: SimProcess) -> tuple[float, float]:
    """(calls/s seen by the clients, calls per CPU second of the simulator process)."""
    import aiohttp  # a lighter client than httpx, so the client is not what we measure

    url = sim.jsonrpc_url
    async with httpx.AsyncClient(timeout=30) as c:
        session = await _login(c, url)
        pool = (await _rpc(c, url, "pool.get_all", session))[0]  # type: ignore[index]
    body = {"jsonrpc": "2.0", "method": "pool.get_name_label", "params": [session, pool], "id": 1}

    async def client() -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as c:  # one keep-alive connection
            for _ in range(CALLS_PER_CLIENT):
                async with c.post(url, json=body) as r:
                    assert "result" in await r.json()

    cpu = _cpu_seconds(sim.proc.pid)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    n = CLIENTS * CALLS_PER_CLIENT
    return n / elapsed, n / max(1e-9, _cpu_seconds(sim.proc.pid) - cpu)


async def event_fanout(sim: SimProcess) -> tuple[float, float]:
    """Latency from one change until each of 100 blocked event.from calls has answered."""
    url = sim.jsonrpc_url
    limits = httpx.Limits(max_connections=WAITERS + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as c:
        session = await _login(c, url)
        pool = (await _rpc(c, url, "pool.get_all", session))[0]  # type: ignore[index]
        token = (await _rpc(c, url, "event.from", session, ["pool"], "", 0.0))["token"]  # type: ignore[index]
        sessions = [await _login(c, url) for _ in range(WAITERS)]
        done: list[float] = []

        async def waiter(s: str) -> None:
            batch = await _rpc(c, url, "event.from", s, ["pool"], token, 30.0)
            assert batch["events"]  # type: ignore[index]
            done.append(time.perf_counter())

        tasks = [asyncio.create_task(waiter(s)) for s in sessions]
        await asyncio.sleep(1.0)  # let every waiter block on the server
        changed = time.perf_counter()
        await _rpc(c, url, "pool.set_name_label", session, pool, "bench")
        await asyncio.gather(*tasks)
        lat = [d - changed for d in done]
        return statistics.median(lat), max(lat)


async def durable_writes(sim: SimProcess, seconds: float = 3.0) -> float:
    url = sim.jsonrpc_url
    async with httpx.AsyncClient(timeout=30) as c:
        session = await _login(c, url)
        pool = (await _rpc(c, url, "pool.get_all", session))[0]  # type: ignore[index]
        n = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            await _rpc(c, url, "pool.set_name_label", session, pool, f"write {n}")
            n += 1
        return n / (time.perf_counter() - started)


async def big_pool(sim: SimProcess) -> dict[str, float]:
    url = sim.jsonrpc_url
    out: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=120) as c:
        session = await _login(c, url)
        t = time.perf_counter()
        body = {"jsonrpc": "2.0", "method": "VM.get_all_records", "params": [session], "id": 1}
        r = await c.post(url, json=body)
        out["VM.get_all_records (JSON) s"] = time.perf_counter() - t
        out["VM.get_all_records answer MB"] = len(r.content) / 1e6
        t = time.perf_counter()
        body = {"jsonrpc": "2.0", "method": "event.from", "params": [session, ["*"], "", 30.0], "id": 1}
        r = await c.post(url, json=body)  # time to the last byte; the client's decoding is not counted
        out['event.from "" (JSON) s'] = time.perf_counter() - t
        out["event.from answer MB"] = len(r.content) / 1e6
        t = time.perf_counter()
        body = (
            "<?xml version='1.0'?><methodCall><methodName>event.from</methodName><params>"
            f"<param><value>{session}</value></param><param><value><array><data><value>*</value></data></array></value></param>"
            "<param><value></value></param><param><value><double>30</double></value></param></params></methodCall>"
        )
        r = await c.post(sim.url + "/", content=body)
        r.raise_for_status()
        out['event.from "" (XML-RPC) s'] = time.perf_counter() - t
        out["XML-RPC answer MB"] = len(r.content) / 1e6
    return out


def main() -> None:
    sim = start_sim("--seed", "empty")
    try:
        wall, per_cpu = asyncio.run(calls_per_second(sim))
        check(f"simple calls/s ({CLIENTS} keep-alive JSON-RPC clients)", wall, 2000, higher=True, digits=0)
        print(f"   (per simulator CPU second: {per_cpu:.0f})")
        median, worst = asyncio.run(event_fanout(sim))
        print(
            f"   {WAITERS} event.from waiters woken by one change: median {median * 1000:.0f} ms, last {worst * 1000:.0f} ms"
        )
    finally:
        sim.stop()
    with tempfile.TemporaryDirectory() as d:
        sim = start_sim("--seed", "empty", "--state", os.path.join(d, "state.db"))
        try:
            print(f"   durable writes/s (--state, one client): {asyncio.run(durable_writes(sim)):.0f}")
        finally:
            sim.stop()
    sim = start_sim("--pool-size", "64:5000")
    try:
        for k, v in asyncio.run(big_pool(sim)).items():
            print(f"   64:5000 pool {k}: {v:.2f}")
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
