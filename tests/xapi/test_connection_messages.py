"""Each way of failing to reach a server gets one clear sentence in the user's language,
the same in the console and on the command line, never raw Python or OpenSSL text."""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Iterator

import pytest

from tests.conftest import SimProcess
from tests.xapi.rawserver import Request, raw_server
from xencenter_py.i18n import set_language
from xencenter_py.xapi import ConnectionLost, XapiSession
from xencenter_py.xapi.errors import RequestTimeout


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _failure(address: str, timeout: float = 10.0) -> ConnectionLost:
    with pytest.raises(ConnectionLost) as info:
        await XapiSession.login(address, "root", "pw", timeout=timeout)
    return info.value


async def test_refused(english: None) -> None:
    port = _free_port()
    exc = await _failure(f"http://127.0.0.1:{port}")
    assert exc.kind() == "refused"
    assert exc.message() == (
        f"127.0.0.1:{port} refused the connection. Check the address and port, and that the server is running."
    )
    set_language("ja")
    assert "接続を拒否" in exc.message() and "Errno" not in exc.message()


async def test_tls_spoken_to_a_plain_port(english: None, pool_sim: SimProcess) -> None:
    exc = await _failure(pool_sim.url.replace("http://", "https://"))
    assert exc.kind() == "tls"
    assert "https" in exc.message() and "SSL" not in exc.message() and "WRONG_VERSION" not in exc.message()


async def test_silent_server_times_out(english: None) -> None:
    async def never(r: Request) -> bytes:
        await asyncio.Event().wait()
        return b""

    async with raw_server(never) as srv:
        exc = await _failure(srv.url, timeout=0.5)
    assert isinstance(exc, RequestTimeout) and exc.kind() == "timeout"
    assert exc.message().endswith("did not answer in time. Check the address and the network.")


def _caused_by(cause: BaseException) -> ConnectionLost:
    try:
        try:
            raise cause
        except OSError as inner:
            raise ConnectionLost("cannot connect", server="pool.example", connecting=True) from inner
    except ConnectionLost as exc:
        return exc


def test_unknown_name_and_no_route(english: None) -> None:
    # Built from the OS errors the resolver and the kernel raise (a real lookup would leave the machine).
    name = _caused_by(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    assert name.message() == "The server name pool.example could not be found. Check the address."
    route = _caused_by(OSError(errno.EHOSTUNREACH, "No route to host"))
    assert route.kind() == "unreachable" and "pool.example" in route.message()
