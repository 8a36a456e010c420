"""Console tunnels free what they hold: a simulator in this process (so its console hub can
be inspected) serving real sockets, and many viewers coming and going."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import DB_DIR, start_sim
from tests.consoles_support import RfbProbe
from xencenter_py.sim.seeds import seed
from xencenter_py.sim.server import serve
from xencenter_py.sim.simulator import Simulator
from xencenter_py.sim.store import Store

PASSWORD = "pw"


@pytest.fixture
async def served() -> AsyncIterator[tuple[Simulator, Any, str]]:
    store = Store()
    seed(store, "standalone")
    sim = Simulator(store, speed=50, users={"root": (PASSWORD, "pool-admin")})
    await sim.start()
    runner, _port = await serve(sim, "127.0.0.1", 0)
    session = await sim.login("root", PASSWORD)
    yield sim, runner.hub, session
    await runner.cleanup()
    await sim.stop()


def _linux(sim: Simulator) -> tuple[str, str]:
    vm = sim.store.first("VM", name_label="Lab Linux")
    assert vm is not None
    console = sim.store.get("VM", vm)["consoles"][0]
    return vm, console


async def _until(check: Any, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


async def test_closed_tunnels_free_their_viewers(served: tuple[Simulator, Any, str]) -> None:
    sim, hub, session = served
    _, console = _linux(sim)
    location = sim.store.get("console", console)["location"]
    probes = await asyncio.gather(*(RfbProbe.open(location, session) for _ in range(20)))
    for p in probes:
        p.request(incremental=False)
    await asyncio.gather(*(p.update() for p in probes))
    display = hub.displays[console]
    assert hub.viewers == 20 and len(display.viewers) == 20 and len(display.fb.watchers) == 20
    await asyncio.gather(*(p.close() for p in probes))
    await _until(lambda: hub.viewers == 0 and not display.viewers and not display.fb.watchers)


async def test_a_stopping_vm_ends_its_console_and_viewers(served: tuple[Simulator, Any, str]) -> None:
    sim, hub, session = served
    vm, console = _linux(sim)
    probe = await RfbProbe.open(sim.store.get("console", console)["location"], session)
    probe.request(incremental=False)
    await probe.update()
    await sim.call("VM.hard_shutdown", [session, vm])
    assert await asyncio.wait_for(probe.reader.read(), 10) == b""  # the tunnel closed
    await _until(lambda: console not in hub.displays and hub.viewers == 0)
    await probe.close()


async def test_idle_screens_are_bounded(served: tuple[Simulator, Any, str], monkeypatch: Any) -> None:
    from xencenter_py.sim.consoles import hub as hub_module

    sim, hub, session = served
    monkeypatch.setattr(hub_module, "IDLE_DISPLAYS", 1)
    consoles = [c for c in sim.store.tables["console"]]
    assert len(consoles) >= 3
    for console in consoles:
        probe = await RfbProbe.open(sim.store.get("console", console)["location"], session)
        probe.request(incremental=False)
        await probe.update()
        await probe.close()
        await _until(lambda: hub.viewers == 0)
    assert len(hub.displays) <= 2  # the newest and at most one idle one


def test_members_serve_each_console_at_its_own_host() -> None:
    sim = start_sim("--pool-size", "2:4", "--members", "--speed", "400")
    try:
        asyncio.run(_check_members(sim))
    finally:
        sim.stop()


async def _check_members(sim: Any) -> None:
    import XenAPI

    from tests.consoles_support import http_status

    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", sim.password, "2.21", "console-tests")
    x = session.xenapi
    try:
        addresses = {h: x.host.get_address(h) for h in x.host.get_all()}
        assert len(set(addresses.values())) == 2
        for host, address in addresses.items():
            location = x.console.get_location(x.VM.get_consoles(x.host.get_control_domain(host))[0])
            assert location.split("/")[2].split(":")[0] == address
            assert await http_status(location, f"session_id={session._session}") == 200
            other = next(a for h, a in addresses.items() if h != host)
            elsewhere = location.replace(f"//{address}:", f"//{other}:")
            assert await http_status(elsewhere, f"session_id={session._session}") == 500
    finally:
        x.session.logout()


@pytest.mark.parametrize("dump", sorted(p.name for p in DB_DIR.iterdir()))
def test_real_dumps_get_consoles_this_simulator_serves(dump: str) -> None:
    sim = start_sim("--from-db", str(DB_DIR / dump))
    try:
        asyncio.run(_check_dump(sim))
    finally:
        sim.stop()


async def _check_dump(sim: Any) -> None:
    import XenAPI

    session = XenAPI.Session(sim.url)
    session.xenapi.login_with_password("root", sim.password, "2.21", "console-tests")
    x = session.xenapi
    try:
        running = [ref for ref, vm in x.VM.get_all_records().items() if vm["power_state"] == "Running"]
        assert any(x.VM.get_is_control_domain(ref) for ref in running)
        for ref in running:
            location = x.console.get_location(x.VM.get_consoles(ref)[0])
            assert location.startswith(sim.url.split(":")[0] + "://127.0.0.1:"), location
            probe = await RfbProbe.open(location, session._session)
            probe.request(incremental=False)
            await asyncio.wait_for(probe.update(), 10)
            await probe.close()
    finally:
        x.session.logout()
