"""The suite's guard: a test that tries to connect outside the loopback range fails."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx
import pytest

from tests.conftest import LeftTheMachine, _is_local

OUTSIDE = "192.0.2.1"
"""TEST-NET-1 (RFC 5737): an address that is never this machine's."""


def test_a_plain_socket_is_refused_and_recorded(loopback_only: list[str]) -> None:
    with socket.socket() as s, pytest.raises(LeftTheMachine):
        s.connect((OUTSIDE, 80))
    with socket.socket() as s, pytest.raises(LeftTheMachine):
        s.connect_ex((OUTSIDE, 80))
    assert loopback_only == [repr((OUTSIDE, 80))] * 2
    loopback_only.clear()  # seen: this test itself must pass


async def test_asyncio_and_httpx_are_refused_even_when_the_error_is_swallowed(loopback_only: list[str]) -> None:
    with pytest.raises(OSError):
        await asyncio.open_connection(OUTSIDE, 80)
    async with httpx.AsyncClient() as client:
        # code under test often swallows this: the record still fails the test
        with contextlib.suppress(httpx.HTTPError):
            await client.get(f"http://{OUTSIDE}:81/")
    assert repr((OUTSIDE, 80)) in loopback_only and repr((OUTSIDE, 81)) in loopback_only
    loopback_only.clear()


def test_loopback_connections_pass(loopback_only: list[str]) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
    assert loopback_only == []
    assert _is_local(("127.3.2.1", 1)) and _is_local(("::1", 1, 0, 0)) and _is_local(("localhost", 1))
    assert _is_local(("::ffff:127.0.0.1", 1, 0, 0)) and _is_local("/tmp/socket")
    assert not _is_local(("10.80.224.75", 1)) and not _is_local(("example.com", 1)) and not _is_local(("::2", 1))
