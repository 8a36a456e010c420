"""HOST_IS_SLAVE: reported to the caller, or followed to the coordinator when asked."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SimProcess
from tests.xapi.rawserver import Request, http, raw_server
from xencenter_py.model.connection import Connection, ConnectionState, redirect_address
from xencenter_py.xapi.errors import Failure


def supporter_of(sim: SimProcess):
    """A pool supporter: every call is answered HOST_IS_SLAVE [coordinator address]."""
    coordinator = sim.url.split("://", 1)[1]

    def reply(req: Request) -> bytes:
        rid = req.json()["id"]
        return http(
            json.dumps(
                {"jsonrpc": "2.0", "id": rid, "error": {"code": 1, "message": "HOST_IS_SLAVE", "data": [coordinator]}}
            )
        )

    return reply


async def test_host_is_slave_is_raised_with_the_coordinator(demo_sim: SimProcess) -> None:
    async with raw_server(supporter_of(demo_sim)) as supporter:
        conn = Connection(supporter.url, "root", demo_sim.password)
        with pytest.raises(Failure) as info:
            await conn.connect()
        assert info.value.code == "HOST_IS_SLAVE"
        assert conn.state is ConnectionState.FAILED
        # the caller (after asking the user) follows it
        await conn.connect(follow_coordinator=True)
        try:
            assert conn.state is ConnectionState.CONNECTED and conn.address == demo_sim.url
            assert conn.cache.pool is not None
        finally:
            await conn.disconnect()


def test_redirect_address_keeps_scheme_and_port() -> None:
    assert redirect_address("https://10.0.0.1:8443", "10.0.0.2") == "https://10.0.0.2:8443"
    assert redirect_address("http://a:8080", "b:9090") == "http://b:9090"
    assert redirect_address("10.0.0.1", "10.0.0.2") == "10.0.0.2"
    assert redirect_address("10.0.0.1:4443", "10.0.0.2") == "10.0.0.2:4443"
    assert redirect_address("https://h:443", "fe80::1") == "https://[fe80::1]:443"
    assert redirect_address("https://h", "https://other:1") == "https://other:1"
