"""Archive keepers against a simulated pool whose members have their own loopback
addresses (``sim --members``): full history first, then updates from the host that
serves the data, following a VM when it migrates."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from tests.conftest import SimProcess
from tests.model.waiting import wait_until
from xencenter_py.model.connection import Connection
from xencenter_py.model.perf.keeper import ArchiveKeeper


@pytest.fixture
def pool(sim_factory: Callable[..., SimProcess]) -> SimProcess:
    return sim_factory("--seed", "demo", "--members", "--speed", "50")


async def _updated(keeper: ArchiveKeeper, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    event = asyncio.Event()
    unsubscribe = keeper.on_update(event.set)
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                event.clear()
                await event.wait()
    finally:
        unsubscribe()


def _vm(conn: Connection, name: str) -> object:
    return next(v for v in conn.cache.all("VM") if v.name == name)


async def test_vm_history_then_updates_from_its_host_and_across_a_migration(pool: SimProcess) -> None:
    conn = Connection(pool.url, "root", pool.password)
    await conn.connect()
    keeper = None
    try:
        vm = _vm(conn, "Web Server 1")
        first_host = vm.resident_on
        assert first_host is not None and first_host.address.startswith("127.0.0.")
        keeper = ArchiveKeeper(conn, vm)
        keeper.poll_seconds = 0.5
        keeper.start()
        await _updated(keeper, lambda: keeper.loaded)
        # the full archive gave every resolution, a year of days included
        assert len(keeper.archive.rings[86400].times) == 366
        assert len(keeper.archive.rings[3600].times) == 168
        assert {"cpu0", "memory", "memory_internal_free", "vif_0_rx"} <= set(keeper.archive.names())
        last = keeper.archive.rings[5].last
        await _updated(keeper, lambda: keeper.archive.rings[5].last > last)
        assert urlsplit(keeper.requests[-1]).hostname == first_host.address

        other = next(h for h in conn.cache.all("host") if h.ref != first_host.ref and h.name == "xs-demo-03")
        await conn.session.call("VM.pool_migrate", vm.ref, other.ref, {"live": "true"})
        await wait_until(conn, lambda: vm.resident_on is not None and vm.resident_on.ref == other.ref)
        moved_at = keeper.archive.rings[5].last
        await _updated(keeper, lambda: keeper.archive.rings[5].last > moved_at + 5)
        assert urlsplit(keeper.requests[-1]).hostname == other.address
        assert any(e.kind == "migrate" for e in keeper.events)
        ring = keeper.archive.rings[5]
        assert not math.isnan(ring.values["cpu0"][-1])
        assert ring.times == sorted(ring.times)
    finally:
        if keeper is not None:
            await keeper.stop()
        await conn.disconnect()


async def test_host_history_comes_from_the_host_itself(pool: SimProcess) -> None:
    conn = Connection(pool.url, "root", pool.password)
    await conn.connect()
    host = next(h for h in conn.cache.all("host") if not h.is_coordinator)
    keeper = ArchiveKeeper(conn, host)
    keeper.poll_seconds = 0.5
    keeper.start()
    try:
        await _updated(keeper, lambda: keeper.loaded and len(keeper.requests) > 1)
        assert {urlsplit(u).hostname for u in keeper.requests} == {host.address}
        cpus = [n for n in keeper.archive.names() if n.startswith("cpu") and n[3:].isdigit()]
        assert len(cpus) == host.cpu_count
    finally:
        await keeper.stop()
        await conn.disconnect()


async def test_lifecycle_events_from_power_changes_and_pool_messages(pool: SimProcess) -> None:
    conn = Connection(pool.url, "root", pool.password)
    await conn.connect()
    vm = _vm(conn, "CentOS 7 Test")
    keeper = ArchiveKeeper(conn, vm)
    keeper.poll_seconds = 0.5
    keeper.start()
    try:
        await conn.session.call("VM.start", vm.ref, False, False)
        await _updated(keeper, lambda: any(e.kind == "start" for e in keeper.events))
        await conn.session.call("message.create", "VM_REBOOTED", 3, "VM", vm.uuid, "")
        await _updated(keeper, lambda: any(e.kind == "reboot" for e in keeper.events))
        await conn.session.call("VM.hard_shutdown", vm.ref)
        await _updated(keeper, lambda: any(e.kind == "shutdown" for e in keeper.events))
        # once each (a message and a power state change for the same thing count once); a
        # message's time has whole seconds, so a reboot within a second of the start may sort first
        assert sorted(e.kind for e in keeper.events) == ["reboot", "shutdown", "start"]
        assert keeper.events[-1].kind == "shutdown"
        assert not keeper.is_live()
    finally:
        await keeper.stop()
        await conn.disconnect()


async def test_a_failing_answer_is_logged_and_skipped(pool: SimProcess, caplog: pytest.LogCaptureFixture) -> None:
    conn = Connection(pool.url, "root", pool.password)
    await conn.connect()
    vm = _vm(conn, "CentOS 7 Test")
    await conn.session.call("VM.destroy", vm.ref)
    await wait_until(conn, lambda: not vm.exists)
    keeper = ArchiveKeeper(conn, vm)
    keeper.poll_seconds = 0.05
    keeper.start()
    try:
        await _updated(keeper, lambda: keeper.errors >= 3)
        assert keeper.running and not keeper.loaded
        assert "HTTP 404" in keeper.last_error
        assert "skipped" in caplog.text
    finally:
        await keeper.stop()
        await conn.disconnect()
