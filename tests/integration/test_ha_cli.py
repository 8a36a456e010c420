"""`xencenter-py ha status|enable|disable|plan|what-if` against a simulator, and the HA
actions they share with the wizard (safe priority order, what-if planner)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.model.waiting import wait_until
from xencenter_py.model.actions import ha
from xencenter_py.model.connection import Connection
from xencenter_py.model.ha import BEST_EFFORT, RESTART, VmHaSettings, priority_of


def ha_cli(sim: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XENCENTER_PASSWORD=sim.password)
    verb, *rest = args
    return subprocess.run(
        [sys.executable, "-m", "xencenter_py", "ha", verb, "--server", sim.url, *rest],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_enable_status_what_if_disable(sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    out = ha_cli(sim, "status")
    assert out.returncode == 0, out.stderr
    assert "High availability: not configured" in out.stdout
    plan = ha_cli(sim, "plan")
    assert plan.returncode == 0, plan.stderr
    ubuntu = next(line for line in plan.stdout.splitlines() if line.startswith("Ubuntu Desktop (no tools)"))
    assert "No: The VM has a disk or DVD drive on storage that is not shared" in ubuntu
    refused = ha_cli(
        sim, "enable", "--sr", "NFS virtual disk storage", "--priority", "Ubuntu Desktop (no tools)=restart"
    )
    assert refused.returncode == 1 and "not agile" in refused.stderr
    bad = ha_cli(sim, "enable", "--sr", "NFS virtual disk storage", "--order", "Web Server 1=-3")
    assert bad.returncode == 1 and "--order" in bad.stderr
    enabled = ha_cli(
        sim,
        "enable",
        "--sr",
        "NFS virtual disk storage",
        "--failures",
        "0",
        "--priority",
        "Web Server 1=restart",
        "--order",
        "Web Server 1=3",
        "--delay",
        "Web Server 1=20",
    )
    assert enabled.returncode == 0, enabled.stderr
    status = ha_cli(sim, "status").stdout
    assert "High availability: enabled" in status and "Heartbeat SR: NFS virtual disk storage" in status
    assert "Server failures to tolerate: 0" in status
    what = ha_cli(sim, "what-if", "--fail", "xs-demo-02")
    assert what.returncode == 0, what.stderr
    rows = {line.split("\t")[0]: line for line in what.stdout.splitlines()}
    assert "restarts on xs-demo-" in rows["Web Server 2"]
    assert "not restarted" in rows["Ubuntu Desktop (no tools)"]
    unknown = ha_cli(sim, "what-if", "--fail", "no-such-server")
    assert unknown.returncode == 1 and "no-such-server" in unknown.stderr
    assert ha_cli(sim, "disable").returncode == 0
    assert "not configured" in ha_cli(sim, "status").stdout


def test_cli_explains_a_free_edition(sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400", "--edition", "free")
    assert "license does not include it" in ha_cli(sim, "status").stdout
    out = ha_cli(sim, "enable", "--sr", "NFS virtual disk storage")
    assert out.returncode == 1 and "HA" in out.stderr


async def test_set_priorities_unprotects_before_lowering_and_protects_after(sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--speed", "400")
    conn = Connection(sim.url, "root", sim.password)
    await conn.connect()
    try:
        vms = {vm.name: vm for vm in conn.cache.all("VM") if vm.is_real_vm}
        web1, web2 = vms["Web Server 1"], vms["Web Server 2"]
        nfs = next(sr for sr in conn.cache.all("SR") if sr.name == "NFS virtual disk storage")
        steps: list[tuple[float, str]] = []
        await ha.enable(
            conn,
            nfs.ref,
            {web1.ref: VmHaSettings(RESTART, 1, 0)},
            1,
            lambda f, d: steps.append((f, d)),
        )
        assert abs(steps[-1][0] - 1.0) < 1e-9 and [d for _f, d in steps if d][-1] == "Enabling HA"
        await wait_until(conn, lambda: conn.cache.pool.ha_enabled)
        assert conn.cache.pool.get("ha_host_failures_to_tolerate") == 1
        # Swap protection between two VMs, keeping one failure tolerated.
        await ha.set_priorities(
            conn, {web1.ref: VmHaSettings(BEST_EFFORT, 0, 0), web2.ref: VmHaSettings(RESTART, 2, 5)}, 1
        )
        await wait_until(conn, lambda: priority_of(web2) == RESTART and web2.get("start_delay") == 5)
        assert priority_of(web1) == BEST_EFFORT
        result = await ha.what_if(conn, [web2.get("resident_on")])
        row = next(r for r in result.restarts if r.vm == web2.ref)
        assert row.host and row.host != web2.get("resident_on") and result.plan_holds
        await ha.disable(conn)
        await wait_until(conn, lambda: not conn.cache.pool.ha_enabled)
    finally:
        await conn.disconnect()


async def test_console_follows_the_new_coordinator_after_a_failure(sim_factory: Any) -> None:
    sim = sim_factory("--seed", "demo", "--members", "--speed", "400")
    conn = Connection(sim.url, "root", sim.password)
    await conn.connect()
    try:
        old = conn.cache.pool.coordinator
        nfs = next(sr for sr in conn.cache.all("SR") if sr.name == "NFS virtual disk storage")
        await ha.enable(conn, nfs.ref, {}, 0)
        await wait_until(conn, lambda: conn.cache.pool.ha_enabled)
        await conn.call("simulator.fail_host", old.ref)
        await wait_until(
            conn,
            lambda: conn.is_connected and conn.cache.pool.coordinator not in (None, old) and not old.is_live,
            timeout=30,
        )
        new = conn.cache.pool.coordinator
        assert new.address in conn.address and new.is_live
        assert conn.reconnects >= 1
    finally:
        await conn.disconnect()
