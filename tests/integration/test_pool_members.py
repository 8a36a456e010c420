"""A Connection meets real pool supporters (``sim --members``): it follows ``HOST_IS_SLAVE``
to the coordinator, and finds the new coordinator after ``pool.designate_new_master``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from tests.conftest import SimProcess
from tests.sim.core_support import member_urls
from xencenter_py.model.connection import Connection, ConnectionState
from xencenter_py.xapi.errors import Failure


@pytest.fixture
def pool(sim_factory: Callable[..., SimProcess]) -> SimProcess:
    return sim_factory("--pool-size", "3:6", "--members", "--speed", "400")


async def test_connecting_to_a_supporter_follows_to_the_coordinator(pool: SimProcess) -> None:
    _name, member = sorted(member_urls(pool, 2).items())[0]
    conn = Connection(member, "root", pool.password)
    with pytest.raises(Failure) as info:
        await conn.connect()
    assert (info.value.code, info.value.params) == ("HOST_IS_SLAVE", ["127.0.0.1"])
    await conn.connect(follow_coordinator=True)
    try:
        assert conn.state is ConnectionState.CONNECTED
        assert conn.address == pool.url
        assert len(conn.cache.all("host")) == 3
    finally:
        await conn.disconnect()


async def test_connection_follows_a_new_coordinator(pool: SimProcess) -> None:
    name, member = sorted(member_urls(pool, 2).items())[0]
    conn = Connection(pool.url, "root", pool.password, event_timeout=5.0)
    await conn.connect()
    states: list[ConnectionState] = []
    moved = asyncio.Event()

    def on_state(state: ConnectionState) -> None:
        states.append(state)
        if state is ConnectionState.CONNECTED:
            moved.set()

    conn.on_state(on_state)
    try:
        new = next(h for h in conn.cache.all("host") if h.name == name)
        await conn.call("pool.designate_new_master", new.ref)
        await asyncio.wait_for(moved.wait(), 30)
        assert states == [ConnectionState.RECONNECTING, ConnectionState.CONNECTED]
        assert urlsplit(conn.address).hostname == urlsplit(member).hostname == "127.0.0.2"
        # the cache is the pool as the new coordinator sees it
        pool_obj = conn.cache.pool
        assert pool_obj is not None and pool_obj.coordinator is not None
        assert pool_obj.coordinator.ref == new.ref and pool_obj.coordinator.is_coordinator
        for cls in ("host", "VM", "SR"):
            server = await conn.call(f"{cls}.get_all_records")
            assert {o.ref for o in conn.cache.all(cls)} == set(server)
        # and it keeps following events there
        vm = next(v for v in conn.cache.all("VM") if v.is_real_vm)
        renamed = asyncio.Event()

        def check(_batch: object) -> None:
            if conn.cache.record("VM", vm.ref)["name_label"] == "renamed after failover":
                renamed.set()

        conn.cache.subscribe(check)
        await conn.call("VM.set_name_label", vm.ref, "renamed after failover")
        await asyncio.wait_for(renamed.wait(), 15)
    finally:
        await conn.disconnect()
