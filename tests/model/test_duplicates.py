"""One connection per pool: the address rule before login and the pool-identity rule after
it, against real simulators."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import SimProcess
from xencenter_py.model.connection import Connection, ConnectionState
from xencenter_py.model.duplicates import AlreadyConnected, find_by_address, refuse_duplicate, same_address
from xencenter_py.xapi.client import XapiSession
from xencenter_py.xapi.errors import Failure


def test_addresses_compare_as_the_client_reads_them() -> None:
    assert same_address("xs1.example.com", "https://XS1.example.com:443/")
    assert same_address("http://10.0.0.1", "http://10.0.0.1:80")
    assert same_address("[fe80::1]:8443", "https://[fe80::1]:8443")
    assert not same_address("xs1", "http://xs1")
    assert not same_address("10.0.0.1:443", "10.0.0.1:8443")
    a, b = Connection("10.0.0.1", "root", "pw"), Connection("http://10.0.0.2:8080", "root", "pw")
    assert find_by_address([a, b], "https://10.0.0.1:443") is a
    assert find_by_address([a, b], "10.0.0.2:8080") is None


async def test_second_login_to_a_connected_pool_is_refused(demo_sim: SimProcess) -> None:
    first = Connection(demo_sim.url, "root", demo_sim.password)
    await first.connect()
    try:
        # Same pool through another spelling of the address: only the pool identity tells.
        second = Connection(demo_sim.url.replace("127.0.0.1", "localhost"), "root", demo_sim.password)
        others = [first, second]
        with pytest.raises(AlreadyConnected) as refused:
            await second.connect(others=others)
        assert refused.value.existing is first
        assert second.state is ConnectionState.FAILED and second.session is None
        assert not second.cache.populated
        assert first.is_connected and first.cache.pool is not None

        # Once the first is disconnected, the pool is free again.
        await first.disconnect()
        await second.connect(others=others)
        assert second.is_connected
        await second.disconnect()
    finally:
        await first.disconnect()


async def test_refused_session_is_logged_out(demo_sim: SimProcess) -> None:
    first = Connection(demo_sim.url, "root", demo_sim.password)
    await first.connect()
    try:
        session = await XapiSession.login(demo_sim.url, "root", demo_sim.password)
        with pytest.raises(AlreadyConnected):
            await refuse_duplicate(session, [first], Connection(demo_sim.url, "root", demo_sim.password))
        assert await first.call("session.get_uuid", first.session.ref)  # a live session has one
        with pytest.raises(Failure) as gone:
            await first.call("session.get_uuid", session.ref)
        assert gone.value.code == "HANDLE_INVALID"
    finally:
        await first.disconnect()


async def test_another_pool_is_not_a_duplicate(demo_sim: SimProcess, sim_factory: Callable[..., SimProcess]) -> None:
    standalone = sim_factory("--seed", "standalone", "--speed", "50")
    first = Connection(demo_sim.url, "root", demo_sim.password)
    await first.connect()
    other = Connection(standalone.url, "root", standalone.password)
    try:
        await other.connect(others=[first, other])
        assert other.is_connected and other.cache.pool.ref != first.cache.pool.ref
    finally:
        await other.disconnect()
        await first.disconnect()
